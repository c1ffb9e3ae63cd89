/**
 * One table of bad inputs, run against every public function of the package on every backend: each
 * row must fail with a WebPushError (by brand and by class) carrying its specific code, the
 * synchronous functions by throwing and the asynchronous ones by rejecting, never with a stray
 * TypeError, never with (partial) plaintext, and never with a secret in the message.
 *
 * The rows that are plain data (bodies, headers, keys) live in test/vectors/rfc8188-invalid.json and
 * rfc8291-invalid.json, in Wycheproof's shape (`tcId`, `comment`, `result`, and the `code`), and join
 * the table below; the rows built by code stay here: wrong types, options, sizes, truncations, and
 * bodies with wrong delimiters and padding, crafted here with node:crypto's AES-GCM from keys
 * derived from a known IKM, so they carry valid tags and only the structure is wrong; the same
 * construction with valid structure decrypts (the controls below), which proves the crafting right.
 * `generateSubscriptionKeys()` takes no input, so it has no row; properties.test.ts checks its output.
 */
import { createCipheriv, createECDH } from 'node:crypto'
import ece from 'http_ece'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { backendByName, syncBackendByName } from '../src/backend.js'
import {
  base64urlDecode,
  base64urlEncode,
  decrypt,
  decryptWebPush,
  encrypt,
  encryptWebPush,
  maxPlaintextLength,
  useBackend,
  WebPushError,
  type WebPushErrorCode,
} from '../src/index.js'
import { aesgcmContext, contentKeys, webPushIkm } from '../src/internal/derive.js'
import { runAsync } from '../src/internal/steps.js'
import { b64, backends, utf8, withBackend } from './helpers.js'
import v8188 from './vectors/rfc8188.json' with { type: 'json' }
import v8188Invalid from './vectors/rfc8188-invalid.json' with { type: 'json' }
import v from './vectors/rfc8291.json' with { type: 'json' }
import v8291Invalid from './vectors/rfc8291-invalid.json' with { type: 'json' }

// ---------------------------------------------------------------------------------------------
// Fixtures: known keys, valid bodies, and crafted bodies (built once, with node:crypto).
// ---------------------------------------------------------------------------------------------

const node = backendByName('node')
const [single, multi] = v8188.examples as [(typeof v8188.examples)[0], (typeof v8188.examples)[1]]
const singleBody = b64(single.body)
const multiBody = b64(multi.body)
const singleKey = b64(single.ikm)
const multiKey = b64(multi.ikm)

const uaPublic = b64(v.ua_public)
const uaPrivate = b64(v.ua_private)
const asPublic = b64(v.as_public)
const asPrivate = b64(v.as_private)
const auth = b64(v.auth_secret)
const salt = b64(v.salt)
const pushBody = b64(v.body)
const receiver = { privateKey: uaPrivate, publicKey: uaPublic, auth }
const subscription = { p256dh: uaPublic, auth }

/** Plaintext that must never come back out, whole or in part, nor show in a message. */
const SECRET_TEXT = 'SECRET-PLAINTEXT-never-in-a-message'
const secretPlaintext = utf8(SECRET_TEXT)

const aesgcm = await encryptWebPush(secretPlaintext, subscription, {
  encoding: 'aesgcm',
  salt,
  senderKeys: { privateKey: asPrivate, publicKey: asPublic },
})
const aesgcmOptions = { encoding: 'aesgcm' as const, headers: aesgcm.headers }

const bytes = (length: number, fill = 0x5a): Uint8Array => new Uint8Array(length).fill(fill)
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts))
const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** RFC 8188 §2.3: the nonce of record `seq` is the nonce base XOR seq (written out here, not taken from src). */
function nonceFor(base: Uint8Array, seq: number): Uint8Array {
  const nonce = base.slice()
  nonce[11] = (nonce[11] as number) ^ seq
  return nonce
}

