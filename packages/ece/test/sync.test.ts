/**
 * The synchronous API: `encryptWebPushSync` and `encryptWebPushMultiRecordSync` on the synchronous
 * backends (node:crypto and noble), never WebCrypto. RFC 8291 Appendix A and the RFC 8188 §3 examples
 * through the one record and derivation code run synchronously, the same bytes and errors as
 * `encryptWebPush`, and http_ece (the reference implementation) decrypting what it makes.
 */
import { createECDH, randomBytes } from 'node:crypto'
import ece from 'http_ece'
import { afterEach, describe, expect, it, vi } from 'vitest'
import webpush from 'web-push'
import { getSyncBackend, type SyncBackendName, syncBackendByName } from '../src/backend.js'
import {
  type BackendName,
  decryptWebPush,
  type EncryptedPush,
  encryptWebPush,
  encryptWebPushSync,
  useBackend,
  WebPushError,
} from '../src/index.js'
import { contentKeys, webPushIkm } from '../src/internal/derive.js'
import { openRecords, readHeader, sealRecords } from '../src/internal/records.js'
import { runSync } from '../src/internal/steps.js'
import { encryptWebPushMultiRecordSync } from '../src/utils.js'
import { b64, pattern, utf8 } from './helpers.js'
import rfc8188 from './vectors/rfc8188.json' with { type: 'json' }
import v from './vectors/rfc8291.json' with { type: 'json' }
import invalid from './vectors/rfc8291-invalid.json' with { type: 'json' }

const syncBackends: SyncBackendName[] = ['node', 'noble']
const vectorOptions = { salt: v.salt, senderKeys: { privateKey: v.as_private, publicKey: v.as_public } }
const subscriptionKeys = { p256dh: v.ua_public, auth: v.auth_secret }

/** A receiver made by node:crypto, as http_ece and web-push users make one. */
function nodeReceiver() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const scalar = ecdh.getPrivateKey()
  const privateKey = new Uint8Array(32)
  privateKey.set(scalar, 32 - scalar.length)
  return { ecdh, privateKey, publicKey: new Uint8Array(ecdh.getPublicKey()), auth: new Uint8Array(randomBytes(16)) }
}

/** http_ece's decryption of one of our messages, as a browser's push stack would read it. */
function httpEceDecrypt(pushed: EncryptedPush, receiver: ReturnType<typeof nodeReceiver>): Uint8Array {
  const params = { privateKey: receiver.ecdh, authSecret: Buffer.from(receiver.auth) }
  const body = Buffer.from(pushed.body)
  return new Uint8Array(
    pushed.encoding === 'aes128gcm'
      ? ece.decrypt(body, { version: 'aes128gcm', ...params })
      : ece.decrypt(body, {
          version: 'aesgcm',
          ...params,
          dh: Buffer.from(pushed.senderPublicKey),
          salt: Buffer.from(pushed.salt),
        }),
  )
}

/** What `run` throws, checked to be a WebPushError. */
function thrown(run: () => unknown): WebPushError {
  try {
    run()
  } catch (error) {
    expect(WebPushError.is(error), String(error)).toBe(true)
    return error as WebPushError
  }
  throw new Error('expected a throw')
}

afterEach(() => {
  useBackend('node')
  vi.restoreAllMocks()
})

