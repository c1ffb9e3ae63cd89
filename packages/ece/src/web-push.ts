/**
 * Web Push message encryption: RFC 8291 (`aes128gcm`) and the older `aesgcm` encoding
 * (draft-ietf-webpush-encryption-04), in both directions.
 */
import { type BytesLike, toByteArray, toBytes, toOptions } from './args.js'
import {
  type BackendName,
  backendByName,
  type CryptoBackend,
  getBackend,
  getSyncBackend,
  type SyncCryptoBackend,
  syncBackendByName,
} from './backend.js'
import { describeValue, equalBytes } from './bytes.js'
import { type ContentEncoding, toContentEncoding } from './content-encoding.js'
import { type Plaintext, toPlaintext } from './ece.js'
import { WebPushError } from './errors.js'
import { aesgcmHeaders, openAesgcm, readAesgcmParams, sealAesgcm } from './internal/aesgcm.js'
import { webPushIkm } from './internal/derive.js'
import { decryptError, HEADER_BASE, openRecords, readHeader, sealRecords, TAG } from './internal/records.js'
import { type AnyBackend, call, runOn, runSync, type Steps } from './internal/steps.js'
import { publicKeyOf, publicKeyOfAsync, randomSalt } from './keys.js'
import { toPrivateKey, toPublicKey } from './p256.js'

/** RFC 8291 §4: the record size written in the header; a push message is one record. */
const WEB_PUSH_RECORD_SIZE = 4096
/** RFC 8030 §7.2: push services must accept bodies of up to 4096 octets, and need not take more. */
const MAX_BODY = 4096
/** The `aes128gcm` header of a Web Push message: salt, rs, idlen and the 65-byte sender key. */
const WEB_PUSH_HEADER = HEADER_BASE + 65

/** The receiver's public keys, as in `PushSubscription.toJSON().keys`. */
export interface PushSubscriptionKeys {
  /** The receiver's 65-byte P-256 public key, bytes or base64url. */
  p256dh: BytesLike
  /** The receiver's 16-byte auth secret, bytes or base64url. */
  auth: BytesLike
}

/** Options of {@link encryptWebPush} and {@link encryptWebPushSync}. */
export interface EncryptWebPushOptions {
  /** `'aes128gcm'` (RFC 8291, the default) or the older `'aesgcm'`. */
  encoding?: ContentEncoding
  /** Octets of padding, or `'max'` to fill the record (hides the plaintext's length). Default 0. */
  padding?: number | 'max'
  /** For test vectors only: a fixed 16-byte salt. Reusing one is a vulnerability. */
  salt?: BytesLike
  /** For test vectors only: a fixed sender key pair. Reusing one is a vulnerability. */
  senderKeys?: { privateKey: BytesLike; publicKey: BytesLike }
  /**
   * Run on this backend instead of the current default. {@link encryptWebPushSync} runs on `'node'`
   * or `'noble'` only: `'webcrypto'` is asynchronous.
   */
  backend?: BackendName
}

/**
 * Options of {@link encryptWebPushMultiRecordSync}: those of {@link encryptWebPushSync} but
 * `padding`, which it does not add.
 */
export type EncryptWebPushMultiRecordOptions = Omit<EncryptWebPushOptions, 'padding'>

/** An encrypted Web Push message: the body and what the request must carry with it. */
export interface EncryptedPush {
  /** The request body. */
  body: Uint8Array<ArrayBuffer>
  /** The value of the `Content-Encoding` header. */
  encoding: ContentEncoding
  /** Headers this encoding needs: `{}` for `aes128gcm`; `Encryption` and `Crypto-Key` for `aesgcm`. */
  headers: Record<string, string>
  /** The 16-byte salt of this message. */
  salt: Uint8Array<ArrayBuffer>
  /** The sender's ephemeral 65-byte public key. */
  senderPublicKey: Uint8Array<ArrayBuffer>
}

/** The receiver's keys for {@link decryptWebPush}. */
export interface ReceiverKeys {
  /** The receiver's 32-byte private key. */
  privateKey: BytesLike
  /** The receiver's 65-byte public key (`p256dh`). */
  publicKey: BytesLike
  /** The 16-byte auth secret. */
  auth: BytesLike
}

