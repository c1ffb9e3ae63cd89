/**
 * P-256 key inputs as Web Push uses them: a received public key is an uncompressed point on the
 * curve, a private key a scalar from 1 to n-1. Both are checked here, once, for every @wp package.
 */
import { toBytes } from './args.js'
import { WebPushError } from './errors.js'

/**
 * Reads a P-256 public key (bytes or base64url) and checks it: 65 bytes, uncompressed (`0x04`), on the curve.
 * @throws WebPushError `ERR_WP_KEY_LENGTH`, `ERR_WP_INVALID_POINT`, `ERR_WP_BASE64URL`, `ERR_WP_INVALID_ARGUMENT`
 */
export function toPublicKey(value: unknown, field: string): Uint8Array {
  const bytes = toBytes(value, field, 65)
  // SEC 1 §2.3.4: an uncompressed point is 0x04 || x || y, and RFC 8291 §3.1 uses only that form.
  if (bytes[0] !== 0x04 || !isOnCurve(bytes))
    throw new WebPushError('ERR_WP_INVALID_POINT', `${field} is not an uncompressed point on the P-256 curve`)
  return bytes
}

/** P-256 (FIPS 186-5, SEC 2 §2.4.2): the field prime, the curve's b (a is -3) and the group order n. */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function bigint(bytes: Uint8Array, start: number, end: number): bigint {
  let hex = '0x'
  for (let i = start; i < end; i++) hex += HEX[bytes[i] as number]
  return BigInt(hex)
}

/**
 * SEC 1 §3.2.2.1 for an uncompressed point: x and y are field elements and y² = x³ - 3x + b (mod p).
 * (The point at infinity has no uncompressed form.) A few BigInt operations: about a third of the
 * cost of a general point decoder, and this runs for every message sent.
 */
function isOnCurve(point: Uint8Array): boolean {
  const x = bigint(point, 1, 33)
  const y = bigint(point, 33, 65)
  if (x >= P || y >= P) return false
  return (y * y) % P === ((x * x - 3n) * x + B) % P
}

/**
 * Reads a P-256 private scalar (bytes or base64url): 32 bytes, from 1 to n-1.
 * @throws WebPushError `ERR_WP_KEY_LENGTH` for a wrong length, `ERR_WP_INVALID_ARGUMENT` for a scalar out of range
 */
export function toPrivateKey(value: unknown, field: string): Uint8Array {
  const bytes = toBytes(value, field, 32)
  // SEC 1 §3.2.1: a private key is an integer d with 1 <= d <= n-1. A range check, no curve library.
  const d = bigint(bytes, 0, 32)
  if (d < 1n || d >= N)
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} is not a valid P-256 private key (out of range)`)
  return bytes
}