function seal(cek: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-128-gcm', cek, nonce)
  return concat(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
}

/** An aes128gcm body whose records have exactly the given plaintexts (delimiter and padding included). */
async function craft128(
  ikm: Uint8Array,
  saltBytes: Uint8Array,
  rs: number,
  keyId: Uint8Array,
  records: Uint8Array[],
): Promise<Uint8Array> {
  const { cek, nonce } = await runAsync(contentKeys(node, 'aes128gcm', saltBytes, ikm))
  const sealed = records.map((record, seq) => seal(cek, nonceFor(nonce, seq), record))
  return concat(saltBytes, u32(rs), Uint8Array.of(keyId.length), keyId, ...sealed)
}

/** An aesgcm body (no header) whose records have exactly the given plaintexts, for the RFC 8291 keys. */
async function craftAesgcm(records: Uint8Array[]): Promise<Uint8Array> {
  const secret = await node.ecdh({ privateKey: asPrivate, publicKey: asPublic }, uaPublic)
  const ikm = await runAsync(webPushIkm(node, 'aesgcm', auth, secret, uaPublic, asPublic))
  const { cek, nonce } = await runAsync(contentKeys(node, 'aesgcm', salt, ikm, aesgcmContext(uaPublic, asPublic)))
  return concat(...records.map((record, seq) => seal(cek, nonceFor(nonce, seq), record)))
}

const TAG = 16
const eceKey = utf8('SECRET-ECE-KEY16')
const eceSalt = bytes(16, 0x11)
const RS = 40 // 23 octets of data and padding per record, besides the delimiter
const data = (n: number, from = 0): Uint8Array => secretPlaintext.subarray(from, from + n)
const record = (...parts: Array<Uint8Array | number[]>): Uint8Array => concat(...parts.map((p) => new Uint8Array(p)))
const ece8188 = (records: Uint8Array[], rs = RS) => craft128(eceKey, eceSalt, rs, new Uint8Array(0), records)
const push128 = (records: Uint8Array[]) => craft128(b64(v.ikm), salt, 4096, asPublic, records)

const crafted = {
  // Controls: the same construction, well formed.
  eceOne: await ece8188([record(data(10), [2])]),
  eceTwo: await ece8188([record(data(23), [1]), record(data(5, 23), [2, 0, 0])]),
  pushGood: await push128([record(secretPlaintext, [2])]),
  aesgcmGood: await craftAesgcm([record([0, 2, 0, 0], secretPlaintext)]),
  // Two genuine records each, which only the single-record rule of RFC 8291 §4 refuses.
  aesgcmTwo: await craftAesgcm([record([0, 0], data(8)), record([0, 1, 0], data(3, 8))]), // rs = 10
  pushTwo: await craft128(b64(v.ikm), salt, 40, asPublic, [record(data(23), [1]), record(data(5, 23), [2])]),
  // Wrong structure under valid tags.
  eceLastIsOne: await ece8188([record(data(10), [1])]),
  eceLastIsOneOfTwo: await ece8188([record(data(23), [1]), record(data(5, 23), [1])]),
  eceFirstIsTwo: await ece8188([record(data(23), [2]), record(data(5, 23), [2])]),
  eceAllZero: await ece8188([record([0, 0, 0, 0])]),
  eceLastAllZero: await ece8188([record(data(23), [1]), record([0, 0, 0])]),
  eceEmptyRecord: await ece8188([new Uint8Array(0)]),
  eceDelimiter3: await ece8188([record(data(10), [3])]),
  ecePaddingNotZero: await ece8188([record(data(10), [2, 0, 9])]),
  eceShortFirst: await ece8188([record(data(10), [1]), record(data(5, 10), [2])]),
  eceSwapped: await ece8188([record(data(5, 23), [2]), record(data(23), [1])]),
  pushLastIsOne: await push128([record(secretPlaintext, [1])]),
  pushAllZero: await push128([bytes(40, 0)]),
  pushDelimiter0: await push128([record(secretPlaintext, [0])]),
  aesgcmPadPastEnd: await craftAesgcm([record([0xff, 0xff], secretPlaintext)]),
  aesgcmPadNotZero: await craftAesgcm([record([0, 3, 0, 7, 0], secretPlaintext)]),
  aesgcmOneOctet: await craftAesgcm([Uint8Array.of(0)]),
  aesgcmEmpty: await craftAesgcm([new Uint8Array(0)]),
  aesgcmFullOnly: await craftAesgcm([record([0, 0], data(8))]), // a full rs = 10 record and no last one
}
const rs10 = {
  encoding: 'aesgcm' as const,
  headers: { ...aesgcm.headers, Encryption: `${aesgcm.headers.Encryption};rs=10` },
}
/** aesgcm options with the given rs in the Encryption header. */
const aesgcmRs = (rs: number) => ({
  encoding: 'aesgcm' as const,
  headers: { ...aesgcm.headers, Encryption: `${aesgcm.headers.Encryption};rs=${rs}` },
})
/** RFC 8188 bodies of several records made by `encrypt`, with the sender's key as key id as in RFC 8291 §4. */
const encryptedMany = await Promise.all(
  [18, 25, 40].map(async (rs) => ({
    rs,
    body: await encrypt(secretPlaintext, { key: eceKey, recordSize: rs, keyId: asPublic }),
  })),
)
/** The RFC 8291 body with another rs: its one record is pushBody.length - 86 octets long. */
const pushWithRs = (rs: number): Uint8Array => concat(pushBody.subarray(0, 16), u32(rs), pushBody.subarray(20))

/** Every secret passed anywhere in the table, in the forms a careless message could print it. */
const secretBytes = [eceKey, singleKey, multiKey, uaPrivate, asPrivate, auth, b64(v.ikm), secretPlaintext]
const secretTexts = [
  SECRET_TEXT,
  'SECRET-ECE-KEY16',
  single.plaintext_text,
  v.plaintext_text,
  ...secretBytes.flatMap((s) => [base64urlEncode(s), Buffer.from(s).toString('hex'), Array.from(s).join(',')]),
]

// ---------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------

type PublicFunction =
  | 'base64urlEncode'
  | 'base64urlDecode'
  | 'encrypt'
  | 'decrypt'
  | 'encryptWebPush'
  | 'decryptWebPush'
  | 'maxPlaintextLength'
  | 'useBackend'
const SYNC: ReadonlySet<PublicFunction> = new Set([
  'base64urlEncode',
  'base64urlDecode',
  'maxPlaintextLength',
  'useBackend',
])

interface Row {
  fn: PublicFunction
  what: string
  code: WebPushErrorCode
  call: () => unknown
}
const rows: Row[] = []
const row = (fn: PublicFunction, what: string, code: WebPushErrorCode, call: () => unknown): void => {
  rows.push({ fn, what, code, call })
}
/** The table passes wrong types on purpose: this lets any value through the type checker. */
const untyped = (value: unknown): never => value as never

/** Values of the wrong type for a required bytes-or-string argument. */
const wrongTypes: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['an object', { length: 16 }],
  ['an array of numbers', Array.from(bytes(16))],
  ['an ArrayBuffer', new ArrayBuffer(16)],
  ['a Uint16Array', new Uint16Array(8)],
]
const wrongOptions: Array<[string, unknown]> = [
  ['null', null],
  ['a number', 42],
  ['a string', 'key'],
  ['an array', []],
]

