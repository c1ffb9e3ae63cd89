/** P-256 keys as Web Push uses them: validation of received points, and a receiver's key set. */
import { p256 } from '@noble/curves/nist.js'
import { derivePublicKey } from '#backends'
import { getBackend } from './backend.js'
import { toBytes } from './bytes.js'
import { WebPushError } from './errors.js'

/** A receiver's keys, as a browser makes them for a push subscription. */
export interface SubscriptionKeys {
  /** The 32-byte private scalar; stays with the receiver. */
  privateKey: Uint8Array<ArrayBuffer>
  /** The 65-byte uncompressed P-256 point: the subscription's `p256dh`. */
  publicKey: Uint8Array<ArrayBuffer>
  /** The 16-byte authentication secret: the subscription's `auth`. */
  auth: Uint8Array<ArrayBuffer>
}

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

/** P-256 (FIPS 186-5, SEC 2 §2.4.2): the field prime and the curve's b; a is -3. */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn
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
  if (!p256.utils.isValidSecretKey(bytes))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} is not a valid P-256 private key (out of range)`)
  return bytes
}

/** The 65-byte public point of a valid 32-byte private scalar (node:crypto where it exists, else pure JS). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return derivePublicKey(privateKey)
}

/**
 * Makes a receiver's keys the way a browser does for `pushManager.subscribe()`: a fresh P-256 key
 * pair and a random 16-byte auth secret (RFC 8291 §3.2).
 */
export async function generateSubscriptionKeys(): Promise<SubscriptionKeys> {
  const { privateKey, publicKey } = await getBackend().generateKeyPair()
  return {
    privateKey: new Uint8Array(privateKey),
    publicKey: new Uint8Array(publicKey),
    auth: randomBytes(16),
  }
}

/**
 * A fresh random 16-byte salt. Salts are public (they travel in the header), so they are cut from a
 * pool of random bytes refilled 4 KiB at a time: one `getRandomValues` call per 256 messages instead
 * of one per message (a call costs several microseconds, mostly fixed). Never used for secrets.
 */
export function randomSalt(): Uint8Array<ArrayBuffer> {
  if (saltOffset + 16 > saltPool.length) {
    saltPool = globalThis.crypto.getRandomValues(new Uint8Array(4096))
    saltOffset = 0
  }
  const salt = saltPool.slice(saltOffset, saltOffset + 16)
  saltOffset += 16
  return salt
}
let saltPool = new Uint8Array(0)
let saltOffset = 0

/** Cryptographically secure random bytes from the runtime's `crypto.getRandomValues`. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length))
}
