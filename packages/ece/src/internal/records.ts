/**
 * RFC 8188 records: the header, splitting into records with padding, and opening them again.
 * Shared by the generic `encrypt`/`decrypt` and by Web Push `aes128gcm`.
 */
import { WebPushError } from '../errors.js'
import { contentKeys, recordNonce } from './derive.js'
import { type AnyBackend, all, call, type Steps } from './steps.js'

/** RFC 8188 §2.1: salt (16) || rs (uint32) || idlen (uint8) || keyid (idlen). */
export const HEADER_BASE = 21
/** The AES-GCM tag that ends every record (RFC 8188 §2: AEAD_AES_128_GCM, 16 octets). */
export const TAG = 16
/** RFC 8188 §2.1: "Values smaller than 18 are invalid." (16 tag octets, a delimiter and one octet.) */
export const MIN_RECORD_SIZE = 18

/**
 * Records sealed or opened at once. WebCrypto runs every call on a thread pool, so keeping several in
 * flight hides most of its round trip (about 7 times the records per second of one at a time);
 * node:crypto and noble finish each call before it returns, and lose nothing.
 */
const WINDOW = 16

/**
 * Runs `task` for the records `0..count-1`, up to {@link WINDOW} at a time, calling `task` in record
 * order, then hands each result to `done` in record order. One record, a Web Push message, is one
 * plain call. A loop, not one promise or argument per record: any number of records takes the same stack.
 */
function* eachRecord<T>(
  count: number,
  task: (seq: number) => T | Promise<T>,
  done: (result: T, seq: number) => void,
): Steps<void> {
  if (count === 1) return done(yield* call(task(0)), 0)
  const batch: Array<T | Promise<T>> = []
  for (let first = 0; first < count; first += WINDOW) {
    const end = Math.min(count, first + WINDOW)
    batch.length = 0
    for (let seq = first; seq < end; seq++) batch.push(task(seq))
    const results = yield* call(all(batch))
    for (let i = 0; i < results.length; i++) done(results[i] as T, first + i)
  }
}

/** The one message of every decryption failure, whatever failed (RFC 8188 §4.5: leak nothing). */
export function decryptError(cause?: unknown): WebPushError {
  return new WebPushError('ERR_WP_ECE_DECRYPT', 'decryption failed', cause === undefined ? undefined : { cause })
}

/** `cause` when it is the decryption failure already, else that failure with `cause` as its cause. */
export function asDecryptError(cause: unknown): WebPushError {
  return WebPushError.is(cause) && cause.code === 'ERR_WP_ECE_DECRYPT' ? cause : decryptError(cause)
}

/** What {@link sealRecords} needs besides the plaintext: the RFC 8188 §2.1 header fields, the IKM and the padding. */
export interface SealParams {
  ikm: Uint8Array
  salt: Uint8Array
  recordSize: number
  keyId: Uint8Array
  padding: number
}

/**
 * Encrypts `plaintext` into an `aes128gcm` body. Padding goes first: each record takes as much of
 * what is left as fits while keeping room for one data octet, so every record but the last is full
 * (this is the layout of the RFC 8188 §3.2 example).
 */
export function* sealRecords(backend: AnyBackend, plaintext: Uint8Array, p: SealParams): Steps<Uint8Array> {
  const { cek, nonce } = yield* contentKeys(backend, 'aes128gcm', p.salt, p.ikm)
  const key = yield* call(backend.importAesKey(cek))
  const capacity = p.recordSize - TAG - 1 // data and padding octets in one record, besides the delimiter
  const records = Math.max(1, Math.ceil((plaintext.length + p.padding) / capacity))
  const headerLength = HEADER_BASE + p.keyId.length
  const lastLength = plaintext.length + p.padding - (records - 1) * capacity + 1 + TAG
  const body = new Uint8Array(headerLength + (records - 1) * p.recordSize + lastLength)
  writeHeader(body, p.salt, p.recordSize, p.keyId)

  let data = 0
  let padLeft = p.padding
  // eachRecord calls this in record order, so `data` and `padLeft` advance record by record; each
  // record has its own place in the body (every record but the last is rs octets).
  const seal = (seq: number): Uint8Array | Promise<Uint8Array> => {
    const dataLeft = plaintext.length - data
    const pad = Math.min(padLeft, capacity - (dataLeft > 0 ? 1 : 0))
    const take = Math.min(dataLeft, capacity - pad)
    padLeft -= pad
    const last = seq === records - 1
    // RFC 8188 §2: the record is data || delimiter (2 for the last record, 1 otherwise) || zeros.
    const record = new Uint8Array(take + 1 + pad)
    record.set(plaintext.subarray(data, data + take), 0)
    record[take] = last ? 2 : 1
    data += take
    const offset = headerLength + seq * p.recordSize
    return backend.aesGcmEncrypt(
      key,
      recordNonce(nonce, seq),
      record,
      body.subarray(offset, offset + record.length + TAG),
    )
  }
  // A backend that wrote the record in its place returns that place; any other result is copied there.
  const place = (sealed: Uint8Array, seq: number): void => {
    const offset = headerLength + seq * p.recordSize
    if (sealed.buffer !== body.buffer || sealed.byteOffset !== body.byteOffset + offset) body.set(sealed, offset)
  }
  yield* eachRecord(records, seal, place)
  return body
}