// base64urlEncode
for (const [what, value] of [...wrongTypes, ['a string', 'AQID']] as Array<[string, unknown]>)
  row('base64urlEncode', `bytes: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => base64urlEncode(untyped(value)))

// base64urlDecode
for (const [what, value] of [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['an object', {}],
  ['bytes', bytes(4)],
] as Array<[string, unknown]>)
  row('base64urlDecode', `text: ${what}`, 'ERR_WP_BASE64URL', () => base64urlDecode(untyped(value)))
for (const [what, text] of [
  ['+ (standard base64)', 'ab+c'],
  ['/ (standard base64)', 'ab/c'],
  ['a space inside', 'ab cd'],
  ['a leading space', ' abc'],
  ['a trailing newline', 'abcd\n'],
  ['a tab', 'ab\tc'],
  ['CRLF line breaks', 'abcd\r\nefgh'],
  ['a dot', 'ab.c'],
  ['a non-ASCII letter', 'abcé'],
  ['a percent escape', 'ab%2B'],
  ['5 characters (impossible length)', 'abcde'],
  ['1 character (impossible length)', 'a'],
  ['9 characters (impossible length)', 'abcdefghi'],
  ['= in the middle', 'ab=c'],
  ['= at the start', '=abc'],
  ['= on a length that is not a multiple of 4', 'abcdef='],
  ['padding on a length that needs none', 'abcd===='],
  ['three =', 'a==='],
  ['padding not at the end', 'ab==abcd'],
  ['a lone =', '='],
  ['== alone', '=='],
  ['partial padding', 'ab='],
  ['too much padding', 'abc=='],
  ['a secret with +', 'SECRETSECRET+SECRET'],
] as Array<[string, string]>)
  row('base64urlDecode', `text with ${what}`, 'ERR_WP_BASE64URL', () => base64urlDecode(text))

// encrypt
for (const [what, value] of wrongTypes)
  row('encrypt', `plaintext: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => encrypt(untyped(value), { key: eceKey }))
row('encrypt', 'options: undefined (no key)', 'ERR_WP_INVALID_ARGUMENT', () => encrypt(SECRET_TEXT, untyped(undefined)))
for (const [what, value] of wrongOptions)
  row('encrypt', `options: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => encrypt(SECRET_TEXT, untyped(value)))
for (const [what, value] of wrongTypes)
  row('encrypt', `key: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => encrypt(SECRET_TEXT, { key: untyped(value) }))
