/**
 * Property tests (fast-check): round trips for random plaintexts, record sizes and paddings, body
 * lengths exactly as predicted, and a fresh salt and sender key for every message. fast-check prints
 * the seed and the shrunk counterexample of any failure.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type BackendName,
  base64urlEncode,
  decrypt,
  decryptWebPush,
  encrypt,
  encryptWebPush,
  generateSubscriptionKeys,
  maxPlaintextLength,
} from '../src/index.js'
import { publicKeyOf } from '../src/keys.js'
import { backends, withBackend } from './helpers.js'

/** Runs per property: noble does P-256 in pure JS, about 25 times slower than node:crypto. */
const RUNS: Record<BackendName, number> = { node: 100, webcrypto: 60, noble: 25 }
/** Key generations checked per backend: node's 31-byte scalars came one in 256, so many draws. */
const KEYGENS: Record<BackendName, number> = { node: 2000, webcrypto: 300, noble: 100 }

const TAG = 16
/** RFC 8188 §2.1: salt (16) || rs (4) || idlen (1) || keyid. */
const header = (idlen: number): number => 21 + idlen

/** The body {@link encrypt} must produce: records of rs octets but the last, each with a delimiter and a tag. */
function predictedLength(plaintext: number, padding: number, rs: number, idlen: number): number {
  const content = plaintext + padding
  const records = Math.max(1, Math.ceil(content / (rs - TAG - 1)))
  return header(idlen) + content + records * (TAG + 1)
}

const readRs = (body: Uint8Array): number => new DataView(body.buffer, body.byteOffset).getUint32(16)

