/** VAPID tokens (RFC 8292 §2): ES256 JWTs with `aud`, `exp` and `sub`, signed and verified. */
import { base64urlDecode, describeValue, getBackend, utf8Decode, utf8Encode, WebPushError } from '@wp/ece/utils'
import { checkAudience, checkReceivedClaims, claimsFor, nowSeconds, signClaims } from './internal/claims.js'
import { splitJws } from './internal/jws.js'
import { importPublicKey, importVapidKey, type VapidKey, type VapidKeyInput } from './keys.js'

/** The claims of a VAPID token (RFC 8292 §2). */
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

function tokenError(message: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_TOKEN', message)
}

/**
 * Signs a VAPID token: an ES256 JWT with `aud`, `exp` and `sub` (RFC 8292 §2). The rules push
 * services enforce are checked first, each with a clear `ERR_WP_VAPID_CLAIMS`, before the key is read.
 * @param options `key` (a `VapidKey` or anything `importVapidKey` reads), `audience` (an origin),
 *   `subject` (`mailto:` or `https:`), `expiresAt` (seconds or a `Date`, at most 24 h ahead; default 12 h)
 * @returns the JWT, `header.payload.signature` in base64url
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `options` is not an object, `ERR_WP_VAPID_CLAIMS`
 *   for a bad `aud`, `sub` or `exp`, `ERR_WP_VAPID_KEY` for a key it cannot read
 * @example
 * const token = await signVapidToken({ key, audience: 'https://fcm.googleapis.com', subject: 'mailto:ops@example.com' })
 */
export async function signVapidToken(options: SignVapidTokenOptions): Promise<string> {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'signVapidToken needs { key, audience, subject }')
  const claims = claimsFor(checkAudience(options.audience), options.subject, options.expiresAt)
  const key = await importVapidKey(options.key)
  return signClaims(key, claims)
}

/** Options of {@link verifyVapidToken}. */
export interface VerifyVapidTokenOptions {
  /** The origin `aud` must equal. */
  audience?: string
  /** The time to check `exp` against: a finite number of seconds since the epoch (default: now). */
  now?: number
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
 * @param token the JWT (`header.payload.signature`; `parseVapidAuthorization` takes it out of a header)
 * @param publicKey the 65-byte point (bytes or base64url, the `k=` of the header), a public-key PEM or
 *   DER, a public JWK, or a VapidKey
 * @param options `audience` and `now` (a finite number of seconds); `undefined` or `null` for neither
 * @returns the claims
 * @throws WebPushError `ERR_WP_VAPID_TOKEN` for a malformed token, a bad signature, expiry or a wrong audience;
 *   `ERR_WP_VAPID_KEY` for a public key it cannot read; `ERR_WP_INVALID_ARGUMENT` for options it cannot use
 * @example
 * const claims = await verifyVapidToken(token, key.applicationServerKey, { audience: 'https://fcm.googleapis.com' })
 * claims.sub // 'mailto:ops@example.com'
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
  const point = importPublicKey(publicKey)
  const valid = await getBackend().verify(point, utf8Encode(`${headerText}.${payloadText}`), signature)
  if (!valid) throw tokenError('the token signature does not verify with this public key')
  checkReceivedClaims(claims, audience, now)
  return claims
}
