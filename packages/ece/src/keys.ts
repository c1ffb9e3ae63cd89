/** A receiver's key set, the public point of a private key, and random bytes, from the runtime's crypto. */
import { runtime } from '#backends'
import { getBackend } from './backend.js'

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
 * The 65-byte public point of a valid 32-byte private scalar, synchronously: by node:crypto where it
 * exists, else by the pure-JS backend, which browsers and Workers load on demand.
 * @throws WebPushError `ERR_WP_BACKEND_UNAVAILABLE` outside Node before `await loadBackend('noble')`
 *   (or use {@link publicKeyOfAsync}, which needs nothing loaded)
 * @example
 * ```ts
 * publicKeyOf(privateKey) // 65 bytes: 0x04 || x || y
 * ```
 */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return runtime.derivePublicKey(privateKey)
}

/**
 * {@link publicKeyOf}, asynchronously and with nothing to load first: by node:crypto where it exists,
 * else by WebCrypto, or by the pure-JS backend (loaded then) where WebCrypto will not (Firefox).
 * @example
 * ```ts
 * const publicKey = await publicKeyOfAsync(privateKey) // in a browser too
 * ```
 */
export async function publicKeyOfAsync(privateKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return runtime.derivePublicKeyAsync === undefined
    ? runtime.derivePublicKey(privateKey)
    : runtime.derivePublicKeyAsync(privateKey)
}

/**
 * Makes a receiver's keys the way a browser does for `pushManager.subscribe()`: a fresh P-256 key
 * pair and a random 16-byte auth secret (RFC 8291 §3.2).
 * @returns `{ privateKey, publicKey, auth }`: 32, 65 and 16 bytes
 * @example
 * ```ts
 * const receiver = await generateSubscriptionKeys()
 * const subscriptionKeys = { p256dh: receiver.publicKey, auth: receiver.auth }
 * ```
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