describe.each(syncBackends)('the synchronous %s backend', (name) => {
  const backend = syncBackendByName(name)

  it('RFC 8291 Appendix A: ECDH, IKM, CEK, NONCE and the exact body, synchronously', () => {
    const ua = b64(v.ua_public)
    const as = b64(v.as_public)
    const secret = backend.ecdh({ privateKey: b64(v.as_private), publicKey: as }, ua)
    expect(secret).toEqual(b64(v.ecdh_secret))
    const ikm = runSync(webPushIkm(backend, 'aes128gcm', b64(v.auth_secret), secret, ua, as))
    expect(ikm).toEqual(b64(v.ikm))
    const keys = runSync(contentKeys(backend, 'aes128gcm', b64(v.salt), ikm))
    expect(keys.cek).toEqual(b64(v.cek))
    expect(keys.nonce).toEqual(b64(v.nonce))

    const pushed = encryptWebPushSync(b64(v.plaintext), subscriptionKeys, { ...vectorOptions, backend: name })
    expect(pushed).not.toBeInstanceOf(Promise)
    expect(pushed.body).toEqual(b64(v.body))
    expect(pushed.body.subarray(0, b64(v.header).length)).toEqual(b64(v.header))
    expect(pushed).toMatchObject({ encoding: 'aes128gcm', headers: {} })
    expect(pushed.salt).toEqual(b64(v.salt))
    expect(pushed.senderPublicKey).toEqual(as)
  })

  it('RFC 8188 §3.1 and §3.2: the records, sealed and opened synchronously, byte for byte', () => {
    for (const example of rfc8188.examples) {
      const body = b64(example.body)
      const header = readHeader(body)
      const keyId = utf8(example.keyid_text)
      expect(header.keyId).toEqual(keyId)
      const sealed = runSync(
        sealRecords(backend, utf8(example.plaintext_text), {
          ikm: b64(example.ikm),
          salt: header.salt,
          recordSize: example.record_size,
          keyId,
          // §3.2's first record carries one octet of padding.
          padding: example.record_size === 25 ? 1 : 0,
        }),
      )
      expect(sealed, example.section).toEqual(body)
      expect(runSync(openRecords(backend, body, header, b64(example.ikm))), example.section).toEqual(
        utf8(example.plaintext_text),
      )
    }
  })

  it('the same bytes as encryptWebPush on every async backend, both encodings, every length and padding', async () => {
    const receiver = nodeReceiver()
    const keys = { p256dh: receiver.publicKey, auth: receiver.auth }
    const sender = nodeReceiver()
    const fixed = { salt: randomBytes(16), senderKeys: { privateKey: sender.privateKey, publicKey: sender.publicKey } }
    const cases: Array<[ContentEncodingName, number, number | 'max']> = []
    for (const [encoding, max] of [
      ['aes128gcm', 3993],
      ['aesgcm', 4078],
    ] as const)
      for (const length of [0, 1, 15, 16, 17, 1000, max - 1, max])
        for (const padding of [0, 1, 'max'] as const)
          if (length + (padding === 1 ? 1 : 0) <= max) cases.push([encoding, length, padding])
    for (const [encoding, length, padding] of cases) {
      const plaintext = pattern(length, length + 1)
      const options = { ...fixed, encoding, padding }
      const sync = encryptWebPushSync(plaintext, keys, { ...options, backend: name })
      for (const asyncName of ['node', 'webcrypto', 'noble'] as BackendName[])
        expect(
          await encryptWebPush(plaintext, keys, { ...options, backend: asyncName }),
          `${encoding} ${length} ${padding} ${asyncName}`,
        ).toEqual(sync)
    }
    expect(cases.length).toBeGreaterThan(40)
  })

  it.each(['aes128gcm', 'aesgcm'] as const)(
    'http_ece decrypts what it makes, %s, fresh keys every message',
    (encoding) => {
      const receiver = nodeReceiver()
      const keys = { p256dh: receiver.publicKey, auth: receiver.auth }
      const max = encoding === 'aes128gcm' ? 3993 : 4078
      const senders = new Set<string>()
      let made = 0
      for (const length of [0, 1, 2, 15, 16, 17, 100, 1000, 3000, max - 1, max]) {
        for (const padding of [0, 7, 'max'] as const) {
          if (padding === 7 && length + 7 > max) continue
          const plaintext = pattern(length, 3 * length + 11)
          const pushed = encryptWebPushSync(plaintext, keys, { encoding, padding, backend: name })
          expect(pushed.body.length).toBeLessThanOrEqual(4096)
          expect(httpEceDecrypt(pushed, receiver), `${length} + ${padding}`).toEqual(plaintext)
          senders.add(Buffer.from(pushed.senderPublicKey).toString('hex'))
          senders.add(Buffer.from(pushed.salt).toString('hex'))
          made++
        }
      }
      // A fresh sender key and salt for every message.
      expect(made).toBe(31)
      expect(senders.size).toBe(2 * made)
    },
  )

  it('our own decryptWebPush reads it too, on every backend', async () => {
    const receiver = nodeReceiver()
    for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
      const pushed = encryptWebPushSync(
        'Hi from a synchronous caller',
        { p256dh: receiver.publicKey, auth: receiver.auth },
        { encoding, backend: name },
      )
      for (const backendName of ['node', 'webcrypto', 'noble'] as BackendName[])
        expect(
          await decryptWebPush(pushed.body, receiver, { encoding, headers: pushed.headers, backend: backendName }),
        ).toEqual(utf8('Hi from a synchronous caller'))
    }
  })
})

