/** VAPID tokens (RFC 8292 §2): ES256 JWTs with `aud`, `exp` and `sub`, signed and verified. */
import {
  base64urlDecode,
  base64urlEncode,
  describeValue,
  getBackend,
  utf8Decode,
  utf8Encode,
  WebPushError,
} from '@wp/ece/utils'
import { splitJws } from './internal/jws.js'
import { asKeyError, importPublicKey, importVapidKey, type VapidKey, type VapidKeyInput } from './keys.js'

/** RFC 8292 §2 and the push services: a token may be valid for at most 24 hours. */
export const MAX_TOKEN_LIFETIME_SECONDS: number = 24 * 60 * 60
/** The default lifetime of a token: 12 hours. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS: number = 12 * 60 * 60
/** Clock skew allowed when verifying. */
const CLOCK_SKEW_SECONDS = 60

/** The claims of a VAPID token. */
export interface VapidClaims {
  /** The push service origin. */
  aud: string
  /** Expiry, in seconds since the epoch. */
  exp: number
  /** A `mailto:` or `https:` contact for the push service's operators. */
  sub: string
  [other: string]: unknown
}

/** Options of {@link signVapidToken}. */
export interface SignVapidTokenOptions {
  /** The private key, imported once with `importVapidKey` (or anything it takes). */
  key: VapidKey | VapidKeyInput
  /** The push service's origin: scheme, host and port, nothing else (`https://fcm.googleapis.com`). */
  audience: string
  /** A `mailto:` or `https:` URI the push service can contact. */
  subject: string
  /** Expiry as seconds since the epoch or a `Date`: at most 24 hours ahead; default 12 hours. */
  expiresAt?: number | Date
}

const JWT_HEADER = base64urlEncode(utf8Encode('{"typ":"JWT","alg":"ES256"}'))

function claimsError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_CLAIMS', message)
}

/** The current time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * Checks `aud` is an origin (RFC 8292 §2: "the origin of the push resource URL"), exactly as
 * `new URL(x).origin` prints it: no path, no trailing slash, no query, lowercase host.
 */
export function checkAudience(audience: unknown): string {
  if (typeof audience !== 'string' || audience === '')
    throw claimsError(`aud must be the push service origin, such as https://fcm.googleapis.com; got ${typeof audience}`)
  let origin: string
  try {
    origin = new URL(audience).origin
  } catch {
    throw claimsError('aud must be an origin URL such as https://fcm.googleapis.com')
  }
  if (origin === 'null' || !/^https?:$/.test(new URL(audience).protocol))
    throw claimsError('aud must be an http: or https: origin')
  if (origin !== audience) throw claimsError(`aud must be an origin only (scheme, host and port), such as ${origin}`)
  return audience
}

/** Checks `sub`: a `mailto:` address or an `https:` URL, not at localhost (Apple refuses it). */
export function checkSubject(subject: unknown): string {
  if (typeof subject !== 'string' || subject === '')
    throw claimsError('sub must be a mailto: or https: URI, such as mailto:admin@example.com')
  let host: string
  if (subject.startsWith('mailto:')) {
    const address = subject.slice(7)
    const at = address.lastIndexOf('@')
    if (at < 1 || at === address.length - 1 || /\s/.test(address))
      throw claimsError('sub must be a mailto: URI with an email address, such as mailto:admin@example.com')
    host = address.slice(at + 1).split('?')[0] as string
  } else if (subject.startsWith('https:')) {
    try {
      host = new URL(subject).hostname
    } catch {
      throw claimsError('sub must be a valid https: URL')
    }
  } else {
    throw claimsError('sub must be a mailto: or https: URI, such as mailto:admin@example.com')
  }
  host = host.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost'))
    throw claimsError('sub must not point at localhost: Apple refuses such tokens; use a real contact address')
  return subject
}

/** Checks `exp`: an integer in the future and at most 24 hours ahead. */
export function checkExpiry(expiresAt: unknown, now: number): number {
  const exp = expiresAt instanceof Date ? Math.floor(expiresAt.getTime() / 1000) : expiresAt
  if (typeof exp !== 'number' || !Number.isInteger(exp))
    throw claimsError('exp must be an integer number of seconds since the epoch (or a Date)')
  if (exp <= now) throw claimsError('exp is in the past')
  if (exp > now + MAX_TOKEN_LIFETIME_SECONDS)
    throw claimsError(`exp must be at most 24 hours ahead; it is ${exp - now} seconds ahead`)
  return exp
}

/** Signs a token for already-checked claims (the hot path of `VapidSigner`). */
export async function signClaims(key: VapidKey, claims: { aud: string; exp: number; sub: string }): Promise<string> {
  const payload = base64urlEncode(
    utf8Encode(`{"aud":${JSON.stringify(claims.aud)},"exp":${claims.exp},"sub":${JSON.stringify(claims.sub)}}`),
  )
  const input = `${JWT_HEADER}.${payload}`
  const signature = await key.sign(utf8Encode(input))
  return `${input}.${base64urlEncode(signature)}`
}