/** Options of {@link decryptWebPush}. */
export interface DecryptWebPushOptions {
  /** The request's `Content-Encoding` (default `'aes128gcm'`). */
  encoding?: ContentEncoding
  /** The request's headers; `aesgcm` needs `Encryption` and `Crypto-Key` (names in any case). */
  headers?: Record<string, string | undefined>
  /** Run on this backend instead of the current default. */
  backend?: BackendName
}

/**
 * The largest plaintext one Web Push message can carry: the body (header included for
 * `aes128gcm`) must fit in 4096 bytes and in one record.
 * @param encoding `'aes128gcm'` or `'aesgcm'`
 * @param recordSize the record size (default 4096, what every sender uses)
 * @returns 3993 for `aes128gcm` and 4078 for `aesgcm` at the default record size
 * @throws WebPushError `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_ECE_RECORD_SIZE` (below 18 for
 *   `aes128gcm`, below 3 for `aesgcm`)
 * @example
 * ```ts
 * if (payload.length > maxPlaintextLength('aes128gcm')) throw new Error('too large for one push message')
 * ```
 */
export function maxPlaintextLength(encoding: ContentEncoding, recordSize = 4096): number {
  const enc = toContentEncoding(encoding)
  if (enc === 'aes128gcm') {
    if (!Number.isInteger(recordSize) || recordSize < 18)
      throw new WebPushError(
        'ERR_WP_ECE_RECORD_SIZE',
        `record size must be an integer of at least 18, got ${recordSize}`,
      )
    // One record of data || 0x02 || padding || tag, within rs and within the 4096-byte body.
    return Math.min(recordSize, MAX_BODY - WEB_PUSH_HEADER) - TAG - 1
  }
  if (!Number.isInteger(recordSize) || recordSize < 3)
    throw new WebPushError('ERR_WP_ECE_RECORD_SIZE', `record size must be an integer of at least 3, got ${recordSize}`)
  // aesgcm: uint16 padding length || padding || data, shorter than rs (a full record would need a
  // terminating empty one), and the ciphertext with its tag within the 4096-byte body.
  return Math.min(recordSize - 1, MAX_BODY - TAG) - 2
}

function toBackend(name: unknown): CryptoBackend {
  return name === undefined ? getBackend() : backendByName(name as BackendName)
}

function toSyncBackend(name: unknown): SyncCryptoBackend {
  return name === undefined ? getSyncBackend() : syncBackendByName(name as BackendName)
}

function toPadding(value: unknown, room: number, length: number): number {
  if (value === undefined) return 0
  if (value === 'max') return Math.max(0, room - length)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `padding must be a non-negative integer or 'max', got ${typeof value === 'number' ? value : describeValue(value)}`,
    )
  return value
}

/** A message checked and ready to encrypt: all the computation needs, read before any crypto work. */
interface Message {
  data: Uint8Array
  encoding: ContentEncoding
  padding: number
  uaPublic: Uint8Array
  auth: Uint8Array
  salt: Uint8Array<ArrayBuffer>
  /** The fixed sender key pair of a test vector; a fresh one per message when undefined. */
  sender: { privateKey: Uint8Array; publicKey: Uint8Array } | undefined
}

/**
 * Reads the arguments of every encrypting entry, in one order, before any crypto work; `pick` reads
 * the `backend` option into the kind of backend the entry runs on. A push message is one record
 * (RFC 8291 §4) and its auth secret 16 bytes (§3.2); `multiRecord` lifts both, as web-push 3.6 does:
 * any length of plaintext, no padding, an auth secret of 16 bytes or more.
 */
