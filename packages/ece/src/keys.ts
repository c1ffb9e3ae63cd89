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
  if (bytes[0] !== 0x04 || !p256.utils.isValidPublicKey(bytes, false))
    throw new WebPushError('ERR_WP_INVALID_POINT', `${field} is not an uncompressed point on the P-256 curve`)
  return bytes
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

/** Cryptographically secure random bytes from the runtime's `crypto.getRandomValues`. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length))
}