row('encrypt', 'salt: null', 'ERR_WP_INVALID_ARGUMENT', () =>
  encrypt(SECRET_TEXT, { key: eceKey, salt: untyped(null) }),
)
row('encrypt', 'salt: a number', 'ERR_WP_INVALID_ARGUMENT', () =>
  encrypt(SECRET_TEXT, { key: eceKey, salt: untyped(16) }),
)
for (const [what, value] of [
  ['17', 17],
  ['0', 0],
  ['-1', -1],
  ['2^32', 2 ** 32],
  ['18.5', 18.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ["'4096'", '4096'],
  ['null', null],
] as Array<[string, unknown]>)
  row('encrypt', `recordSize ${what}`, 'ERR_WP_ECE_RECORD_SIZE', () =>
    encrypt(SECRET_TEXT, { key: eceKey, recordSize: untyped(value) }),
  )
for (const [what, value] of [
  ['-1', -1],
  ['0.5', 0.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ["'1'", '1'],
  ["'max' (Web Push only)", 'max'],
  ['null', null],
  ['an object', {}],
] as Array<[string, unknown]>)
  row('encrypt', `padding ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encrypt(SECRET_TEXT, { key: eceKey, padding: untyped(value) }),
  )
row('encrypt', 'padding 2^53-1 (no body that large)', 'ERR_WP_PAYLOAD_TOO_LARGE', () =>
  encrypt(SECRET_TEXT, { key: eceKey, padding: Number.MAX_SAFE_INTEGER }),
)
row('encrypt', 'padding 2^31 in one record of rs 2^32-1', 'ERR_WP_PAYLOAD_TOO_LARGE', () =>
  encrypt(SECRET_TEXT, { key: eceKey, padding: 2 ** 31, recordSize: 2 ** 32 - 1 }),
)
row('encrypt', 'padding 2^27 at rs 18 (17 octets of overhead per octet)', 'ERR_WP_PAYLOAD_TOO_LARGE', () =>
  encrypt(SECRET_TEXT, { key: eceKey, padding: 2 ** 27, recordSize: 18 }),
)
for (const [what, value] of [
  ['256 bytes', bytes(256)],
  ['256 ASCII characters', 'k'.repeat(256)],
  ['128 two-byte characters (256 bytes of UTF-8)', 'é'.repeat(128)],
  ['a number', 1],
  ['null', null],
  ['an object', {}],
] as Array<[string, unknown]>)
  row('encrypt', `keyId: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encrypt(SECRET_TEXT, { key: eceKey, keyId: untyped(value) }),
  )

// decrypt
for (const [what, value] of [...wrongTypes, ['a string', single.body]] as Array<[string, unknown]>)
  row('decrypt', `body: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => decrypt(untyped(value), { key: singleKey }))
row('decrypt', 'options: undefined', 'ERR_WP_INVALID_ARGUMENT', () => decrypt(singleBody, untyped(undefined)))
for (const [what, value] of [...wrongOptions, ['{} (neither key nor keyLookup)', {}]] as Array<[string, unknown]>)
  row('decrypt', `options: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => decrypt(singleBody, untyped(value)))
row('decrypt', 'key: null (not a reason to look for a keyLookup)', 'ERR_WP_INVALID_ARGUMENT', () =>
  decrypt(singleBody, { key: untyped(null) }),
)
row('decrypt', 'key: undefined', 'ERR_WP_INVALID_ARGUMENT', () => decrypt(singleBody, { key: untyped(undefined) }))
row('decrypt', 'key: a number', 'ERR_WP_INVALID_ARGUMENT', () => decrypt(singleBody, { key: untyped(7) }))
row('decrypt', 'keyLookup: not a function', 'ERR_WP_INVALID_ARGUMENT', () =>
  decrypt(singleBody, { keyLookup: untyped('fn') }),
)
row('decrypt', 'keyLookup returns null', 'ERR_WP_INVALID_ARGUMENT', () =>
  decrypt(singleBody, { keyLookup: () => untyped(null) }),
)
row('decrypt', 'keyLookup returns 15 bytes', 'ERR_WP_KEY_LENGTH', () =>
  decrypt(singleBody, { keyLookup: () => singleKey.subarray(0, 15) }),
)
row('decrypt', 'keyLookup resolves to invalid base64url', 'ERR_WP_BASE64URL', async () =>
  decrypt(multiBody, { keyLookup: async () => `${multi.ikm.slice(0, -1)}+` }),
)
for (const [what, name] of [
  ['delimiter 1 in the last (only) record', 'eceLastIsOne'],
  ['delimiter 1 in the last of two records', 'eceLastIsOneOfTwo'],
  ['delimiter 2 in a record that is not the last', 'eceFirstIsTwo'],
  ['an all-zero record', 'eceAllZero'],
  ['an all-zero last record after a valid one', 'eceLastAllZero'],
  ['an empty record (a tag only)', 'eceEmptyRecord'],
  ['delimiter 3', 'eceDelimiter3'],
  ['non-zero padding after the delimiter', 'ecePaddingNotZero'],
  ['a non-last record shorter than rs', 'eceShortFirst'],
  ['two records swapped', 'eceSwapped'],
] as Array<[string, keyof typeof crafted]>)
  row('decrypt', `crafted: ${what}`, 'ERR_WP_ECE_DECRYPT', () => decrypt(crafted[name], { key: eceKey }))
for (const [label, body, key, idlen] of [
  ['§3.1 body', singleBody, singleKey, 0],
  ['§3.2 body', multiBody, multiKey, 2],
] as Array<[string, Uint8Array, Uint8Array, number]>)
  for (let n = 0; n < body.length; n++)
    row(
      'decrypt',
      `the ${label} truncated to ${n} of ${body.length} bytes`,
      n < 21 + idlen ? 'ERR_WP_ECE_HEADER' : 'ERR_WP_ECE_DECRYPT',
      () => decrypt(body.subarray(0, n), { key }),
    )

// encryptWebPush
for (const [what, value] of wrongTypes)
  row('encryptWebPush', `plaintext: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(untyped(value), subscription),
  )
for (const [what, value] of [...wrongOptions, ['undefined', undefined]] as Array<[string, unknown]>)
  row('encryptWebPush', `keys: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => encryptWebPush(SECRET_TEXT, untyped(value)))
for (const [what, value] of wrongTypes)
  row('encryptWebPush', `p256dh: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, { p256dh: untyped(value), auth }),
  )
for (const [what, value] of wrongTypes)
  row('encryptWebPush', `auth: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, { p256dh: uaPublic, auth: untyped(value) }),
  )
for (const [what, value] of wrongOptions)
  row('encryptWebPush', `options: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, subscription, untyped(value)),
  )
for (const [what, value] of [
  ["'aes256gcm'", 'aes256gcm'],
  ["'AES128GCM'", 'AES128GCM'],
  ["''", ''],
  ['a number', 128],
  ['null', null],
] as Array<[string, unknown]>)
  row('encryptWebPush', `encoding ${what}`, 'ERR_WP_UNSUPPORTED_ENCODING', () =>
    encryptWebPush(SECRET_TEXT, subscription, { encoding: untyped(value) }),
  )
for (const [what, value] of [
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ["'1'", '1'],
  ["'MAX'", 'MAX'],
  ['null', null],
  ['an object', {}],
] as Array<[string, unknown]>)
  row('encryptWebPush', `padding ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, subscription, { padding: untyped(value) }),
  )