function readMessage<B>(
  plaintext: unknown,
  keys: unknown,
  options: unknown,
  pick: (name: unknown) => B,
  multiRecord = false,
): { message: Message; backend: B } {
  const data = toPlaintext(plaintext)
  const opts = toOptions<EncryptWebPushOptions>(options, 'options')
  const encoding = toContentEncoding(opts.encoding)
  let padding = 0
  if (multiRecord && opts.padding !== undefined)
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      'padding is not an option of a multi-record message (web-push pads nothing)',
    )
  if (!multiRecord) {
    const room = maxPlaintextLength(encoding)
    if (data.length > room)
      throw new WebPushError(
        'ERR_WP_PAYLOAD_TOO_LARGE',
        `payload is ${data.length} bytes; an ${encoding} push message holds at most ${room}`,
      )
    padding = toPadding(opts.padding, room, data.length)
    if (data.length + padding > room)
      throw new WebPushError(
        'ERR_WP_PAYLOAD_TOO_LARGE',
        `payload of ${data.length} bytes with ${padding} bytes of padding exceeds the ${room}-byte limit of an ${encoding} push message`,
      )
  }
  const { p256dh, auth: authValue } = toOptions<PushSubscriptionKeys>(keys, 'keys')
  const uaPublic = toPublicKey(p256dh, 'p256dh')
  const auth = toBytes(authValue, 'auth', multiRecord ? undefined : 16)
  if (auth.length < 16)
    throw new WebPushError('ERR_WP_KEY_LENGTH', `auth must be at least 16 bytes, got ${auth.length}`)
  const salt = opts.salt === undefined ? randomSalt() : new Uint8Array(toBytes(opts.salt, 'salt', 16))
  const backend = pick(opts.backend)
  let sender: Message['sender']
  if (opts.senderKeys !== undefined) {
    const given = toOptions<{ privateKey: BytesLike; publicKey: BytesLike }>(opts.senderKeys, 'senderKeys')
    const privateKey = toPrivateKey(given.privateKey, 'senderKeys.privateKey')
    sender = { privateKey, publicKey: toPublicKey(given.publicKey, 'senderKeys.publicKey') }
  }
  return { message: { data, encoding, padding, uaPublic, auth, salt, sender }, backend }
}

/**
 * A test vector's sender key pair must be one pair: `derived`, the public key of its private key
 * (by the entry's kind of derivation, synchronous or not), is the public key given.
 */
function checkSender(sender: NonNullable<Message['sender']>, derived: Uint8Array): void {
  if (!equalBytes(derived, sender.publicKey))
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'senderKeys.publicKey does not match senderKeys.privateKey')
}

/**
 * RFC 8291 §3 (or the `aesgcm` draft), on either kind of backend: ECDH with a fresh (or the given)
 * sender key, the IKM, then the records: for `aes128gcm` RFC 8188 records of 4096 octets with the
 * sender key as key id (§4), for `aesgcm` the draft's records with the salt and key in headers.
 */
function* encryptMessage(backend: AnyBackend, message: Message): Steps<EncryptedPush> {
  const { data, encoding, padding, uaPublic, auth, salt, sender } = message
  let asPublic: Uint8Array
  let secret: Uint8Array
  if (sender === undefined) ({ publicKey: asPublic, secret } = yield* call(backend.ephemeralEcdh(uaPublic)))
  else {
    asPublic = sender.publicKey
    secret = yield* call(backend.ecdh(sender, uaPublic))
  }
  const senderPublicKey = new Uint8Array(asPublic)
  const ikm = yield* webPushIkm(backend, encoding, auth, secret, uaPublic, asPublic)

  if (encoding === 'aes128gcm') {
    const body = yield* sealRecords(backend, data, {
      ikm,
      salt,
      recordSize: WEB_PUSH_RECORD_SIZE,
      keyId: asPublic,
      padding,
    })
    return { body: body as Uint8Array<ArrayBuffer>, encoding, headers: {}, salt, senderPublicKey }
  }

  return {
    body: yield* sealAesgcm(backend, data, padding, { ikm, salt, uaPublic, asPublic }, WEB_PUSH_RECORD_SIZE),
    encoding,
    headers: aesgcmHeaders(salt, asPublic),
    salt,
    senderPublicKey,
  }
}

/**
 * Encrypts a push message for one subscription (RFC 8291), with a fresh ephemeral key pair and a
 * fresh random salt, unless `senderKeys`/`salt` fix them for a test vector.
 * @param plaintext bytes, or a string sent as UTF-8
 * @param keys the subscription's `p256dh` and `auth`
 * @param options `encoding`, `padding`, `backend`; `salt` and `senderKeys` for test vectors only
 * @returns the body, the encoding and the headers the request must carry
 * @throws WebPushError `ERR_WP_PAYLOAD_TOO_LARGE` (before any work), `ERR_WP_KEY_LENGTH`,
 *   `ERR_WP_INVALID_POINT`, `ERR_WP_BASE64URL`, `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_INVALID_ARGUMENT`
 * @example
 * ```ts
 * const message = await encryptWebPush(JSON.stringify({ title: 'Hi' }), subscription.keys)
 * await fetch(subscription.endpoint, {
 *   method: 'POST',
 *   headers: { 'Content-Encoding': message.encoding, TTL: '60', ...message.headers },
 *   body: message.body,
 * })
 * ```
 */
