/** Checks of the API's request bodies: everything is checked before anything is stored or sent. */
import { base64urlEncode, maxPlaintextLength, WebPushError } from '@wp/ece'
import { describeValue, toBytes, toPublicKey, utf8Encode } from '@wp/ece/utils'
import { isPrivateAddress } from '@wp/transport'
import { HttpError } from './http-error.js'

/** A subscription as stored: the endpoint and the keys in unpadded base64url. */
export interface CheckedSubscription {
  endpoint: string
  p256dh: string
  auth: string
}

/** A checked `POST /api/notify` body. */
export interface CheckedNotify {
  title: string
  body: string
  url: string | undefined
  /** `'all'` or a subscription id. */
  to: string
  ttl: number | undefined
  urgency: 'very-low' | 'low' | 'normal' | 'high' | undefined
  topic: string | undefined
  /** The message every subscriber decrypts: `{"title","body","url"?}` as UTF-8 JSON. */
  payload: string
}

/** Longest endpoint kept: real ones are under 600 characters. */
const MAX_ENDPOINT = 2048
const MAX_URL = 2048

function bad(message: string): HttpError {
  return new HttpError(400, 'ERR_WP_INVALID_ARGUMENT', message)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Host names that never leave this machine or its network (RFC 6761 §6.3, RFC 6762, RFC 8375). */
function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return (
    !h.includes('.') ||
    h === 'localhost' ||
    ['.localhost', '.local', '.internal', '.home.arpa', '.lan'].some((suffix) => h.endsWith(suffix))
  )
}

/**
 * Whether `url` is on a public host: an IP literal outside every special-purpose block, or a name
 * with a dot that is not a local one. Names are resolved only when a message is sent, where the
 * transport's guard refuses any that lead to a private address.
 */
function isPublicHost(url: URL): boolean {
  const host = url.hostname
  // The URL parser spells every IPv4 form as dotted decimal and keeps IPv6 in brackets.
  if (host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) return !isPrivateAddress(host)
  return !isLocalName(host)
}

/** Turns a key check's `WebPushError` into a 400 with the same code. */
function keyError(error: unknown): never {
  if (error instanceof WebPushError) {
    const code = error.code
    if (code === 'ERR_WP_BASE64URL' || code === 'ERR_WP_KEY_LENGTH' || code === 'ERR_WP_INVALID_POINT')
      throw new HttpError(400, code, error.message)
    throw bad(error.message)
  }
  throw error
}

/**
 * Checks a `PushSubscription.toJSON()`: the endpoint is `https:` on a public host, or on the local
 * push service's own origin (`localOrigin`, in local mode); nothing else is ever sent to. `p256dh` is
 * an uncompressed P-256 point (RFC 8291 §3.1, 65 bytes), `auth` 16 bytes (RFC 8291 §3.2).
 * `expirationTime` and other fields are ignored.
 * @throws HttpError 400 naming the field and what was expected
 */
export function checkSubscription(input: unknown, localOrigin: string | undefined): CheckedSubscription {
  if (!isObject(input)) throw bad('the body must be a PushSubscription as JSON: { endpoint, keys: { p256dh, auth } }')
  const { endpoint, keys } = input
  if (typeof endpoint !== 'string' || endpoint === '' || endpoint.length > MAX_ENDPOINT)
    throw bad(`endpoint must be a URL of at most ${MAX_ENDPOINT} characters`)
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw bad('endpoint must be an absolute URL')
  }
  if (url.username !== '' || url.password !== '') throw bad('endpoint must not carry a user name or password')
  const local = localOrigin !== undefined && url.origin === localOrigin
  if (!local) {
    if (url.protocol !== 'https:')
      throw bad(
        localOrigin === undefined
          ? 'endpoint must be an https: URL'
          : `endpoint must be an https: URL or on the local push service (${localOrigin})`,
      )
    if (!isPublicHost(url))
      throw new HttpError(
        400,
        'ERR_WP_ENDPOINT_FORBIDDEN',
        'endpoint must be on a public host, not a local or private one',
      )
  }
  if (!isObject(keys)) throw bad('keys must be an object { p256dh, auth }')
  if (typeof keys.p256dh !== 'string')
    throw bad(`keys.p256dh must be a base64url string, got ${describeValue(keys.p256dh)}`)
  if (typeof keys.auth !== 'string') throw bad(`keys.auth must be a base64url string, got ${describeValue(keys.auth)}`)
  let p256dh: Uint8Array
  let auth: Uint8Array
  try {
    p256dh = toPublicKey(keys.p256dh, 'keys.p256dh')
    auth = toBytes(keys.auth, 'keys.auth', 16)
  } catch (error) {
    keyError(error)
  }
  return { endpoint, p256dh: base64urlEncode(p256dh), auth: base64urlEncode(auth) }
}

