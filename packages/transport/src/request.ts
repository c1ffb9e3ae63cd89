/** Checking a push request before any I/O. */
import { isBytes, toEndpointUrl, WebPushError } from '@wp/ece/utils'
import { ipKind, isPrivateAddress, isPrivateHostName } from './address.js'
import { forbiddenError } from './internal/errors.js'
import { allowsPrivate, type PrivateNetworkPolicy } from './internal/private-network.js'
import type { PushRequest } from './types.js'

/** A request checked and split for sending. */
export interface CheckedRequest {
  endpoint: string
  url: URL
  /** `scheme://host:port`. */
  origin: string
  /** Path and query. */
  path: string
  headers: Record<string, string>
  body: Uint8Array | undefined
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/**
 * A host name as the WHATWG URL parser leaves it (lowercase, IDNs as punycode): letters, digits,
 * `-`, `_` and dots. The parser also lets through `{`, `,`, `*`, `$` and more, which no DNS name holds
 * and which tools that take the endpoint (curl globbing) read as syntax.
 */
const HOST_NAME = /^[a-z0-9._-]+$/
/** RFC 9110 §5.5: a field value is visible ASCII, space, tab and obs-text (0x80-0xFF) only. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** Anything but visible ASCII and space, for `printable`. */
const UNPRINTABLE = /[^\x20-\x7e]/g

/** `text` for an error message: all but visible ASCII as `\uXXXX` escapes, cut after 64 characters. */
function printable(text: string): string {
  const shown = text.slice(0, 64).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return text.length > 64 ? `${shown}…` : shown
}

const CONNECTION = 'belongs to the connection, which the transport manages'
/**
 * Fields the transport writes itself, each with why, so that the same request never goes out
 * differently, or fails, over HTTP/1.1 and HTTP/2:
 * - connection-specific fields (RFC 9110 §7.6.1), which HTTP/2 forbids (RFC 9113 §8.2.2), `TE`
 *   included, and `HTTP2-Settings`, which only an h2c upgrade carries (RFC 7540 §3.2.1);
 * - `Expect`: the transport sends the body at once and never waits for 100 Continue;
 * - `Host`: the endpoint's host (RFC 9110 §7.2), sent as `:authority` over HTTP/2 (RFC 9113
 *   §8.3.1), where a `Host` field would be dropped or contradict it.
 * Pseudo-header names (`:authority`, `:path`) are no tokens and are refused as such.
 */
const OWN_FIELDS: ReadonlyMap<string, string> = new Map([
  ['connection', CONNECTION],
  ['keep-alive', CONNECTION],
  ['proxy-connection', CONNECTION],
  ['transfer-encoding', CONNECTION],
  ['upgrade', CONNECTION],
  ['te', CONNECTION],
  ['http2-settings', CONNECTION],
  ['expect', 'is not supported: the transport sends the body at once'],
  ['host', 'comes from the endpoint (it is :authority over HTTP/2)'],
])

/**
 * Checks the request's shape and the endpoint's scheme and host. IP-literal hosts and names such as
 * `localhost` are judged here; names that resolve to private addresses are caught when connecting.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_ENDPOINT_FORBIDDEN`
 */
export function checkRequest(request: PushRequest, allowPrivateNetwork: PrivateNetworkPolicy): CheckedRequest {
  if (typeof request !== 'object' || request === null)
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'request must be { endpoint, headers, body? }')
  const { endpoint, headers, body } = request
  const url = toEndpointUrl(endpoint)
  if (url.username !== '' || url.password !== '')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'endpoint must not carry credentials')
  const host = url.hostname
  const literal = ipKind(host) !== undefined
  if (!literal && !HOST_NAME.test(host))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'endpoint host must be a DNS name or an IP address')
  if (!allowsPrivate(allowPrivateNetwork, () => url.origin)) {
    if (url.protocol === 'http:') throw forbiddenError(endpoint, 'only https: endpoints are allowed')
    if (literal ? isPrivateAddress(host) : isPrivateHostName(host))
      throw forbiddenError(endpoint, 'the host is a loopback, private or link-local address')
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'headers must be an object of strings')
  const out: Record<string, string> = {}
  const seen = new Set<string>()
  let contentLength: string | undefined
  let contentLengthName = 'content-length'
  for (const name in headers) {
    const value = (headers as Record<string, unknown>)[name]
    if (value === undefined) continue
    if (!TOKEN.test(name))
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `header name "${printable(name)}" is not a valid token`)
    const text = typeof value === 'number' ? String(value) : value
    if (typeof text !== 'string' || !FIELD_VALUE.test(text))
      throw new WebPushError(
        'ERR_WP_INVALID_ARGUMENT',
        `header ${name} must be a string of visible Latin-1 characters, spaces and tabs (no line breaks or controls)`,
      )
    const lower = name.toLowerCase()
    if (seen.has(lower)) throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `header ${name} is given twice`)
    const owned = OWN_FIELDS.get(lower)
    if (owned !== undefined) throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `header ${name} ${owned}`)
    if (lower === 'content-length') {
      contentLengthName = name
      contentLength = text.trim()
    }
    seen.add(lower)
    out[name] = text
  }
  if (body !== undefined && !isBytes(body))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'body must be a Uint8Array or absent')
  if (contentLength !== undefined && contentLength !== String(body?.length ?? 0))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `header ${contentLengthName} must be the body length ${body?.length ?? 0}, got ${printable(contentLength)}`,
    )
  return { endpoint, url, origin: url.origin, path: `${url.pathname}${url.search}`, headers: out, body }
}
