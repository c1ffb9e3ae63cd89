/**
 * web-push's `encrypt()`, synchronous as web-push's is: RFC 8291 `aes128gcm` or the draft `aesgcm`
 * (draft-ietf-webpush-encryption-04), records of 4096 bytes, no padding. The encryption is
 * `@wp/ece`'s, run on its synchronous backend; this file keeps web-push's checks, messages and result.
 */
import { encryptWebPushMultiRecordSync } from '@wp/ece/utils'
import { supportedContentEncodings } from './constants.js'
import { fail } from './fail.js'

/** What `encrypt()` returns, as web-push: the sender's public point, the salt in base64url, the body. */
export interface EncryptResult {
  localPublicKey: Buffer
  salt: string
  cipherText: Buffer
}

/** A Buffer over the same memory (web-push's result holds Buffers; @wp/ece returns Uint8Arrays). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Encrypts a payload for a subscription's keys, as web-push's `encrypt()`: a payload of any length
 * in as many records as it needs (push services refuse a body over 4096 bytes), an auth secret of at
 * least 16 bytes, keys read as Node reads base64url.
 * @param userPublicKey the subscription's `p256dh` (base64url)
 * @param userAuth the subscription's `auth` (base64url)
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` with web-push's messages; `ERR_WP_INVALID_POINT` for a `p256dh` off the curve
 * @example
 * const { localPublicKey, salt, cipherText } = encrypt(sub.keys.p256dh, sub.keys.auth, 'hi', 'aes128gcm')
 */
export function encrypt(
  userPublicKey: string,
  userAuth: string,
  payload: string | Buffer,
  contentEncoding: string,
): EncryptResult {
  if (!userPublicKey) throw fail('No user public key provided for encryption.')
  if (typeof userPublicKey !== 'string') throw fail('The subscription p256dh value must be a string.')
  const p256dh = Buffer.from(userPublicKey, 'base64url')
  if (p256dh.length !== 65) throw fail('The subscription p256dh value should be 65 bytes long.')
  if (!userAuth) throw fail('No user auth provided for encryption.')
  if (typeof userAuth !== 'string') throw fail('The subscription auth key must be a string.')
  const auth = Buffer.from(userAuth, 'base64url')
  if (auth.length < 16) throw fail('The subscription auth key should be at least 16 bytes long')
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
    throw fail('Payload must be either a string or a Node Buffer.')
  }
  if (
    contentEncoding !== supportedContentEncodings.AES_128_GCM &&
    contentEncoding !== supportedContentEncodings.AES_GCM
  )
    throw fail('Unsupported content encoding specified.', 'ERR_WP_UNSUPPORTED_ENCODING')
  // RFC 8291 §3.1: p256dh must be a point on P-256 (ERR_WP_INVALID_POINT otherwise), checked there.
  const { body, salt, senderPublicKey } = encryptWebPushMultiRecordSync(
    payload,
    { p256dh, auth },
    { encoding: contentEncoding },
  )
  return {
    localPublicKey: asBuffer(senderPublicKey),
    salt: asBuffer(salt).toString('base64url'),
    cipherText: asBuffer(body),
  }
}