/**
 * Checks a `DELETE /api/subscriptions` body: `{ endpoint }`.
 * @throws HttpError 400
 */
export function checkEndpointBody(input: unknown): string {
  if (!isObject(input) || typeof input.endpoint !== 'string' || input.endpoint === '')
    throw bad('the body must be { endpoint } with the subscription endpoint as a string')
  if (input.endpoint.length > MAX_ENDPOINT) throw bad(`endpoint must be at most ${MAX_ENDPOINT} characters`)
  return input.endpoint
}

const NOTIFY_FIELDS = new Set(['title', 'body', 'url', 'to', 'ttl', 'urgency', 'topic'])
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high'])

/**
 * Checks a `POST /api/notify` body and builds the payload.
 * @throws HttpError 400 naming the field; 413 when the payload is over what one message holds
 *   (RFC 8291 §4: 3993 bytes in one aes128gcm record of 4096)
 */
export function checkNotify(input: unknown): CheckedNotify {
  if (!isObject(input)) throw bad('the body must be an object { title, body, url?, to, ttl?, urgency?, topic? }')
  for (const name of Object.keys(input))
    if (!NOTIFY_FIELDS.has(name)) throw bad(`unknown field ${JSON.stringify(name.slice(0, 40))}`)
  const { title, body, url, to, ttl, urgency, topic } = input
  if (typeof title !== 'string') throw bad(`title must be a string, got ${describeValue(title)}`)
  const titleLength = [...title].length
  if (titleLength < 1 || titleLength > 200) throw bad(`title must be 1 to 200 characters, got ${titleLength}`)
  if (typeof body !== 'string') throw bad(`body must be a string, got ${describeValue(body)}`)
  if (url !== undefined) {
    if (typeof url !== 'string' || url.length > MAX_URL)
      throw bad(`url must be a string of at most ${MAX_URL} characters`)
    // A path on this site, or an http(s) URL: what the service worker may open on a click.
    const path = url.startsWith('/') && !url.startsWith('//')
    let absolute = false
    try {
      absolute = ['http:', 'https:'].includes(new URL(url).protocol)
    } catch {}
    if (!path && !absolute) throw bad('url must be a path starting with "/" or an http: or https: URL')
  }
  if (to === undefined) throw bad("to is required: 'all' or a subscription id")
  if (typeof to !== 'string' || (to !== 'all' && !/^[1-9]\d{0,15}$/.test(to)))
    throw bad(`to must be 'all' or a subscription id (a string of digits), got ${describeValue(to)}`)
  // RFC 8030 §5.2: TTL is a non-negative integer of seconds; the push services take up to 2^31 - 1.
  if (ttl !== undefined && (!Number.isInteger(ttl) || (ttl as number) < 0 || (ttl as number) > 2 ** 31 - 1))
    throw bad(`ttl must be an integer of seconds from 0 to 2147483647, got ${describeValue(ttl)}`)
  // RFC 8030 §5.3.
  if (urgency !== undefined && (typeof urgency !== 'string' || !URGENCIES.has(urgency)))
    throw bad(`urgency must be 'very-low', 'low', 'normal' or 'high', got ${describeValue(urgency)}`)
  // RFC 8030 §5.4: at most 32 characters of the base64url alphabet.
  if (topic !== undefined && (typeof topic !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(topic)))
    throw bad('topic must be 1 to 32 base64url characters (A-Z, a-z, 0-9, "-", "_")')
  const payload = JSON.stringify(url === undefined ? { title, body } : { title, body, url })
  const size = utf8Encode(payload).byteLength
  const limit = maxPlaintextLength('aes128gcm')
  if (size > limit)
    throw new HttpError(
      413,
      'ERR_WP_PAYLOAD_TOO_LARGE',
      `the message (title, body and url as JSON) must be at most ${limit} bytes, got ${size}`,
    )
  return {
    title,
    body,
    url: url as string | undefined,
    to,
    ttl: ttl as number | undefined,
    urgency: urgency as CheckedNotify['urgency'],
    topic: topic as string | undefined,
    payload,
  }
}