export async function encryptWebPush(
  plaintext: Plaintext,
  keys: PushSubscriptionKeys,
  options?: EncryptWebPushOptions,
): Promise<EncryptedPush> {
  const { message, backend } = readMessage(plaintext, keys, options, toBackend)
  if (message.sender !== undefined) checkSender(message.sender, await publicKeyOfAsync(message.sender.privateKey))
  return runOn(backend, (b) => encryptMessage(b, message))
}

/**
 * {@link encryptWebPush}, synchronously: the same options, checks, errors and bytes, for callers that
 * cannot await (a synchronous API such as web-push's `encrypt()`). It runs on a synchronous backend:
 * the default one when it is `'node'` or `'noble'`, else node:crypto where it exists and pure JS
 * elsewhere; never WebCrypto, whose calls are all asynchronous.
 * @param plaintext bytes, or a string sent as UTF-8
 * @param keys the subscription's `p256dh` and `auth`
 * @param options `encoding`, `padding`, `backend` (`'node'` or `'noble'`); `salt` and `senderKeys` for test vectors only
 * @returns the body, the encoding and the headers the request must carry
 * @throws WebPushError as {@link encryptWebPush}, and `ERR_WP_BACKEND_UNAVAILABLE` for `backend: 'webcrypto'`
 * @example
 * ```ts
 * const message = encryptWebPushSync(JSON.stringify({ title: 'Hi' }), subscription.keys)
 * message.body // Uint8Array, at most 4096 bytes
 * ```
 */
export function encryptWebPushSync(
  plaintext: Plaintext,
  keys: PushSubscriptionKeys,
  options?: EncryptWebPushOptions,
): EncryptedPush {
  const { message, backend } = readMessage(plaintext, keys, options, toSyncBackend)
  if (message.sender !== undefined) checkSender(message.sender, publicKeyOf(message.sender.privateKey))
  return runSync(encryptMessage(backend, message))
}

/**
 * Encrypts as web-push 3.6 (through http_ece 1.2) does, for a drop-in of its synchronous
 * `encrypt()`: a plaintext of any length in as many records of 4096 octets as it needs (RFC 8291 §4
 * asks for one record, and push services refuse a body over 4096 bytes with 413), no padding, and
 * an auth secret of 16 bytes or more. Otherwise {@link encryptWebPushSync}: the same computation,
 * keys, checks and result; a message that fits in one record comes out byte for byte the same.
 * @param plaintext bytes, or a string sent as UTF-8
 * @param keys the subscription's `p256dh` (65 bytes) and `auth` (16 bytes or more)
 * @param options `encoding`, `backend` (`'node'` or `'noble'`); `salt` and `senderKeys` for test vectors only
 * @throws WebPushError `ERR_WP_KEY_LENGTH`, `ERR_WP_INVALID_POINT`, `ERR_WP_BASE64URL`,
 *   `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_BACKEND_UNAVAILABLE`
 * @example
 * ```ts
 * const { body, salt, senderPublicKey } = encryptWebPushMultiRecordSync(payload, { p256dh, auth }, { encoding: 'aesgcm' })
 * ```
 */
export function encryptWebPushMultiRecordSync(
  plaintext: Plaintext,
  keys: PushSubscriptionKeys,
  options?: EncryptWebPushMultiRecordOptions,
): EncryptedPush {
  const { message, backend } = readMessage(plaintext, keys, options, toSyncBackend, true)
  if (message.sender !== undefined) checkSender(message.sender, publicKeyOf(message.sender.privateKey))
  return runSync(encryptMessage(backend, message))
}

