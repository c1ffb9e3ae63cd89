/** Checking a push request before any I/O. */
import { isBytes, toEndpointUrl, WebPushError } from '@wp/ece/utils'
import { ipKind, isPrivateAddress, isPrivateHostName } from './address.js'
import { forbiddenError } from './errors.js'
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
/**
 * Connection-specific fields (RFC 9110 §7.6.1, RFC 9113 §8.2.2) and `Expect`: the transport owns the
 * connection and the framing, so the same request must not fail over HTTP/1.1 and pass over HTTP/2.
 */
const CONNECTION_FIELDS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'expect',
])

/**
 * Checks the request's shape and the endpoint's scheme and host. IP-literal hosts and names such as
 * `localhost` are judged here; names that resolve to private addresses are caught when connecting.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_ENDPOINT_FORBIDDEN`
 */
export function checkRequest(request: PushRequest, allowPrivateNetwork: boolean): CheckedRequest {
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
  if (!allowPrivateNetwork) {
    if (url.protocol === 'http:') throw forbiddenError(endpoint, 'only https: endpoints are allowed')
    if (literal ? isPrivateAddress(host) : isPrivateHostName(host))
      throw forbiddenError(endpoint, 'the host is a loopback, private or link-local address')
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'headers must be an object of strings')
  const out: Record<string, string> = {}
  const seen = new Set<string>()
  let contentLength: string | undefined
  for (const name in headers) {
    const value = (headers as Record<string, unknown>)[name]
    if (value === undefined) continue
    if (!TOKEN.test(name))
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `header name "${name}" is not a valid token`)
    const text = typeof value === 'number' ? String(value) : value
    if (typeof text !== 'string' || !FIELD_VALUE.test(text))
      throw new WebPushError(
        'ERR_WP_INVALID_ARGUMENT',
        `header ${name} must be a string of visible Latin-1 characters, spaces and tabs (no line breaks or controls)`,
      )
    const lower = name.toLowerCase()
    if (seen.has(lower)) throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `header ${name} is given twice`)
    if (CONNECTION_FIELDS.has(lower))
      throw new WebPushError(
        'ERR_WP_INVALID_ARGUMENT',
        `header ${name} belongs to the connection, which the transport manages`,
      )
    if (lower === 'content-length') contentLength = text.trim()
    seen.add(lower)
    out[name] = text
  }
  if (body !== undefined && !isBytes(body))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'body must be a Uint8Array or absent')
  if (contentLength !== undefined && contentLength !== String(body?.length ?? 0))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `header content-length must be the body length ${body?.length ?? 0}, got ${contentLength}`,
    )
  return { endpoint, url, origin: url.origin, path: `${url.pathname}${url.search}`, headers: out, body }
}