type ContentEncodingName = 'aes128gcm' | 'aesgcm'

describe('which backend it runs on', () => {
  it('never WebCrypto: no crypto.subtle call, even when WebCrypto is the default', () => {
    const subtle = globalThis.crypto.subtle
    const spies = (['importKey', 'deriveBits', 'sign', 'encrypt', 'generateKey', 'exportKey'] as const).map((m) =>
      vi.spyOn(subtle, m),
    )
    useBackend('webcrypto')
    expect(getSyncBackend().name).toBe('node')
    const receiver = nodeReceiver()
    for (const encoding of ['aes128gcm', 'aesgcm'] as const)
      expect(
        httpEceDecrypt(
          encryptWebPushSync('x', { p256dh: receiver.publicKey, auth: receiver.auth }, { encoding }),
          receiver,
        ),
      ).toEqual(utf8('x'))
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
  })

  it('the default backend when it is synchronous, the one named by the backend option otherwise', () => {
    const calls = (name: SyncBackendName) => vi.spyOn(syncBackendByName(name), 'ephemeralEcdh')
    const node = calls('node')
    const noble = calls('noble')
    encryptWebPushSync('x', subscriptionKeys)
    expect([node.mock.calls.length, noble.mock.calls.length]).toEqual([1, 0])
    useBackend('noble')
    encryptWebPushSync('x', subscriptionKeys)
    expect([node.mock.calls.length, noble.mock.calls.length]).toEqual([1, 1])
    encryptWebPushSync('x', subscriptionKeys, { backend: 'node' })
    expect([node.mock.calls.length, noble.mock.calls.length]).toEqual([2, 1])
  })

  it("refuses backend: 'webcrypto' (asynchronous) before any work, and names the synchronous ones", () => {
    const error = thrown(() => encryptWebPushSync('x', subscriptionKeys, { backend: 'webcrypto' }))
    expect(error.code).toBe('ERR_WP_BACKEND_UNAVAILABLE')
    expect(error.message).toContain("'node' or 'noble'")
    expect(thrown(() => encryptWebPushSync('x', subscriptionKeys, { backend: 'rsa' as never })).code).toBe(
      'ERR_WP_INVALID_ARGUMENT',
    )
  })
})

describe('the same errors as encryptWebPush', () => {
  const cases: Array<[string, unknown[]]> = [
    ['plaintext: a number', [42, subscriptionKeys]],
    ['keys: null', ['x', null]],
    ['p256dh: missing', ['x', { auth: v.auth_secret }]],
    ['p256dh: standard base64', ['x', { p256dh: `${v.ua_public.slice(0, -2)}+/`, auth: v.auth_secret }]],
    ['auth: 12 bytes', ['x', { p256dh: v.ua_public, auth: randomBytes(12) }]],
    ['auth: 17 bytes', ['x', { p256dh: v.ua_public, auth: randomBytes(17) }]],
    ['encoding: gzip', ['x', subscriptionKeys, { encoding: 'gzip' }]],
    ['padding: -1', ['x', subscriptionKeys, { padding: -1 }]],
    ['3994 bytes of aes128gcm', [new Uint8Array(3994), subscriptionKeys]],
    ['4079 bytes of aesgcm', [new Uint8Array(4079), subscriptionKeys, { encoding: 'aesgcm' }]],
    ['3000 bytes with 1000 of padding', [new Uint8Array(3000), subscriptionKeys, { padding: 1000 }]],
    ['salt: 15 bytes', ['x', subscriptionKeys, { salt: randomBytes(15) }]],
    [
      'senderKeys: mismatched',
      ['x', subscriptionKeys, { senderKeys: { privateKey: v.ua_private, publicKey: v.as_public } }],
    ],
    [
      'senderKeys: a zero scalar',
      ['x', subscriptionKeys, { senderKeys: { privateKey: new Uint8Array(32), publicKey: v.as_public } }],
    ],
    ['options: a string', ['x', subscriptionKeys, 'aesgcm']],
  ]
  // And every receiver key and auth secret the invalid-input vectors hold.
  for (const group of invalid.testGroups)
    for (const t of group.tests as Array<Record<string, unknown>>) {
      const value = (field: string) => (t.asText === true ? t[field] : b64(t[field] as string))
      if (group.type === 'ReceiverPublicKey')
        cases.push([`p256dh ${t.comment}`, ['x', { p256dh: value('key'), auth: v.auth_secret }]])
      if (group.type === 'AuthSecret')
        cases.push([`auth ${t.comment}`, ['x', { p256dh: v.ua_public, auth: value('auth') }]])
    }

  it.each(cases)('%s', async (_what, args) => {
    const asynchronous = await (encryptWebPush as (...a: unknown[]) => Promise<unknown>)(...args).catch(
      (e: unknown) => e,
    )
    expect(WebPushError.is(asynchronous)).toBe(true)
    const synchronous = thrown(() => (encryptWebPushSync as (...a: unknown[]) => unknown)(...args))
    expect({ code: synchronous.code, message: synchronous.message }).toEqual({
      code: (asynchronous as WebPushError).code,
      message: (asynchronous as WebPushError).message,
    })
  })

  it('covers the vector files', () => {
    expect(cases.length).toBeGreaterThan(30)
  })
})

