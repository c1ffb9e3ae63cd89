/**
 * The claims of a VAPID token (RFC 8292 §2), in one place for signing and verifying: the rules
 * checked before anything is signed (`ERR_WP_VAPID_CLAIMS`), the ones a received token must meet
 * (`ERR_WP_VAPID_TOKEN`), and the JWT built around checked claims.
 */
import { base64urlEncode, utf8Encode, WebPushError } from '@wp/ece/utils'
import { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS } from '../lifetime.js'

/** Clock skew allowed when verifying. */
const CLOCK_SKEW_SECONDS = 60

/** The claims of a token about to be signed, each already checked. */
export interface CheckedClaims {
  aud: string
  exp: number
  sub: string
}

function claimsError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_CLAIMS', message)
}

function tokenError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_TOKEN', message)
}

/** The current time in whole seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * Checks `aud` is an origin (RFC 8292 §2: "the origin of the push resource URL"), exactly as
 * `new URL(x).origin` prints it: no path, no trailing slash, no query, lowercase host.
 * @throws WebPushError `ERR_WP_VAPID_CLAIMS`
 */
export function checkAudience(audience: unknown): string {
  if (typeof audience !== 'string' || audience === '')
    throw claimsError(`aud must be the push service origin, such as https://fcm.googleapis.com; got ${typeof audience}`)
  let url: URL
  try {
    url = new URL(audience)
  } catch {
    throw claimsError('aud must be an origin URL such as https://fcm.googleapis.com')
  }
  if (url.origin === 'null' || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw claimsError('aud must be an http: or https: origin')
  if (url.origin !== audience)
    throw claimsError(`aud must be an origin only (scheme, host and port), such as ${url.origin}`)
  return audience
}

/**
 * Checks `sub` (RFC 8292 §2.1): a `mailto:` address or an `https:` URL, and not at localhost (Apple
 * refuses such tokens).
 * @throws WebPushError `ERR_WP_VAPID_CLAIMS`
 */
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

/**
 * Checks `exp` (RFC 8292 §2): an integer number of seconds (or a `Date`), in the future and at most
 * 24 hours ahead of `now`.
 * @throws WebPushError `ERR_WP_VAPID_CLAIMS`
 */
export function checkExpiry(expiresAt: unknown, now: number): number {
  const exp = expiresAt instanceof Date ? Math.floor(expiresAt.getTime() / 1000) : expiresAt
  if (typeof exp !== 'number' || !Number.isInteger(exp))
    throw claimsError('exp must be an integer number of seconds since the epoch (or a Date)')
  if (exp <= now) throw claimsError('exp is in the past')
  if (exp > now + MAX_TOKEN_LIFETIME_SECONDS)
    throw claimsError(`exp must be at most 24 hours ahead; it is ${exp - now} seconds ahead`)
  return exp
}

/**
 * The claims of a token for `aud` (already checked by the caller): `sub` checked, then `exp` checked,
 * or 12 hours from now when `expiresAt` is undefined.
 * @throws WebPushError `ERR_WP_VAPID_CLAIMS`
 */
export function claimsFor(aud: string, subject: unknown, expiresAt: unknown): CheckedClaims {
  const sub = checkSubject(subject)
  const now = nowSeconds()
  const exp = expiresAt === undefined ? now + DEFAULT_TOKEN_LIFETIME_SECONDS : checkExpiry(expiresAt, now)
  return { aud, exp, sub }
}

/** RFC 8292 §2: the JWS header of a VAPID token, `alg` ES256. */
const JWT_HEADER = base64urlEncode(utf8Encode('{"typ":"JWT","alg":"ES256"}'))

/**
 * Signs a token for checked claims: the JWT header, the payload with `aud`, `exp` and `sub`, and
 * the 64-byte ES256 signature (RFC 7518 §3.4: `r || s`, never DER). The hot path of `VapidSigner`.
 */
export async function signClaims(
  key: { sign(data: Uint8Array): Promise<Uint8Array> },
  claims: CheckedClaims,
): Promise<string> {
  const payload = base64urlEncode(
    utf8Encode(`{"aud":${JSON.stringify(claims.aud)},"exp":${claims.exp},"sub":${JSON.stringify(claims.sub)}}`),
  )
  const input = `${JWT_HEADER}.${payload}`
  const signature = await key.sign(utf8Encode(input))
  return `${input}.${base64urlEncode(signature)}`
}

/**
 * Checks the claims of a received token whose signature verified: `exp` a number, not past and at
 * most 24 hours ahead of `now`, with 60 s of clock skew either way; `aud` a string (RFC 8292 §2: the
 * token carries its audience), equal to `audience` when one is given.
 * @throws WebPushError `ERR_WP_VAPID_TOKEN`
 */
export function checkReceivedClaims(
  claims: { exp?: unknown; aud?: unknown },
  audience: string | undefined,
  now: number,
): void {
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw tokenError('the token has no numeric exp')
  if (claims.exp < now - CLOCK_SKEW_SECONDS) throw tokenError('the token has expired')
  if (claims.exp > now + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS)
    throw tokenError('the token expires more than 24 hours ahead')
  if (typeof claims.aud !== 'string') throw tokenError('the token has no aud claim')
  if (audience !== undefined && claims.aud !== audience)
    throw tokenError(`the token is for another audience than ${audience}`)
}