row('encryptWebPush', 'salt: null', 'ERR_WP_INVALID_ARGUMENT', () =>
  encryptWebPush(SECRET_TEXT, subscription, { salt: untyped(null) }),
)
for (const [what, value] of [...wrongOptions] as Array<[string, unknown]>)
  row('encryptWebPush', `senderKeys: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, subscription, { senderKeys: untyped(value) }),
  )
for (const [what, value] of [
  ["'toString'", 'toString'],
  ["'__proto__'", '__proto__'],
  ["'nope'", 'nope'],
  ["['node']", ['node']],
  ['a number', 1],
] as Array<[string, unknown]>)
  row('encryptWebPush', `backend ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    encryptWebPush(SECRET_TEXT, subscription, { backend: untyped(value) }),
  )
for (const [what, plaintext, options] of [
  ['3994 bytes (aes128gcm)', bytes(3994), {}],
  ['3994 ASCII characters (aes128gcm)', 'x'.repeat(3994), {}],
  ['1997 two-byte characters: 3994 bytes of UTF-8 (aes128gcm)', 'é'.repeat(1997), {}],
  ['4079 bytes (aesgcm)', bytes(4079), { encoding: 'aesgcm' }],
  ['3993 bytes with 1 byte of padding (aes128gcm)', bytes(3993), { padding: 1 }],
  ['0 bytes with 3994 bytes of padding (aes128gcm)', new Uint8Array(0), { padding: 3994 }],
  ['4078 bytes with 1 byte of padding (aesgcm)', bytes(4078), { encoding: 'aesgcm', padding: 1 }],
  ['0 bytes with 4079 bytes of padding (aesgcm)', new Uint8Array(0), { encoding: 'aesgcm', padding: 4079 }],
  ['10 bytes with 1e300 bytes of padding', bytes(10), { padding: 1e300 }],
] as Array<[string, Uint8Array | string, object]>)
  row('encryptWebPush', `plaintext of ${what}`, 'ERR_WP_PAYLOAD_TOO_LARGE', () =>
    encryptWebPush(plaintext, subscription, options),
  )
row(
  'encryptWebPush',
  'a plaintext too large is refused before the keys are looked at',
  'ERR_WP_PAYLOAD_TOO_LARGE',
  () => encryptWebPush(bytes(3994), untyped(null)),
)

// decryptWebPush
for (const [what, value] of [...wrongTypes, ['a string', v.body]] as Array<[string, unknown]>)
  row('decryptWebPush', `body: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => decryptWebPush(untyped(value), receiver))
for (const [what, value] of [...wrongOptions, ['undefined', undefined]] as Array<[string, unknown]>)
  row('decryptWebPush', `keys: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => decryptWebPush(pushBody, untyped(value)))
for (const field of ['privateKey', 'publicKey', 'auth'] as const)
  for (const [what, value] of wrongTypes)
    row('decryptWebPush', `${field}: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
      decryptWebPush(pushBody, { ...receiver, [field]: untyped(value) }),
    )
for (const [what, value] of wrongOptions)
  row('decryptWebPush', `options: ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    decryptWebPush(pushBody, receiver, untyped(value)),
  )
for (const [what, value] of [
  ["'aes256gcm'", 'aes256gcm'],
  ["'AESGCM'", 'AESGCM'],
  ['null', null],
  ['a number', 1],
] as Array<[string, unknown]>)
  row('decryptWebPush', `encoding ${what}`, 'ERR_WP_UNSUPPORTED_ENCODING', () =>
    decryptWebPush(pushBody, receiver, { encoding: untyped(value) }),
  )
for (const [what, value] of [
  ["'toString'", 'toString'],
  ["'nope'", 'nope'],
] as Array<[string, unknown]>)
  row('decryptWebPush', `backend ${what}`, 'ERR_WP_INVALID_ARGUMENT', () =>
    decryptWebPush(pushBody, receiver, { backend: untyped(value) }),
  )
// aes128gcm bodies of more than one record (RFC 8291 §4), built here; the static bodies are in rfc8291-invalid.json
for (const [what, body, code] of [
  ['crafted: two genuine records', crafted.pushTwo, 'ERR_WP_ECE_RECORD_SIZE'],
  ...encryptedMany.map(
    ({ rs, body }) =>
      [
        `encrypt's body of ${Math.ceil((body.length - 86) / rs)} records at rs ${rs}`,
        body,
        'ERR_WP_ECE_RECORD_SIZE',
      ] as const,
  ),
  ['crafted: delimiter 1 in the only record', crafted.pushLastIsOne, 'ERR_WP_ECE_DECRYPT'],
  ['crafted: an all-zero record', crafted.pushAllZero, 'ERR_WP_ECE_DECRYPT'],
  ['crafted: no delimiter (data then zeros)', crafted.pushDelimiter0, 'ERR_WP_ECE_DECRYPT'],
] as Array<[string, Uint8Array, WebPushErrorCode]>)
  row('decryptWebPush', `aes128gcm with ${what}`, code, () => decryptWebPush(body, receiver))
for (let n = 0; n < pushBody.length; n++)
  row(
    'decryptWebPush',
    `the RFC 8291 body truncated to ${n} of ${pushBody.length} bytes`,
    n < 86 ? 'ERR_WP_ECE_HEADER' : 'ERR_WP_ECE_DECRYPT',
    () => decryptWebPush(pushBody.subarray(0, n), receiver),
  )