/**
 * Signs a VAPID token: an ES256 JWT with `aud`, `exp` and `sub`. The rules push services enforce are
 * checked first, each with a clear `ERR_WP_VAPID_CLAIMS`.
 * @throws WebPushError `ERR_WP_VAPID_CLAIMS`, `ERR_WP_VAPID_KEY`
 */
export async function signVapidToken(options: SignVapidTokenOptions): Promise<string> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'signVapidToken needs { key, audience, subject }')
  const now = nowSeconds()
  const aud = checkAudience(options.audience)
  const sub = checkSubject(options.subject)
  const exp =
    options.expiresAt === undefined ? now + DEFAULT_TOKEN_LIFETIME_SECONDS : checkExpiry(options.expiresAt, now)
  const key = await importVapidKey(options.key)
  return signClaims(key, { aud, exp, sub })
}

/** Options of {@link verifyVapidToken}. */
export interface VerifyVapidTokenOptions {
  /** The origin `aud` must equal. */
  audience?: string
  /** The time to check `exp` against: a finite number of seconds since the epoch (default: now). */
  now?: number
}

function tokenError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_TOKEN', message)
}

/**
 * Reads the options of {@link verifyVapidToken}: none (`undefined` or `null`), or an object whose
 * `now` is a finite number and `audience` a string. A `now` of NaN or a string would make every
 * comparison with `exp` false, and an expired token would pass.
 */
function verifyOptions(options: unknown): { audience: string | undefined; now: number } {
  if (options === undefined || options === null) return { audience: undefined, now: nowSeconds() }
  if (typeof options !== 'object' || Array.isArray(options))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `the options of verifyVapidToken must be an object, got ${describeValue(options)}`,
    )
  const { audience, now } = options as { audience?: unknown; now?: unknown }
  if (now !== undefined && (typeof now !== 'number' || !Number.isFinite(now)))
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `now must be a finite number of seconds since the epoch, got ${typeof now === 'number' ? now : describeValue(now)}`,
    )
  if (audience !== undefined && typeof audience !== 'string')
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `audience must be an origin string, got ${describeValue(audience)}`,
    )
  return { audience, now: now ?? nowSeconds() }
}

/**
 * Verifies a VAPID token: the ES256 signature with `publicKey`, `exp` (not past, at most 24 hours
 * ahead, with 60 s of clock skew allowed) and, when given, `aud`.
 * @param publicKey the 65-byte point (bytes or base64url, the `k=` of the header), a public-key PEM, or a VapidKey
 * @param options `audience` and `now` (a finite number of seconds); `undefined` or `null` for neither
 * @returns the claims
 * @throws WebPushError `ERR_WP_VAPID_TOKEN` for a malformed token, a bad signature, expiry or a wrong audience;
 *   `ERR_WP_VAPID_KEY` for a public key it cannot read; `ERR_WP_INVALID_ARGUMENT` for options it cannot use
 */
export async function verifyVapidToken(
  token: string,
  publicKey: Uint8Array | string | VapidKey,
  options?: VerifyVapidTokenOptions | null,
): Promise<VapidClaims> {
  const { audience, now } = verifyOptions(options)
  const [headerText, payloadText, signatureText] = splitJws(token)
  let header: { alg?: unknown; typ?: unknown }
  let claims: VapidClaims
  let signature: Uint8Array
  try {
    header = JSON.parse(utf8Decode(base64urlDecode(headerText, 'the JWT header')))
    claims = JSON.parse(utf8Decode(base64urlDecode(payloadText, 'the JWT payload')))
    signature = base64urlDecode(signatureText, 'the JWT signature')
  } catch (cause) {
    throw new WebPushError('ERR_WP_VAPID_TOKEN', 'the token is not valid base64url JSON', { cause })
  }
  if (typeof header !== 'object' || header === null || header.alg !== 'ES256')
    throw tokenError('the token must be signed with ES256')
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw tokenError('the token payload is not a JSON object')
  if (signature.length !== 64) throw tokenError(`an ES256 signature is 64 bytes, got ${signature.length}`)
  const point = asKeyError(() => importPublicKey(publicKey))
  const valid = await getBackend().verify(point, utf8Encode(`${headerText}.${payloadText}`), signature)
  if (!valid) throw tokenError('the token signature does not verify with this public key')
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw tokenError('the token has no numeric exp')
  if (claims.exp < now - CLOCK_SKEW_SECONDS) throw tokenError('the token has expired')
  if (claims.exp > now + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS)
    throw tokenError('the token expires more than 24 hours ahead')
  // RFC 8292 §2: the token must carry the audience.
  if (typeof claims.aud !== 'string') throw tokenError('the token has no aud claim')
  if (audience !== undefined && claims.aud !== audience)
    throw tokenError(`the token is for another audience than ${audience}`)
  return claims
}
