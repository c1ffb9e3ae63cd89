/**
 * web-push's VAPID functions (RFC 8292), synchronous as web-push's are: key generation, the checks of
 * `vapidDetails`, and `getVapidHeaders`. Keys are read by `@wp/vapid`, which refuses keys that are
 * not P-256 keys (web-push signs with them), and signed with its `VapidKey.signSync`; the key pair
 * comes from `@wp/ece`'s synchronous backend. This file keeps web-push's checks and messages.
 */
import { base64urlEncode, getSyncBackend, utf8Encode } from '@wp/ece/utils'
import {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  importVapidKeySync,
  MAX_TOKEN_LIFETIME_SECONDS,
  type VapidKey,
} from '@wp/vapid'
import { supportedContentEncodings } from './constants.js'
import { fail, isBase64url } from './fail.js'

/**
 * A new VAPID key pair, as web-push returns it.
 * @returns base64url of the 65-byte public point and of the 32-byte private scalar
 * @example
 * const { publicKey, privateKey } = generateVAPIDKeys()
 */
export function generateVAPIDKeys(): { publicKey: string; privateKey: string } {
  // A 32-byte scalar (left-padded, never shortened) and the 65-byte uncompressed point.
  const { publicKey, privateKey } = getSyncBackend().generateKeyPair()
  return { publicKey: base64urlEncode(publicKey), privateKey: base64urlEncode(privateKey) }
}

/** web-push's check of `vapidDetails.subject`: an `https:` or `mailto:` URL (RFC 8292 §2.1). */
export function validateSubject(subject: unknown): asserts subject is string {
  if (!subject) throw fail('No subject set in vapidDetails.subject.')
  if (typeof subject !== 'string' || subject.length === 0) {
    throw fail(`The subject value must be a string containing an https: URL or mailto: address. ${String(subject)}`)
  }
  let parsed: URL
  try {
    parsed = new URL(subject)
  } catch {
    throw fail(`Vapid subject is not a valid URL. ${subject}`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'mailto:') {
    throw fail(`Vapid subject is not an https: or mailto: URL. ${subject}`)
  }
  if (parsed.hostname === 'localhost') {
    console.warn(
      "Vapid subject points to a localhost web URI, which is unsupported by Apple's push notification server and will result in a BadJwtToken error when sending notifications.",
    )
  }
}

/** web-push's format check of `vapidDetails.publicKey`: base64url of 65 bytes. */
export function validatePublicKey(publicKey: unknown): asserts publicKey is string {
  if (!publicKey) throw fail('No key set vapidDetails.publicKey')
  if (typeof publicKey !== 'string') throw fail('Vapid public key is must be a URL safe Base 64 encoded string.')
  if (!isBase64url(publicKey)) throw fail('Vapid public key must be a URL safe Base 64 (without "=")')
  if (Buffer.from(publicKey, 'base64url').length !== 65) {
    throw fail('Vapid public key should be 65 bytes long when decoded.')
  }
}

/** web-push's format check of `vapidDetails.privateKey`: base64url of 32 bytes. The message never shows the key. */
export function validatePrivateKey(privateKey: unknown): asserts privateKey is string {
  if (!privateKey) throw fail('No key set in vapidDetails.privateKey')
  if (typeof privateKey !== 'string') throw fail('Vapid private key must be a URL safe Base 64 encoded string.')
  if (!isBase64url(privateKey)) throw fail('Vapid private key must be a URL safe Base 64 (without "=")')
  if (Buffer.from(privateKey, 'base64url').length !== 32) {
    throw fail('Vapid private key should be 32 bytes long when decoded.')
  }
}

/** Now plus `seconds`, in whole seconds since the epoch. */
function secondsFromNow(seconds: number): number {
  return Math.floor(Date.now() / 1000) + seconds
}

/** web-push's check of an explicit `exp`: an integer, at least 0, under 24 hours ahead (RFC 8292 §2). */
function validateExpiration(expiration: unknown): asserts expiration is number {
  if (!Number.isInteger(expiration)) throw fail('`expiration` value must be a number', 'ERR_WP_VAPID_CLAIMS')
  if ((expiration as number) < 0) throw fail('`expiration` must be a positive integer', 'ERR_WP_VAPID_CLAIMS')
  if ((expiration as number) >= secondsFromNow(MAX_TOKEN_LIFETIME_SECONDS)) {
    throw fail('`expiration` value is greater than maximum of 24 hours', 'ERR_WP_VAPID_CLAIMS')
  }
}

// The last signing key, imported once: senders use one VAPID key for every message.
let cached: { privateKey: string; key: VapidKey } | undefined

/** The key of a base64url scalar, which `@wp/vapid` checks is a P-256 scalar in 1..n-1 (`ERR_WP_VAPID_KEY`). */
function signingKey(privateKey: string): VapidKey {
  if (cached?.privateKey !== privateKey) cached = { privateKey, key: importVapidKeySync(privateKey) }
  return cached.key
}

/** base64url of a JSON value. */
function encodeJson(value: unknown): string {
  return base64urlEncode(utf8Encode(JSON.stringify(value)))
}

/**
 * The VAPID headers for one request, as web-push makes them: `Authorization: vapid t=…, k=…` for
 * `aes128gcm` (RFC 8292 §3), `Authorization: WebPush …` plus `Crypto-Key: p256ecdsa=…` for `aesgcm`.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` with web-push's messages; `ERR_WP_VAPID_KEY` for a key that is not on P-256
 * @example
 * getVapidHeaders('https://push.example', 'mailto:me@example.com', pub, priv, 'aes128gcm')
 */
export function getVapidHeaders(
  audience: string,
  subject: string,
  publicKey: string,
  privateKey: string,
  contentEncoding: string,
  expiration?: number,
): { Authorization: string; 'Crypto-Key'?: string } {
  if (!audience) throw fail('No audience could be generated for VAPID.')
  if (typeof audience !== 'string' || audience.length === 0) {
    throw fail(`The audience value must be a string containing the origin of a push service. ${String(audience)}`)
  }
  try {
    new URL(audience)
  } catch {
    throw fail(`VAPID audience is not a url. ${audience}`)
  }
  validateSubject(subject)
  validatePublicKey(publicKey)
  validatePrivateKey(privateKey)
  let exp: number
  if (expiration) {
    validateExpiration(expiration)
    exp = expiration
  } else {
    exp = secondsFromNow(DEFAULT_TOKEN_LIFETIME_SECONDS)
  }
  const key = signingKey(privateKey)
  const unsigned = `${encodeJson({ typ: 'JWT', alg: 'ES256' })}.${encodeJson({ aud: audience, exp, sub: subject })}`
  // ES256 (RFC 7518 §3.4): the signature is r || s, 64 bytes.
  const jwt = `${unsigned}.${base64urlEncode(key.signSync(utf8Encode(unsigned)))}`
  if (contentEncoding === supportedContentEncodings.AES_128_GCM)
    return { Authorization: `vapid t=${jwt}, k=${publicKey}` }
  if (contentEncoding === supportedContentEncodings.AES_GCM) {
    return { Authorization: `WebPush ${jwt}`, 'Crypto-Key': `p256ecdsa=${publicKey}` }
  }
  throw fail('Unsupported encoding type specified.', 'ERR_WP_UNSUPPORTED_ENCODING')
}
