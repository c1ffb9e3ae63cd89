/**
 * web-push's `encrypt()`, synchronous as web-push's is: RFC 8291 `aes128gcm` or the draft `aesgcm`
 * (draft-ietf-webpush-encryption-04), records of 4096 bytes, no padding, on node:crypto.
 */
import { createCipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto'
import { toPublicKey } from '@wp/ece/utils'
import { supportedContentEncodings } from './constants.js'
import { fail } from './fail.js'

/** What `encrypt()` returns, as web-push: the sender's public point, the salt in base64url, the body. */
export interface EncryptResult {
  localPublicKey: Buffer
  salt: string
  cipherText: Buffer
}

/** The record size web-push (through http_ece) uses. */
const RECORD_SIZE = 4096
const TAG_LENGTH = 16

/** HKDF-SHA-256 (RFC 5869). */
function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length))
}

/** The 12-byte nonce of record `seq`: the base nonce XOR the sequence number (RFC 8188 §2.3). */
function nonceOf(base: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(base)
  // A payload has far fewer than 2^32 records: only the low 32 bits change.
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8)
  return nonce
}

/** AES-128-GCM of one record: ciphertext then the 16-byte tag. */
function seal(key: Buffer, nonce: Buffer, parts: Buffer[]): Buffer {
  const cipher = createCipheriv('aes-128-gcm', key, nonce)
  const out = [...parts.map((part) => cipher.update(part)), cipher.final(), cipher.getAuthTag()]
  return Buffer.concat(out)
}

/** RFC 8291 §3.4 and RFC 8188 §2: a header with the sender's key, then records ending 0x01 (0x02 on the last). */
function aes128gcm(secret: Buffer, auth: Buffer, ua: Buffer, as: Buffer, salt: Buffer, payload: Buffer): Buffer {
  const ikm = hkdf(auth, secret, Buffer.concat([Buffer.from('WebPush: info\0'), ua, as]), 32)
  const key = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16)
  const base = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12)
  const header = Buffer.alloc(21)
  salt.copy(header, 0)
  header.writeUInt32BE(RECORD_SIZE, 16)
  header[20] = as.length
  const out = [header, as]
  const chunk = RECORD_SIZE - TAG_LENGTH - 1
  for (let start = 0, seq = 0; ; start += chunk, seq += 1) {
    const last = start + chunk >= payload.length
    const delimiter = Buffer.from([last ? 2 : 1])
    out.push(seal(key, nonceOf(base, seq), [payload.subarray(start, start + chunk), delimiter]))
    if (last) break
  }
  return Buffer.concat(out)
}

/** The draft's `aesgcm`: keys bound to both points, records of a 2-byte padding length then the data. */
function aesgcm(secret: Buffer, auth: Buffer, ua: Buffer, as: Buffer, salt: Buffer, payload: Buffer): Buffer {
  const ikm = hkdf(auth, secret, Buffer.from('Content-Encoding: auth\0'), 32)
  const length = (point: Buffer) => Buffer.from([0, point.length])
  const context = Buffer.concat([Buffer.from('P-256\0'), length(ua), ua, length(as), as])
  const key = hkdf(salt, ikm, Buffer.concat([Buffer.from('Content-Encoding: aesgcm\0'), context]), 16)
  const base = hkdf(salt, ikm, Buffer.concat([Buffer.from('Content-Encoding: nonce\0'), context]), 12)
  const out: Buffer[] = []
  const chunk = RECORD_SIZE - 2
  // A payload filling its last record exactly gets an empty record after it, so the end is never ambiguous.
  for (let start = 0, seq = 0; ; start += chunk, seq += 1) {
    out.push(seal(key, nonceOf(base, seq), [Buffer.alloc(2), payload.subarray(start, start + chunk)]))
    if (start + chunk > payload.length) break
  }
  return Buffer.concat(out)
}

/**
 * Encrypts a payload for a subscription's keys, as web-push's `encrypt()`.
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
  const ua = Buffer.from(userPublicKey, 'base64url')
  if (ua.length !== 65) throw fail('The subscription p256dh value should be 65 bytes long.')
  if (!userAuth) throw fail('No user auth provided for encryption.')
  if (typeof userAuth !== 'string') throw fail('The subscription auth key must be a string.')
  const auth = Buffer.from(userAuth, 'base64url')
  if (auth.length < 16) throw fail('The subscription auth key should be at least 16 bytes long')
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
    throw fail('Payload must be either a string or a Node Buffer.')
  }
  const plaintext = typeof payload === 'string' ? Buffer.from(payload) : payload
  const encode =
    contentEncoding === supportedContentEncodings.AES_128_GCM
      ? aes128gcm
      : contentEncoding === supportedContentEncodings.AES_GCM
        ? aesgcm
        : undefined
  if (encode === undefined) throw fail('Unsupported content encoding specified.', 'ERR_WP_UNSUPPORTED_ENCODING')
  toPublicKey(ua, 'p256dh') // RFC 8291 §3.1: a point on P-256, or ERR_WP_INVALID_POINT
  const ecdh = createECDH('prime256v1')
  const localPublicKey = ecdh.generateKeys()
  const secret = ecdh.computeSecret(ua)
  const salt = randomBytes(16)
  return {
    localPublicKey,
    salt: salt.toString('base64url'),
    cipherText: encode(secret, auth, ua, localPublicKey, salt, plaintext),
  }
}