describe.each(backends)('properties on the %s backend', (name) => {
  withBackend(name)
  const numRuns = RUNS[name]

  it('encrypt/decrypt: any plaintext, record size, padding and key id round-trips, at the predicted length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        // Small record sizes (many records) as often as the rest of the range.
        fc.oneof(fc.integer({ min: 18, max: 40 }), fc.integer({ min: 18, max: 5000 })),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 })),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.option(fc.uint8Array({ minLength: 0, maxLength: 255 }), { nil: undefined }),
        async (plaintext, recordSize, padding, key, keyId) => {
          const body = await encrypt(plaintext, {
            key,
            recordSize,
            padding,
            ...(keyId === undefined ? {} : { keyId }),
          })
          const idlen = keyId?.length ?? 0
          expect(body.length).toBe(predictedLength(plaintext.length, padding, recordSize, idlen))
          expect(readRs(body)).toBe(recordSize)
          expect(body[20]).toBe(idlen)
          expect(body.subarray(21, 21 + idlen)).toEqual(keyId ?? new Uint8Array(0))
          expect(await decrypt(body, { key })).toEqual(plaintext)
        },
      ),
      { numRuns },
    )
  })

  it('encrypt: records line up on rs (the last holds 17 to rs octets; read with rs + 1 they no longer decrypt)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.integer({ min: 18, max: 60 }),
        fc.integer({ min: 0, max: 200 }),
        async (plaintext, recordSize, padding) => {
          const key = new Uint8Array(16).fill(7)
          const body = await encrypt(plaintext, { key, recordSize, padding })
          const records = Math.ceil((body.length - 21) / recordSize)
          const last = body.length - 21 - (records - 1) * recordSize
          expect(last).toBeGreaterThanOrEqual(TAG + 1)
          expect(last).toBeLessThanOrEqual(recordSize)
          if (records > 1) {
            // The same records read with rs one octet off no longer line up.
            const shifted = body.slice()
            new DataView(shifted.buffer).setUint32(16, recordSize + 1)
            await expect(decrypt(shifted, { key })).rejects.toMatchObject({ code: 'ERR_WP_ECE_DECRYPT' })
          }
        },
      ),
      { numRuns },
    )
  })

  it('encryptWebPush/decryptWebPush: any plaintext and padding (including max) round-trips in both encodings', async () => {
    const receiver = await generateSubscriptionKeys()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('aes128gcm' as const, 'aesgcm' as const),
        fc.uint8Array({ minLength: 0, maxLength: 4078 }),
        fc.oneof(fc.constant('max' as const), fc.constant(0), fc.nat()),
        async (encoding, data, paddingSeed) => {
          const max = maxPlaintextLength(encoding)
          const plaintext = data.subarray(0, max)
          const padding = typeof paddingSeed === 'number' ? paddingSeed % (max - plaintext.length + 1) : paddingSeed
          const pushed = await encryptWebPush(
            plaintext,
            { p256dh: receiver.publicKey, auth: receiver.auth },
            { encoding, padding },
          )
          const pad = padding === 'max' ? max - plaintext.length : padding
          // aes128gcm: 86-byte header (salt, rs, idlen, 65-byte key) + data + delimiter + padding + tag.
          // aesgcm: uint16 padding length + padding + data + tag; salt and key travel in headers.
          expect(pushed.body.length).toBe(
            encoding === 'aes128gcm' ? 86 + plaintext.length + pad + 1 + TAG : 2 + pad + plaintext.length + TAG,
          )
          if (padding === 'max') expect(pushed.body.length).toBe(4096)
          expect(pushed.encoding).toBe(encoding)
          if (encoding === 'aes128gcm') {
            expect(pushed.headers).toEqual({})
            expect(pushed.body.subarray(0, 16)).toEqual(pushed.salt)
            expect(readRs(pushed.body)).toBe(4096)
            expect(pushed.body[20]).toBe(65)
            expect(pushed.body.subarray(21, 86)).toEqual(pushed.senderPublicKey)
          } else {
            expect(pushed.headers).toEqual({
              Encryption: `salt=${base64urlEncode(pushed.salt)}`,
              'Crypto-Key': `dh=${base64urlEncode(pushed.senderPublicKey)}`,
            })
          }
          const out = await decryptWebPush(pushed.body, receiver, { encoding, headers: pushed.headers })
          expect(out).toEqual(plaintext)
        },
      ),
      { numRuns },
    )
  })

  it('every message gets a fresh salt and a fresh sender key (Web Push, both encodings)', async () => {
    const receiver = await generateSubscriptionKeys()
    const salts = new Set<string>()
    const senders = new Set<string>()
    let messages = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('aes128gcm' as const, 'aesgcm' as const),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        async (encoding, plaintext) => {
          const keys = { p256dh: receiver.publicKey, auth: receiver.auth }
          const a = await encryptWebPush(plaintext, keys, { encoding })
          const b = await encryptWebPush(plaintext, keys, { encoding })
          expect(a.body).not.toEqual(b.body)
          expect(a.salt).not.toEqual(b.salt)
          expect(a.senderPublicKey).not.toEqual(b.senderPublicKey)
          for (const pushed of [a, b]) {
            expect(pushed.salt.length).toBe(16)
            expect(pushed.senderPublicKey.length).toBe(65)
            salts.add(base64urlEncode(pushed.salt))
            senders.add(base64urlEncode(pushed.senderPublicKey))
            messages++
          }
        },
      ),
      { numRuns },
    )
    // Never once repeated across the whole run, not only within a pair.
    expect(salts.size).toBe(messages)
    expect(senders.size).toBe(messages)
  })

  it('encrypt without a salt draws a fresh one for every body', async () => {
    const key = new Uint8Array(16).fill(1)
    const salts = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (plaintext) => {
        const a = await encrypt(plaintext, { key })
        const b = await encrypt(plaintext, { key })
        expect(a).not.toEqual(b)
        salts.add(base64urlEncode(a.subarray(0, 16)))
        salts.add(base64urlEncode(b.subarray(0, 16)))
      }),
      { numRuns },
    )
    expect(salts.size).toBe(2 * numRuns)
  })

  it('generateSubscriptionKeys: always a 32-byte scalar, its 65-byte point and a fresh 16-byte auth', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < KEYGENS[name]; i++) {
      const keys = await generateSubscriptionKeys()
      expect(keys.privateKey.length).toBe(32)
      expect(keys.publicKey.length).toBe(65)
      expect(keys.auth.length).toBe(16)
      // The point must be the scalar's: always for the first few, and for every scalar with a leading
      // zero octet (node:crypto hands those out one octet short).
      if (i < 10 || keys.privateKey[0] === 0) expect(keys.publicKey).toEqual(publicKeyOf(keys.privateKey))
      seen.add(base64urlEncode(keys.auth))
    }
    expect(seen.size).toBe(KEYGENS[name])
  })
})
