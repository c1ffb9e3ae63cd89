/**
 * Reading the VAPID credentials of a push request, as a push service receives them: RFC 8292 §3's
 * `Authorization: vapid t=<jwt>, k=<key>`, and the aesgcm-era `Authorization: WebPush <jwt>` with
 * `Crypto-Key: p256ecdsa=<key>` (draft-ietf-webpush-vapid-01 §4).
 */
import { describeValue, parseCryptoParams, toPublicKey, WebPushError } from '@wp/ece/utils'
import { splitJws } from './internal/jws.js'

/** The credentials of a request, read by {@link parseVapidAuthorization}; the token is not verified yet. */
export interface VapidAuthorization {
  /** `vapid` for RFC 8292 §3; `webpush` for the aesgcm-era `WebPush` scheme (and its `Bearer` spelling). */
  scheme: 'vapid' | 'webpush'
  /** The JWT (RFC 8292 §2), well-formed but not verified: pass it to `verifyVapidToken` with `publicKey`. */
  token: string
  /** The application server's key: a 65-byte uncompressed P-256 point, checked to be on the curve. */
  publicKey: Uint8Array
}

/**
 * The longest `Authorization` or `Crypto-Key` value read: 8 KiB. A VAPID header is under 1,000
 * characters (a JWT of three short claims and an 87-character key); this is the usual limit of one
 * header line, and it bounds the work any value can cause.
 */
const MAX_HEADER_LENGTH = 8 * 1024

/** RFC 9110 §5.6.2 tchar: the characters of a token (an auth-scheme, a parameter name). */
const TCHAR = new Uint8Array(128)
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TCHAR[c.charCodeAt(0)] = 1

const isTchar = (c: number): boolean => c < 128 && TCHAR[c] === 1
/** RFC 9110 §5.6.3: OWS and BWS are spaces and horizontal tabs. */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09

function malformed(message: string, cause?: unknown): WebPushError {
  return new WebPushError('ERR_WP_VAPID_TOKEN', message, cause === undefined ? undefined : { cause })
}