/**
 * Decrypts a push message as the user agent does (RFC 8291 §3, or the `aesgcm` draft). A push
 * message is a single record (RFC 8291 §4): a body of more than one is refused before any crypto.
 * @param body the request body
 * @param keys the receiver's key pair and auth secret
 * @throws WebPushError `ERR_WP_ECE_DECRYPT` for every failure of the ciphertext (one message for all),
 *   `ERR_WP_ECE_HEADER` for a malformed header (`Encryption`/`Crypto-Key` missing or unreadable for
 *   `aesgcm`; a key id that is not a 65-byte key for `aes128gcm`), `ERR_WP_ECE_RECORD_SIZE` (a record
 *   size below the minimum, or a body longer than one record of it), `ERR_WP_INVALID_POINT`,
 *   `ERR_WP_KEY_LENGTH`
 * @param options the request's `encoding` (default `'aes128gcm'`) and, for `aesgcm`, its `headers`
 * @returns the plaintext
 * @example
 * ```ts
 * const receiver = await generateSubscriptionKeys()
 * // ... a sender encrypts for { p256dh: receiver.publicKey, auth: receiver.auth } ...
 * const plaintext = await decryptWebPush(body, receiver, { encoding: 'aesgcm', headers: requestHeaders })
 * ```
 */
export async function decryptWebPush(
  body: Uint8Array,
  keys: ReceiverKeys,
  options?: DecryptWebPushOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  toByteArray(body, 'body')
  const opts = toOptions<DecryptWebPushOptions>(options, 'options')
  const encoding = toContentEncoding(opts.encoding)
  const k = toOptions<ReceiverKeys>(keys, 'keys')
  const privateKey = toPrivateKey(k.privateKey, 'privateKey')
  const uaPublic = toPublicKey(k.publicKey, 'publicKey')
  const auth = toBytes(k.auth, 'auth', 16)
  const backend = toBackend(opts.backend)
  const own = { privateKey, publicKey: uaPublic }

  if (encoding === 'aes128gcm') {
    const header = readHeader(body)
    // RFC 8291 §4: "An application server MUST encrypt a push message with a single record." What
    // follows the header must fit in one record of rs octets. Only lengths and the header, which are
    // public, decide this, so its own code leaks nothing; and it is checked before any crypto.
    const recordsLength = body.length - header.offset
    if (recordsLength > header.recordSize)
      throw new WebPushError(
        'ERR_WP_ECE_RECORD_SIZE',
        `a push message is a single record, but the ${recordsLength} bytes after the aes128gcm header are more than its record size of ${header.recordSize}`,
      )
    // RFC 8291 §4: the key id is the sender's 65-byte public key.
    if (header.keyId.length !== 65)
      throw new WebPushError(
        'ERR_WP_ECE_HEADER',
        `the aes128gcm key id must be the sender's 65-byte public key, got ${header.keyId.length} bytes`,
      )
    const asPublic = toPublicKey(header.keyId, 'the sender key in the aes128gcm header')
    return runOn(backend, function* (b) {
      const secret = yield* receiverEcdh(b, own, asPublic)
      const ikm = yield* webPushIkm(b, encoding, auth, secret, uaPublic, asPublic)
      return yield* openRecords(b, body, header, ikm)
    })
  }

  const params = readAesgcmParams(opts.headers, body.length)
  const asPublic = toPublicKey(params.dh, 'the dh key in Crypto-Key')
  return runOn(backend, function* (b) {
    const secret = yield* receiverEcdh(b, own, asPublic)
    const ikm = yield* webPushIkm(b, encoding, auth, secret, uaPublic, asPublic)
    return yield* openAesgcm(b, body, { ikm, salt: params.salt, uaPublic, asPublic })
  })
}

/**
 * The receiver's ECDH. Both points are checked already; what a backend may still refuse is a private
 * key that does not match `publicKey` (WebCrypto's JWK import does), which node:crypto and noble
 * cannot see and which then fails as a decryption. Every backend reports it as that one failure.
 */
function* receiverEcdh(
  backend: AnyBackend,
  own: { privateKey: Uint8Array; publicKey: Uint8Array },
  peer: Uint8Array,
): Steps<Uint8Array> {
  try {
    return yield* call(backend.ecdh(own, peer))
  } catch (cause) {
    throw decryptError(cause)
  }
}