for (const [what, name, options] of [
  ['a padding length past the end of the record', 'aesgcmPadPastEnd', aesgcmOptions],
  ['non-zero padding', 'aesgcmPadNotZero', aesgcmOptions],
  ['a one-octet record (no room for the padding length)', 'aesgcmOneOctet', aesgcmOptions],
  ['an empty record (a tag only)', 'aesgcmEmpty', aesgcmOptions],
  ['two records read with the default rs', 'aesgcmTwo', aesgcmOptions],
] as Array<[string, keyof typeof crafted, typeof aesgcmOptions]>)
  row('decryptWebPush', `aesgcm crafted: ${what}`, 'ERR_WP_ECE_DECRYPT', () =>
    decryptWebPush(crafted[name], receiver, options),
  )
// A single record (RFC 8291 §4): at rs 10, a body of 26 octets or more is at least two records.
for (const [what, body] of [
  ['two genuine records (rs=10)', crafted.aesgcmTwo],
  ['a full record and no last one (rs=10)', crafted.aesgcmFullOnly],
  ['the two-record body truncated at its record boundary', crafted.aesgcmTwo.subarray(0, 26)],
  ['the two records swapped', concat(crafted.aesgcmTwo.subarray(26), crafted.aesgcmTwo.subarray(0, 26))],
] as Array<[string, Uint8Array]>)
  row('decryptWebPush', `aesgcm crafted: ${what}`, 'ERR_WP_ECE_RECORD_SIZE', () => decryptWebPush(body, receiver, rs10))
for (let n = 0; n < aesgcm.body.length; n++)
  row('decryptWebPush', `the aesgcm body truncated to ${n} of ${aesgcm.body.length} bytes`, 'ERR_WP_ECE_DECRYPT', () =>
    decryptWebPush(aesgcm.body.subarray(0, n), receiver, aesgcmOptions),
  )

// maxPlaintextLength
for (const [what, value] of [
  ["'aes256gcm'", 'aes256gcm'],
  ["''", ''],
  ["'AESGCM'", 'AESGCM'],
  ['a number', 4096],
  ['null', null],
  ['an object', {}],
] as Array<[string, unknown]>)
  row('maxPlaintextLength', `encoding ${what}`, 'ERR_WP_UNSUPPORTED_ENCODING', () => maxPlaintextLength(untyped(value)))
for (const [what, value] of [
  ['17', 17],
  ['0', 0],
  ['-1', -1],
  ['18.5', 18.5],
  ['NaN', Number.NaN],
  ["'4096'", '4096'],
  ['null', null],
] as Array<[string, unknown]>)
  row('maxPlaintextLength', `aes128gcm with record size ${what}`, 'ERR_WP_ECE_RECORD_SIZE', () =>
    maxPlaintextLength('aes128gcm', untyped(value)),
  )
row('maxPlaintextLength', 'aesgcm with record size 2', 'ERR_WP_ECE_RECORD_SIZE', () => maxPlaintextLength('aesgcm', 2))

// useBackend
for (const [what, value] of [
  ["'nope'", 'nope'],
  ["''", ''],
  ["'NODE'", 'NODE'],
  ["'toString' (an Object.prototype key)", 'toString'],
  ["'__proto__'", '__proto__'],
  ["'constructor'", 'constructor'],
  ["'hasOwnProperty'", 'hasOwnProperty'],
  ["['node'] (an array that stringifies to a name)", ['node']],
  ['null', null],
  ['undefined', undefined],
  ['a number', 0],
  ['an object', {}],
] as Array<[string, unknown]>)
  row('useBackend', `name ${what}`, 'ERR_WP_INVALID_ARGUMENT', () => useBackend(untyped(value)))

// ---------------------------------------------------------------------------------------------
// The rows kept as data: test/vectors/rfc8188-invalid.json and rfc8291-invalid.json.
// ---------------------------------------------------------------------------------------------

/** One test of an `*-invalid.json` file (Wycheproof's shape: tcId, comment, result, and our code). */
interface InvalidTest {
  tcId: number
  comment: string
  result: string
  code: string
  /** Pass the keys, salts and secrets as their base64url text instead of decoding them (bodies are always bytes). */
  asText?: boolean
  [field: string]: unknown
}
interface InvalidFile {
  testGroups: Array<{ type: string; encoding?: string; tests: InvalidTest[] }>
}
const invalidFiles = { 'rfc8188-invalid': v8188Invalid, 'rfc8291-invalid': v8291Invalid } as Record<string, InvalidFile>
/** The aesgcm message rfc8291-invalid.json alters (its body, headers and plaintext). */
const aesgcmVector = v8291Invalid.aesgcm
/** A key, salt or secret of a test: bytes, or the text itself when the test says `asText`; absent stays absent. */
const binary = (t: InvalidTest, field: string): unknown => {
  const text = t[field]
  if (typeof text !== 'string') return text
  return t.asText === true ? text : b64(text)
}
/** The receiver of rfc8291.json with the key fields a test overrides. */
const receiverOf = (t: InvalidTest) => ({
  privateKey: 'privateKey' in t ? binary(t, 'privateKey') : uaPrivate,
  publicKey: 'publicKey' in t ? binary(t, 'publicKey') : uaPublic,
  auth: 'auth' in t ? binary(t, 'auth') : auth,
})