function writeHeader(body: Uint8Array, salt: Uint8Array, recordSize: number, keyId: Uint8Array): void {
  body.set(salt, 0)
  body[16] = recordSize >>> 24
  body[17] = (recordSize >>> 16) & 0xff
  body[18] = (recordSize >>> 8) & 0xff
  body[19] = recordSize & 0xff
  body[20] = keyId.length
  body.set(keyId, HEADER_BASE)
}

/** The parsed RFC 8188 header of a body. */
export interface Header {
  salt: Uint8Array
  recordSize: number
  keyId: Uint8Array
  /** Where the first record starts. */
  offset: number
}

/**
 * Reads the RFC 8188 §2.1 header.
 * @throws WebPushError `ERR_WP_ECE_HEADER` when the body is too short for it, `ERR_WP_ECE_RECORD_SIZE` for rs < 18
 */
export function readHeader(body: Uint8Array): Header {
  if (body.length < HEADER_BASE)
    throw new WebPushError(
      'ERR_WP_ECE_HEADER',
      `body is ${body.length} bytes, shorter than the ${HEADER_BASE}-byte aes128gcm header`,
    )
  const recordSize =
    (((body[16] as number) << 24) |
      ((body[17] as number) << 16) |
      ((body[18] as number) << 8) |
      (body[19] as number)) >>>
    0
  const idlen = body[20] as number
  if (body.length < HEADER_BASE + idlen)
    throw new WebPushError(
      'ERR_WP_ECE_HEADER',
      `the aes128gcm header announces a ${idlen}-byte key id, past the end of the ${body.length}-byte body`,
    )
  if (recordSize < MIN_RECORD_SIZE)
    throw new WebPushError(
      'ERR_WP_ECE_RECORD_SIZE',
      `record size must be at least ${MIN_RECORD_SIZE}, got ${recordSize}`,
    )
  return {
    salt: body.subarray(0, 16),
    recordSize,
    keyId: body.subarray(HEADER_BASE, HEADER_BASE + idlen),
    offset: HEADER_BASE + idlen,
  }
}

/**
 * Decrypts the records after the header. Returns the plaintext only when every record opened and
 * the last one ends the message; any failure is the one `ERR_WP_ECE_DECRYPT`, and no partial
 * plaintext is ever returned.
 */
export function* openRecords(
  backend: AnyBackend,
  body: Uint8Array,
  header: Header,
  ikm: Uint8Array,
): Steps<Uint8Array<ArrayBuffer>> {
  const { recordSize, offset } = header
  const length = body.length - offset
  // RFC 8188 §2: every record but the last is exactly rs octets; each holds at least a tag and a delimiter.
  const records = Math.ceil(length / recordSize)
  if (records === 0 || length - (records - 1) * recordSize < TAG + 1) throw decryptError()
  const { cek, nonce } = yield* contentKeys(backend, 'aes128gcm', header.salt, ikm)
  const key = yield* call(backend.importAesKey(cek))

  // Every record holds at least a delimiter and a tag, so the plaintext is at most this long (exactly
  // this long without padding): each record's data is written in place, with no list of parts to join.
  const out = new Uint8Array(length - records * (TAG + 1))
  let written = 0
  const open = (seq: number): Uint8Array | Promise<Uint8Array> => {
    const start = offset + seq * recordSize
    return backend.aesGcmDecrypt(
      key,
      recordNonce(nonce, seq),
      body.subarray(start, Math.min(start + recordSize, body.length)),
    )
  }
  const check = (plain: Uint8Array, seq: number): void => {
    // RFC 8188 §2: the delimiter is the last non-zero octet: 2 in the last record, 1 in the others.
    let end = plain.length - 1
    while (end >= 0 && plain[end] === 0) end--
    if (end < 0 || plain[end] !== (seq === records - 1 ? 2 : 1)) throw decryptError()
    out.set(plain.subarray(0, end), written)
    written += end
  }
  try {
    yield* eachRecord(records, open, check)
  } catch (cause) {
    // A tag that does not verify (thrown by the backend) and a bad delimiter end the same way.
    throw asDecryptError(cause)
  }
  // Padding leaves room at the end: the plaintext gets a buffer of its own exact size.
  return written === out.length ? out : out.slice(0, written)
}
