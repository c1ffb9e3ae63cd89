/**
 * The older `aesgcm` encoding of Web Push (draft-ietf-webpush-encryption-04 on
 * draft-ietf-httpbis-encryption-encoding-03): the salt and sender key in the `Encryption` and
 * `Crypto-Key` headers, the records of a message sealed, and the one record of a push message opened.
 */
import { toBytes } from '../args.js'
import { base64urlEncode } from '../base64url.js'
import { WebPushError } from '../errors.js'
import { parseCryptoParams } from './crypto-params.js'
import { aesgcmContext, type ContentKeys, contentKeys, recordNonce } from './derive.js'
import { asDecryptError, decryptError, TAG } from './records.js'
import { type AnyBackend, call, type Steps } from './steps.js'

/** What the receiver reads from the headers of an `aesgcm` request. */
export interface AesgcmParams {
  /** The 16-byte salt of `Encryption`. */
  salt: Uint8Array
  /** The sender's public key, `dh` of `Crypto-Key`, not yet checked as a point. */
  dh: Uint8Array
  /** `rs` of `Encryption`, 4096 when absent. */
  recordSize: number
}

/** The keys of one message: the IKM (draft -04 §3.3), the salt and both public keys (for the context). */
export interface AesgcmKeys {
  ikm: Uint8Array
  salt: Uint8Array
  uaPublic: Uint8Array
  asPublic: Uint8Array
}

/** The headers an `aesgcm` request carries besides `Content-Encoding` (draft -03 §3.1, §4; no padding characters). */
export function aesgcmHeaders(salt: Uint8Array, asPublic: Uint8Array): Record<string, string> {
  return { Encryption: `salt=${base64urlEncode(salt)}`, 'Crypto-Key': `dh=${base64urlEncode(asPublic)}` }
}

/**
 * Reads `salt` and `rs` from `Encryption` and `dh` from `Crypto-Key` (draft -03 §3). Header names
 * match in any case; `crypto_key` (the spelling of Mozilla's WebSocket protocol) is read too. Then
 * checks that a body of `bodyLength` octets is one record, before any crypto.
 * @throws WebPushError `ERR_WP_ECE_HEADER` for a missing header or parameter or an unreadable rs,
 *   `ERR_WP_ECE_RECORD_SIZE` for rs below 3 or a body of more than one record, `ERR_WP_KEY_LENGTH`
 *   for a salt that is not 16 bytes, `ERR_WP_BASE64URL`
 */
export function readAesgcmParams(
  headers: Record<string, string | undefined> | undefined,
  bodyLength: number,
): AesgcmParams {
  const find = (...names: string[]): string | undefined => {
    if (headers === undefined || headers === null || typeof headers !== 'object') return undefined
    for (const [name, value] of Object.entries(headers))
      if (names.includes(name.toLowerCase()) && typeof value === 'string') return value
    return undefined
  }
  const encryption = find('encryption')
  const cryptoKey = find('crypto-key', 'crypto_key')
  if (encryption === undefined || cryptoKey === undefined)
    throw new WebPushError('ERR_WP_ECE_HEADER', 'aesgcm needs the Encryption and Crypto-Key headers of the request')
  const enc = parseCryptoParams(encryption)
  const ck = parseCryptoParams(cryptoKey)
  if (enc.salt === undefined) throw new WebPushError('ERR_WP_ECE_HEADER', 'the Encryption header has no salt')
  if (ck.dh === undefined) throw new WebPushError('ERR_WP_ECE_HEADER', 'the Crypto-Key header has no dh')
  let recordSize = 4096
  if (enc.rs !== undefined) {
    if (!/^\d{1,10}$/.test(enc.rs))
      throw new WebPushError('ERR_WP_ECE_HEADER', 'the rs parameter of the Encryption header is not a number')
    recordSize = Number(enc.rs)
    if (recordSize < 3 || recordSize > 0xffffffff)
      throw new WebPushError('ERR_WP_ECE_RECORD_SIZE', `record size must be at least 3, got ${recordSize}`)
  }
  const params = { salt: toBytes(enc.salt, 'salt', 16), dh: toBytes(ck.dh, 'dh'), recordSize }
  // RFC 8291 §4's single-record rule, for aesgcm, from public values only, before any crypto. A record
  // holds less than rs octets of plaintext (a full one would need another after it) plus its 16-octet
  // tag, so a body of rs + 16 octets or more is at least two records.
  if (bodyLength >= recordSize + TAG)
    throw new WebPushError(
      'ERR_WP_ECE_RECORD_SIZE',
      `a push message is a single record, but the ${bodyLength}-byte aesgcm body does not fit in one record of rs ${recordSize} (at most ${recordSize + TAG - 1} bytes)`,
    )
  return params
}