let invalidRows = 0
for (const [file, { testGroups }] of Object.entries(invalidFiles))
  for (const group of testGroups)
    for (const t of group.tests) {
      const code = t.code as WebPushErrorCode
      /** `prefix` names the argument where the comment alone does not (`p256dh`, `publicKey`, `aesgcm with`). */
      const add = (fn: PublicFunction, call: () => unknown, prefix = ''): void => {
        invalidRows++
        row(fn, `${prefix}${t.comment} [${file} #${t.tcId}]`, code, call)
      }
      switch (`${group.type}${group.encoding ?? ''}`) {
        case 'Decrypt':
          add('decrypt', () => decrypt(b64(t.body as string), { key: untyped(binary(t, 'key')) }))
          break
        case 'Encrypt':
          add('encrypt', () =>
            encrypt(
              SECRET_TEXT,
              untyped({ key: binary(t, 'key'), ...('salt' in t ? { salt: binary(t, 'salt') } : {}) }),
            ),
          )
          break
        case 'ReceiverPublicKey':
          add(
            'encryptWebPush',
            () => encryptWebPush(SECRET_TEXT, { p256dh: untyped(binary(t, 'key')), auth }),
            'p256dh ',
          )
          add(
            'decryptWebPush',
            () => decryptWebPush(pushBody, { ...receiver, publicKey: untyped(binary(t, 'key')) }),
            'publicKey ',
          )
          break
        case 'AuthSecret':
          add('encryptWebPush', () =>
            encryptWebPush(SECRET_TEXT, { p256dh: uaPublic, auth: untyped(binary(t, 'auth')) }),
          )
          add('decryptWebPush', () => decryptWebPush(pushBody, { ...receiver, auth: untyped(binary(t, 'auth')) }))
          break
        case 'EncryptWebPush': {
          const sender = t.senderKeys as { privateKey?: string; publicKey?: string } | undefined
          const options = {
            ...('salt' in t ? { salt: binary(t, 'salt') } : {}),
            ...(sender === undefined
              ? {}
              : {
                  senderKeys: {
                    privateKey: binary(sender as InvalidTest, 'privateKey'),
                    publicKey: binary(sender as InvalidTest, 'publicKey'),
                  },
                }),
          }
          add('encryptWebPush', () => encryptWebPush(SECRET_TEXT, subscription, untyped(options)))
          break
        }
        case 'DecryptWebPushaes128gcm':
          add(
            'decryptWebPush',
            () => decryptWebPush('body' in t ? b64(t.body as string) : pushBody, untyped(receiverOf(t))),
            'aes128gcm with ',
          )
          break
        case 'DecryptWebPushaesgcm':
          add(
            'decryptWebPush',
            () =>
              decryptWebPush(b64('body' in t ? (t.body as string) : aesgcmVector.body), untyped(receiverOf(t)), {
                encoding: 'aesgcm',
                headers: untyped(t.headers),
              }),
            'aesgcm with ',
          )
          break
        default:
          throw new Error(`${file}: unknown test group ${group.type}`)
      }
    }

// ---------------------------------------------------------------------------------------------
// Running it.
// ---------------------------------------------------------------------------------------------

/** Calls `row` the way its function is meant to fail: a synchronous throw, or a returned promise that rejects. */
async function failure(r: Row): Promise<unknown> {
  if (SYNC.has(r.fn)) {
    let result: unknown
    try {
      result = r.call()
    } catch (err) {
      return err
    }
    throw new Error(`${r.fn} returned ${String(result)} instead of throwing`)
  }
  let promise: unknown
  try {
    promise = r.call()
  } catch (err) {
    throw new Error(`${r.fn} threw synchronously instead of rejecting: ${String(err)}`)
  }
  expect(promise).toBeInstanceOf(Promise)
  try {
    const result = await promise
    throw new Error(`${r.fn} resolved with ${result instanceof Uint8Array ? `${result.length} bytes` : String(result)}`)
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(`${r.fn} resolved`)) throw err
    return err
  }
}

describe('the invalid-input vectors', () => {
  it('are well formed: unique tcIds, result "invalid", a code, and every test made into a row', () => {
    let tests = 0
    for (const [file, { testGroups }] of Object.entries(invalidFiles)) {
      const ids = testGroups.flatMap((g) => g.tests.map((t) => t.tcId))
      expect(new Set(ids).size, file).toBe(ids.length)
      for (const group of testGroups)
        for (const t of group.tests) {
          expect(t.result, `${file} #${t.tcId}`).toBe('invalid')
          expect(t.code, `${file} #${t.tcId}`).toMatch(/^ERR_WP_[A-Z0-9_]+$/)
          expect(t.comment.length, `${file} #${t.tcId}`).toBeGreaterThan(0)
          // The receiver's public key and the auth secret are tried on both encryptWebPush and decryptWebPush.
          tests += group.type === 'ReceiverPublicKey' || group.type === 'AuthSecret' ? 2 : 1
        }
    }
    expect(invalidRows).toBe(tests)
    expect(tests).toBeGreaterThan(100)
  })
})