describe('encryptWebPushMultiRecordSync: web-push 3.6’s records', () => {
  it.each(syncBackends)('a message of one record is byte for byte encryptWebPushSync’s (%s)', (name) => {
    for (const encoding of ['aes128gcm', 'aesgcm'] as const)
      for (const length of [0, 1, 3993]) {
        const options = { ...vectorOptions, encoding, backend: name }
        const plaintext = pattern(length)
        expect(encryptWebPushMultiRecordSync(plaintext, subscriptionKeys, options)).toEqual(
          encryptWebPushSync(plaintext, subscriptionKeys, options),
        )
      }
  })

  it('refuses padding (web-push pads nothing) rather than ignore it', () => {
    for (const padding of [0, 10, 'max'])
      expect(() =>
        encryptWebPushMultiRecordSync('x', subscriptionKeys, { padding } as unknown as Record<string, never>),
      ).toThrow(
        expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT', message: expect.stringMatching(/^padding/) }),
      )
  })

  for (const encoding of ['aes128gcm', 'aesgcm'] as const)
    it(`${encoding}: as many 4096-byte records as web-push writes, each decrypted by http_ece`, () => {
      const receiver = nodeReceiver()
      const keys = {
        p256dh: Buffer.from(receiver.publicKey).toString('base64url'),
        auth: Buffer.from(receiver.auth).toString('base64url'),
      }
      for (const name of syncBackends)
        for (const length of [3993, 3994, 4078, 4079, 4093, 4094, 4095, 8158, 8188, 9000, 20000]) {
          const plaintext = pattern(length, length)
          const ours = encryptWebPushMultiRecordSync(plaintext, keys, { encoding, backend: name })
          const theirs = webpush.encrypt(keys.p256dh, keys.auth, Buffer.from(plaintext), encoding)
          expect(ours.body.length, `${name} ${length}`).toBe(theirs.cipherText.length)
          expect(httpEceDecrypt(ours, receiver), `${name} ${length}`).toEqual(plaintext)
        }
    })

  it('takes an auth secret longer than 16 bytes, as web-push does, and refuses a shorter one', () => {
    const receiver = nodeReceiver()
    const auth = new Uint8Array(randomBytes(24))
    for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
      const pushed = encryptWebPushMultiRecordSync('long auth', { p256dh: receiver.publicKey, auth }, { encoding })
      expect(httpEceDecrypt(pushed, { ...receiver, auth })).toEqual(utf8('long auth'))
    }
    const error = thrown(() =>
      encryptWebPushMultiRecordSync('x', { p256dh: receiver.publicKey, auth: auth.subarray(0, 15) }),
    )
    expect(error.code).toBe('ERR_WP_KEY_LENGTH')
    expect(error.message).toBe('auth must be at least 16 bytes, got 15')
    // encryptWebPushSync keeps RFC 8291 §3.2's exactly 16 bytes.
    expect(thrown(() => encryptWebPushSync('x', { p256dh: receiver.publicKey, auth })).code).toBe('ERR_WP_KEY_LENGTH')
  })
})