/** The content key and nonce of one message (draft -03 §4.2: the infos end with the context). */
function aesgcmKeys(backend: AnyBackend, keys: AesgcmKeys): Steps<ContentKeys> {
  return contentKeys(backend, 'aesgcm', keys.salt, keys.ikm, aesgcmContext(keys.uaPublic, keys.asPublic))
}

/** The octets of plaintext one aesgcm record of `recordSize` carries besides its 2-octet padding length (draft -03 §2). */
export function aesgcmRecordCapacity(recordSize: number): number {
  return recordSize - 2
}

/**
 * Seals a message as aesgcm records of `recordSize` octets of plaintext (draft -03 §2): each is a
 * uint16 padding length || that many zeros || data, then its 16-octet tag, with the nonce of its
 * sequence number. Padding goes first; every record is full but the last, which is shorter than
 * `recordSize` (a message that fills its last record gets an empty one after it, so a truncation at
 * a record boundary cannot pass for the end). A push message is the one record of this loop; the
 * caller has checked what fits.
 */
export function* sealAesgcm(
  backend: AnyBackend,
  data: Uint8Array,
  padding: number,
  keys: AesgcmKeys,
  recordSize: number,
): Steps<Uint8Array<ArrayBuffer>> {
  const { cek, nonce } = yield* aesgcmKeys(backend, keys)
  const key = yield* call(backend.importAesKey(cek))
  const capacity = aesgcmRecordCapacity(recordSize)
  const records = Math.floor((data.length + padding) / capacity) + 1
  const body = new Uint8Array(data.length + padding + records * (2 + TAG))
  let offset = 0
  let taken = 0
  let padLeft = padding
  for (let seq = 0; seq < records; seq++) {
    const pad = Math.min(padLeft, capacity)
    const take = Math.min(data.length - taken, capacity - pad)
    padLeft -= pad
    const record = new Uint8Array(2 + pad + take)
    record[0] = pad >>> 8
    record[1] = pad & 0xff
    record.set(data.subarray(taken, taken + take), 2 + pad)
    taken += take
    const place = body.subarray(offset, offset + record.length + TAG)
    const sealed = yield* call(backend.aesGcmEncrypt(key, recordNonce(nonce, seq), record, place))
    if (sealed !== place) body.set(sealed, offset)
    offset += record.length + TAG
  }
  return body
}

/**
 * Opens the one aesgcm record of a push message (draft -03 §2). The caller has checked that the body
 * is a single record ({@link readAesgcmParams}).
 * @throws WebPushError `ERR_WP_ECE_DECRYPT` for every failure (tag, padding length, non-zero padding), one message for all
 */
export function* openAesgcm(backend: AnyBackend, body: Uint8Array, keys: AesgcmKeys): Steps<Uint8Array<ArrayBuffer>> {
  const { cek, nonce } = yield* aesgcmKeys(backend, keys)
  if (body.length < TAG + 2) throw decryptError()
  let plain: Uint8Array
  try {
    plain = yield* call(backend.aesGcmDecrypt(yield* call(backend.importAesKey(cek)), nonce, body))
  } catch (cause) {
    throw asDecryptError(cause)
  }
  const pad = ((plain[0] as number) << 8) | (plain[1] as number)
  if (2 + pad > plain.length) throw decryptError()
  for (let i = 2; i < 2 + pad; i++) if (plain[i] !== 0) throw decryptError()
  return plain.slice(2 + pad)
}