describe.each(backends)('bad inputs on the %s backend', (name) => {
  withBackend(name)
  afterEach(() => useBackend(name)) // a useBackend row that wrongly succeeded must not leak into the next
  const decryptMessages = new Set<string>()

  it.each(rows.map((r) => [`${r.fn}: ${r.what} → ${r.code}`, r] as const))('%s', async (_title, r) => {
    const err = await failure(r)
    expect(WebPushError.is(err), `not a WebPushError: ${String(err)}`).toBe(true)
    expect(err).toBeInstanceOf(WebPushError)
    const e = err as WebPushError
    expect(e.name).toBe('WebPushError')
    expect(e.code).toBe(r.code)
    for (const secret of secretTexts) expect(e.message).not.toContain(secret)
    if (e.code === 'ERR_WP_ECE_DECRYPT') decryptMessages.add(e.message)
  })

  it('every decryption failure above had one and the same message', () => {
    expect(decryptMessages.size).toBe(1)
  })
})

describe.each(backends)('controls for the table on the %s backend', (name) => {
  withBackend(name)

  it('the bodies the table truncates and alters decrypt when left whole', async () => {
    expect(await decrypt(singleBody, { key: singleKey })).toEqual(utf8(single.plaintext_text))
    expect(await decrypt(multiBody, { key: multiKey })).toEqual(utf8(multi.plaintext_text))
    expect(await decryptWebPush(pushBody, receiver)).toEqual(utf8(v.plaintext_text))
    expect(await decryptWebPush(aesgcm.body, receiver, aesgcmOptions)).toEqual(secretPlaintext)
  })

  it('the aesgcm message of rfc8291-invalid.json is the one encryptWebPush makes here, and decrypts', async () => {
    expect(b64(aesgcmVector.body)).toEqual(aesgcm.body)
    expect(aesgcmVector.headers).toEqual(aesgcm.headers)
    expect(aesgcmVector.plaintext_text).toBe(SECRET_TEXT)
    const options = { encoding: 'aesgcm' as const, headers: aesgcmVector.headers }
    expect(await decryptWebPush(b64(aesgcmVector.body), receiver, options)).toEqual(secretPlaintext)
  })

  it('the crafting is right: the same construction with valid delimiters and padding decrypts', async () => {
    expect(await decrypt(crafted.eceOne, { key: eceKey })).toEqual(data(10))
    expect(await decrypt(crafted.eceTwo, { key: eceKey })).toEqual(data(28))
    expect(await decryptWebPush(crafted.pushGood, receiver)).toEqual(secretPlaintext)
    expect(await decryptWebPush(crafted.aesgcmGood, receiver, aesgcmOptions)).toEqual(secretPlaintext)
  })

  it('the multi-record bodies the table refuses are genuine: http_ece decrypts them', () => {
    // So that they are refused for having several records (RFC 8291 §4), not for anything else.
    const ua = createECDH('prime256v1')
    ua.setPrivateKey(uaPrivate)
    const params = { privateKey: ua, authSecret: Buffer.from(auth) }
    expect(new Uint8Array(ece.decrypt(Buffer.from(crafted.pushTwo), { version: 'aes128gcm', ...params }))).toEqual(
      data(28),
    )
    const aesgcmParams = { version: 'aesgcm' as const, ...params, dh: Buffer.from(asPublic), salt: Buffer.from(salt) }
    expect(new Uint8Array(ece.decrypt(Buffer.from(crafted.aesgcmTwo), { ...aesgcmParams, rs: 10 }))).toEqual(data(11))
  })

  it('one record exactly as long as rs allows still decrypts (the single-record rule is not off by one)', async () => {
    // aes128gcm: the record may be rs octets long; aesgcm: at most rs + 15 (less than rs of plaintext).
    expect(await decryptWebPush(pushWithRs(pushBody.length - 86), receiver)).toEqual(utf8(v.plaintext_text))
    expect(await decryptWebPush(aesgcm.body, receiver, aesgcmRs(aesgcm.body.length - TAG + 1))).toEqual(secretPlaintext)
  })

  it('refuses a multi-record body before any crypto: no ECDH, HKDF, HMAC or AES call', async () => {
    // node and noble run the computation on their synchronous form: spy on both forms.
    const targets: object[] = [backendByName(name), ...(name === 'webcrypto' ? [] : [syncBackendByName(name)])]
    const methods = ['ecdh', 'ephemeralEcdh', 'hkdf', 'hmacSha256', 'importAesKey', 'aesGcmDecrypt'] as const
    const spies = targets.flatMap((backend) =>
      methods.map((method) => vi.spyOn(backend as Record<(typeof methods)[number], () => unknown>, method)),
    )
    try {
      for (const [body, options] of [
        [crafted.pushTwo, undefined],
        [(encryptedMany[0] as { body: Uint8Array }).body, undefined],
        [crafted.aesgcmTwo, rs10],
      ] as Array<[Uint8Array, typeof rs10 | undefined]>) {
        const err = await decryptWebPush(body, receiver, options).catch((e: unknown) => e)
        expect(WebPushError.is(err) && err.code).toBe('ERR_WP_ECE_RECORD_SIZE')
      }
      for (const spy of spies) expect(spy).not.toHaveBeenCalled()
      // The spies see calls: the same receiver decrypting a single record makes them.
      await decryptWebPush(pushBody, receiver)
      expect(spies.some((spy) => spy.mock.calls.length > 0)).toBe(true)
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })

  it('the key pairs the table treats as mismatched or foreign are valid ones', async () => {
    // So that the rows above fail for the reason they name, not another.
    const pushed = await encryptWebPush('x', subscription, {
      senderKeys: { privateKey: asPrivate, publicKey: asPublic },
    })
    expect(await decryptWebPush(pushed.body, receiver)).toEqual(utf8('x'))
  })
})
