/** RFC 8188 Encrypted Content-Encoding for HTTP, `aes128gcm`: encrypt and decrypt with a shared key. */
import { type BytesLike, toByteArray, toBytes, toInteger, toOptions } from './args.js'
import { getBackend } from './backend.js'
import { copyBytes, describeValue, isBytes, utf8Encode } from './bytes.js'
import { WebPushError } from './errors.js'
import { HEADER_BASE, MIN_RECORD_SIZE, openRecords, readHeader, sealRecords, TAG } from './internal/records.js'
import { runOn } from './internal/steps.js'
import { randomSalt } from './keys.js'

/** The largest body {@link encrypt} makes: 2^31-1 octets. */
const MAX_BODY_LENGTH = 0x7fffffff

/** Options of {@link encrypt}. */
export interface EncryptOptions {
  /** The 16-byte input keying material (RFC 8188 §2.2's IKM). */
  key: BytesLike
  /** 16 random bytes; a fresh random salt when absent (reusing a salt with a key breaks confidentiality). */
  salt?: BytesLike
  /** Record size `rs`, from 18 to 2^32-1 (default 4096). */
  recordSize?: number
  /** The key id written in the header: bytes, or a string taken as UTF-8 text (RFC 8188 §3.2 uses "a1"). At most 255 bytes. */
  keyId?: Uint8Array | string
  /** Octets of padding to add, spread over the records as needed (default 0). */
  padding?: number
}

/** Options of {@link decrypt}: the key itself, or a function that finds it from the header's key id. */
export type DecryptOptions = { key: BytesLike } | { keyLookup: (keyId: Uint8Array) => BytesLike | Promise<BytesLike> }

/** Plaintext: bytes, or a string encoded as UTF-8. */
export type Plaintext = Uint8Array | string

/** Reads a plaintext argument. */
export function toPlaintext(value: unknown, field = 'plaintext'): Uint8Array {
  if (typeof value === 'string') return utf8Encode(value)
  if (isBytes(value)) return value
  throw new WebPushError(
    'ERR_WP_INVALID_ARGUMENT',
    `${field} must be a Uint8Array or a string, got ${describeValue(value)}`,
  )
}

/** Reads a key id: bytes, or a string taken as UTF-8. */
function toKeyId(value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0)
  const bytes = typeof value === 'string' ? utf8Encode(value) : isBytes(value) ? value : undefined
  if (bytes === undefined)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `keyId must be a Uint8Array or a string, got ${describeValue(value)}`,
    )
  if (bytes.length > 255)
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `keyId must be at most 255 bytes, got ${bytes.length}`)
  return bytes
}

/**
 * Encrypts `plaintext` as an RFC 8188 `aes128gcm` body: the header (salt, rs, key id) followed by
 * as many records as needed.
 * @param plaintext bytes, or a string encoded as UTF-8
 * @param options `key` (16 bytes), and `salt`, `recordSize` (default 4096), `keyId`, `padding` (default 0)
 * @returns the whole body, header included
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_KEY_LENGTH` (key or salt not 16 bytes),
 *   `ERR_WP_ECE_RECORD_SIZE` (rs below 18 or above 2^32-1), `ERR_WP_BASE64URL`,
 *   `ERR_WP_PAYLOAD_TOO_LARGE` (the body, padding included, would exceed 2^31-1 octets)
 * @example
 * ```ts
 * const key = crypto.getRandomValues(new Uint8Array(16))
 * const body = await encrypt('I am the walrus', { key, recordSize: 25, keyId: 'a1', padding: 1 })
 * ```
 */
export async function encrypt(plaintext: Plaintext, options: EncryptOptions): Promise<Uint8Array<ArrayBuffer>> {
  const data = toPlaintext(plaintext)
  const opts = toOptions<EncryptOptions>(options, 'options')
  const key = toBytes(opts.key, 'key', 16)
  const salt = opts.salt === undefined ? randomSalt() : toBytes(opts.salt, 'salt', 16)
  // `=== undefined`, not `??`: null is a wrong value, as it is for salt and keyId (and for padding in encryptWebPush).
  const recordSize = toInteger(
    opts.recordSize === undefined ? 4096 : opts.recordSize,
    'recordSize',
    MIN_RECORD_SIZE,
    0xffffffff,
    'ERR_WP_ECE_RECORD_SIZE',
  )
  const padding = toInteger(opts.padding === undefined ? 0 : opts.padding, 'padding', 0, Number.MAX_SAFE_INTEGER)
  const keyId = toKeyId(opts.keyId)
  // Refuse before any work a body no runtime could allocate (node:crypto also takes at most 2^31-1 octets at once).
  const content = data.length + padding
  const bodyLength =
    HEADER_BASE + keyId.length + content + Math.max(1, Math.ceil(content / (recordSize - TAG - 1))) * (TAG + 1)
  if (bodyLength > MAX_BODY_LENGTH)
    throw new WebPushError(
      'ERR_WP_PAYLOAD_TOO_LARGE',
      `plaintext of ${data.length} bytes with ${padding} bytes of padding makes a ${bodyLength}-byte body; at most ${MAX_BODY_LENGTH}`,
    )
  const params = { ikm: key, salt, recordSize, keyId, padding }
  return runOn(getBackend(), (backend) => sealRecords(backend, data, params)) as Promise<Uint8Array<ArrayBuffer>>
}

/**
 * Decrypts an RFC 8188 `aes128gcm` body of any number of records.
 * @param body the whole body, header included
 * @param options `{ key }`, or `{ keyLookup }`, called with the header's key id (may be async)
 * @returns the plaintext
 * @example
 * ```ts
 * const plaintext = await decrypt(body, { keyLookup: (keyId) => keys.get(new TextDecoder().decode(keyId)) })
 * ```
 * @throws WebPushError `ERR_WP_ECE_HEADER` (body too short for its header), `ERR_WP_ECE_RECORD_SIZE`,
 *   `ERR_WP_KEY_LENGTH` (the key is not 16 bytes), and `ERR_WP_ECE_DECRYPT` for every failure of the
 *   records themselves (tag, delimiter, padding, truncation), always with the same message
 */
export async function decrypt(body: Uint8Array, options: DecryptOptions): Promise<Uint8Array<ArrayBuffer>> {
  toByteArray(body, 'body')
  const opts = toOptions<{ key: BytesLike; keyLookup: (keyId: Uint8Array) => BytesLike | Promise<BytesLike> }>(
    options,
    'options',
  )
  if (opts.key === undefined && typeof opts.keyLookup !== 'function')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'options must have a key or a keyLookup function')
  const header = readHeader(body)
  const key = toBytes(
    // `!== undefined`, not `??`: `{ key: null }` is a bad key, not a request to call a keyLookup that is absent.
    opts.key !== undefined ? opts.key : await (opts.keyLookup as (id: Uint8Array) => unknown)(copyBytes(header.keyId)),
    'key',
    16,
  )
  return runOn(getBackend(), (backend) => openRecords(backend, body, header, key))
}
