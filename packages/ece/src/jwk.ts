/**
 * A P-256 public key between its two forms: the 65-byte uncompressed point (SEC 1 §2.3.3) and the
 * `x`/`y` members of a JSON Web Key (RFC 7518 §6.2.1). The one conversion of every @wp package.
 */

import { toByteArray } from './args.js'
import { base64urlDecode, base64urlEncode } from './base64url.js'
import { describeValue } from './bytes.js'
import { WebPushError } from './errors.js'
import { toPublicKey } from './p256.js'

/**
 * The public members of a P-256 JWK (RFC 7518 §6.2.1). A type, not an interface, so it passes where
 * an index signature is expected (`JsonWebKey` of node:crypto).
 */
export type P256PublicJwk = {
  kty: 'EC'
  crv: 'P-256'
  /** base64url of the 32-byte x coordinate. */
  x: string
  /** base64url of the 32-byte y coordinate. */
  y: string
}

/**
 * The JWK members of a 65-byte uncompressed point. The point itself is not checked against the
 * curve (callers hold checked points; the check costs a few BigInt operations), only its form.
 * @param point `0x04 || x || y`, 65 bytes
 * @returns `{ kty: 'EC', crv: 'P-256', x, y }`; add `d` for a private key
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a value that is not a Uint8Array,
 *   `ERR_WP_KEY_LENGTH` for a length other than 65, `ERR_WP_INVALID_POINT` for a first byte other than 0x04
 * @example
 * ```ts
 * const jwk = { ...pointToJwk(keys.publicKey), d: base64urlEncode(keys.privateKey) }
 * await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])
 * ```
 */
export function pointToJwk(point: Uint8Array): P256PublicJwk {
  toByteArray(point, 'point')
  if (point.length !== 65) throw new WebPushError('ERR_WP_KEY_LENGTH', `point must be 65 bytes, got ${point.length}`)
  // SEC 1 §2.3.3: the uncompressed form is 0x04 || x || y.
  if (point[0] !== 0x04) throw new WebPushError('ERR_WP_INVALID_POINT', 'point is not an uncompressed P-256 point')
  return {
    kty: 'EC',
    crv: 'P-256',
    x: base64urlEncode(point.subarray(1, 33)),
    y: base64urlEncode(point.subarray(33, 65)),
  }
}

/**
 * The 65-byte uncompressed point of a P-256 JWK's `x` and `y`, checked to be on the curve. Other
 * members (`d`, `alg`, `use`, `kid`, ...) are ignored.
 * @param jwk an object with `kty: 'EC'`, `crv: 'P-256'` and base64url `x` and `y`
 * @param field names the JWK in error messages (default `'jwk'`)
 * @returns `0x04 || x || y`
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `jwk` is not an object or `x`/`y` are not strings,
 *   `ERR_WP_INVALID_POINT` for another `kty` or `crv` or a point off the curve, `ERR_WP_BASE64URL`
 *   for `x`/`y` that are not base64url, `ERR_WP_KEY_LENGTH` for a coordinate that is not 32 bytes
 * @example
 * ```ts
 * const p256dh = jwkToPoint(await crypto.subtle.exportKey('jwk', publicKey)) // 65 bytes
 * ```
 */
export function jwkToPoint(jwk: unknown, field = 'jwk'): Uint8Array<ArrayBuffer> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be a JWK object, got ${describeValue(jwk)}`)
  const { kty, crv, x, y } = jwk as Record<string, unknown>
  // RFC 7518 §6.2.1.1: an EC public key names its curve; this is P-256 only.
  if (kty !== 'EC' || crv !== 'P-256')
    throw new WebPushError('ERR_WP_INVALID_POINT', `${field} must be an EC P-256 key (kty "EC", crv "P-256")`)
  if (typeof x !== 'string' || typeof y !== 'string')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must have "x" and "y" as base64url strings`)
  const point = new Uint8Array(65)
  point[0] = 0x04
  point.set(coordinate(x, `${field}.x`), 1)
  point.set(coordinate(y, `${field}.y`), 33)
  toPublicKey(point, field)
  return point
}

/**
 * RFC 7518 §6.2.1.2-§6.2.1.3: each coordinate is the full-size octet string, 32 bytes for P-256;
 * a shorter or longer one is refused, never padded or cut.
 */
function coordinate(text: string, field: string): Uint8Array {
  const bytes = base64urlDecode(text, field)
  if (bytes.length !== 32) throw new WebPushError('ERR_WP_KEY_LENGTH', `${field} must be 32 bytes, got ${bytes.length}`)
  return bytes
}