function checkHeader(value: unknown, name: string): string {
  if (typeof value !== 'string') throw malformed(`the ${name} header must be a string, got ${describeValue(value)}`)
  if (value.length > MAX_HEADER_LENGTH)
    throw malformed(
      `the ${name} header is ${value.length} characters; at most ${MAX_HEADER_LENGTH} are read (a VAPID one is under 1,000)`,
    )
  return value
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/**
 * Reads the VAPID credentials of a push request: the token and the public key it must verify with.
 *
 * - RFC 8292 §3: `vapid t=<jwt>, k=<key>`. The scheme and the parameter names match in any case
 *   (RFC 9110 §11.1, §11.2); parameters come in any order, with optional whitespace around `=` and
 *   `,`, as a token or a quoted string (RFC 9110 §11.2: a recipient accepts both); other parameters
 *   are ignored, and `t` or `k` given twice is refused (RFC 9110 §11.2: "each parameter name MUST
 *   only occur once").
 * - The aesgcm-era form: `WebPush <jwt>` (or `Bearer <jwt>`), the key in the `p256ecdsa` parameter
 *   of `cryptoKey`, the request's `Crypto-Key` header.
 *
 * Linear in the length of the input, which is at most 8 KiB per header. The token's shape is
 * checked (three non-empty base64url parts, no padding), not its signature or claims.
 * @param authorization the `Authorization` header's value
 * @param cryptoKey the `Crypto-Key` header's value; read only for the `WebPush` scheme
 * @returns the scheme, the token, and the public key as a 65-byte point on P-256
 * @throws WebPushError `ERR_WP_VAPID_TOKEN` for a header that is not one of these forms, a value over
 *   8 KiB, a missing, repeated or malformed `t`/`k`, a missing `Crypto-Key` or `p256ecdsa`, or a key
 *   that is not a P-256 point (the token itself is never quoted in a message)
 * @example
 * const { token, publicKey } = parseVapidAuthorization(req.headers.authorization, req.headers['crypto-key'])
 * const claims = await verifyVapidToken(token, publicKey, { audience: 'https://push.example.net' })
 */
export function parseVapidAuthorization(authorization: string, cryptoKey?: string): VapidAuthorization {
  const text = checkHeader(authorization, 'Authorization')
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
  const start = skipSpace(text, 0)
  let i = start
  while (i < text.length && isTchar(text.charCodeAt(i))) i++
  const scheme = text.slice(start, i).toLowerCase()
  if (i < text.length && !isSpace(text.charCodeAt(i)))
    throw malformed('the Authorization header must be a scheme, a space, then the credentials')
  if (scheme === 'vapid') return readVapidParams(text, i)
  if (scheme === 'webpush' || scheme === 'bearer') return readLegacy(text, i, cryptoKey)
  throw malformed(
    `the Authorization scheme must be "vapid" (RFC 8292 §3) or "WebPush", got ${scheme === '' ? 'none' : `"${scheme.slice(0, 16)}"`}`,
  )
}

/** RFC 8292 §3: the `t` and `k` auth-params (RFC 9110 §11.2) of the `vapid` scheme, from `i` on. */
function readVapidParams(text: string, i: number): VapidAuthorization {
  let token: string | undefined
  let key: string | undefined
  const n = text.length
  for (;;) {
    // RFC 9110 §5.6.1: list elements are separated by OWS "," OWS; empty elements are skipped.
    while (i < n && (isSpace(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2c) /* , */) i++
    if (i >= n) break
    const nameStart = i
    while (i < n && isTchar(text.charCodeAt(i))) i++
    if (i === nameStart) throw malformed('the vapid credentials must be parameters such as t=<jwt>, k=<key>')
    const name = text.slice(nameStart, i).toLowerCase()
    i = skipSpace(text, i)
    if (text.charCodeAt(i) !== 0x3d /* = */)
      throw malformed(`the vapid parameter "${name.slice(0, 16)}" has no "=" and value`)
    i = skipSpace(text, i + 1)
    let value: string
    if (text.charCodeAt(i) === 0x22 /* " */) {
      // RFC 9110 §5.6.4: quoted-string, where a backslash quotes the next character.
      let out = ''
      let from = ++i
      for (;;) {
        if (i >= n) throw malformed(`the vapid parameter "${name.slice(0, 16)}" has an unterminated quoted value`)
        const c = text.charCodeAt(i)
        if (c === 0x22) break
        if (c === 0x5c /* \ */) {
          out += text.slice(from, i)
          from = ++i
          if (i >= n) continue
        }
        i++
      }
      value = out + text.slice(from, i++)
    } else {
      const valueStart = i
      while (i < n && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 0x2c) i++
      value = text.slice(valueStart, i)
    }
    i = skipSpace(text, i)
    if (i < n && text.charCodeAt(i) !== 0x2c)
      throw malformed(`the vapid parameter "${name.slice(0, 16)}" must be followed by "," or the end`)
    if (name === 't' || name === 'k') {
      if ((name === 't' ? token : key) !== undefined)
        throw malformed(`the vapid parameter "${name}" is given twice; it may occur once`)
      if (value === '') throw malformed(`the vapid parameter "${name}" is empty`)
      if (name === 't') token = value
      else key = value
    }
  }
  if (token === undefined) throw malformed('the vapid credentials have no t= (the JWT, RFC 8292 §3.1)')
  if (key === undefined) throw malformed('the vapid credentials have no k= (the public key, RFC 8292 §3.2)')
  splitJws(token)
  return { scheme: 'vapid', token, publicKey: readKey(key, 'the k parameter') }
}

/** The aesgcm-era `WebPush <jwt>`: one token68 after the scheme, the key in `Crypto-Key: p256ecdsa=`. */
function readLegacy(text: string, i: number, cryptoKey: unknown): VapidAuthorization {
  const start = skipSpace(text, i)
  let end = start
  while (end < text.length && !isSpace(text.charCodeAt(end))) end++
  if (start === end) throw malformed('the WebPush Authorization header has no token after the scheme')
  if (skipSpace(text, end) < text.length)
    throw malformed('the WebPush Authorization header must hold the token alone after the scheme')
  const token = text.slice(start, end)
  splitJws(token)
  if (cryptoKey === undefined || cryptoKey === null)
    throw malformed('the WebPush scheme carries its key in the Crypto-Key header (p256ecdsa=), and there is none')
  const key = parseCryptoParams(checkHeader(cryptoKey, 'Crypto-Key')).p256ecdsa
  if (key === undefined || key === '') throw malformed('the Crypto-Key header has no p256ecdsa parameter')
  return { scheme: 'webpush', token, publicKey: readKey(key, 'the p256ecdsa parameter') }
}

/** RFC 8292 §3.2: the key is the base64url of an uncompressed P-256 point (X9.62), on the curve. */
function readKey(text: string, field: string): Uint8Array {
  try {
    return toPublicKey(text, field)
  } catch (cause) {
    throw malformed(
      `${field} is not a P-256 public key: ${WebPushError.is(cause) ? cause.message : 'unreadable'}`,
      cause,
    )
  }
}
