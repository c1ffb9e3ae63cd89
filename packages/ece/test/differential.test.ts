/**
 * Differential tests against two independent implementations, both ways: npm `http_ece` 1.2.1
 * (Martin Thomson's reference for RFC 8188 and the aesgcm draft) and `web-push` 3.6.7 (which uses
 * http_ece underneath). Their output must decrypt with ours and ours with theirs, for RFC 8188 with an
 * explicit key over several records, and for Web Push in both encodings, at the length boundaries.
 * The peers always run on node:crypto; ours runs on each backend.
 */
import { createECDH, randomBytes } from 'node:crypto'
import ece from 'http_ece'
import { describe, expect, it } from 'vitest'
import webpush from 'web-push'
import {
  base64urlEncode,
  type ContentEncoding,
  decrypt,
  decryptWebPush,
  encrypt,
  encryptWebPush,
  maxPlaintextLength,
  WebPushError,
} from '../src/index.js'
import { backends, pattern, withBackend } from './helpers.js'

const MAX_AES128GCM = 3993
const MAX_AESGCM = 4078
/** Plaintext lengths with the boundaries: empty, one octet, around a 16-octet AES block, the maximum and one below. */
const lengthsFor = (max: number): number[] => [0, 1, 2, 15, 16, 17, 1000, max - 1, max]
const RECORD_SIZES = [18, 25, 100, 4096]
/** RFC 8188 plaintext lengths: boundaries, plus the Web Push maximum spread over many small records. */
const ECE_LENGTHS = [0, 1, 2, 15, 16, 17, 1000, 3992, 3993]
/** No padding, one octet, a whole record of it, and enough to spread over four records. */
const paddingsFor = (rs: number): number[] => [0, 1, rs - 17, 3 * (rs - 17) + 5]

/**
 * The RFC 8188 grid for one record size: every length with every padding. At rs = 18 a record carries
 * one octet, so the longest plaintexts make thousands of records, and http_ece copies its whole output
 * once per record: there, only one message of the maximum length (unpadded) is kept.
 */
function eceGrid(rs: number): Array<[length: number, padding: number]> {
  const grid: Array<[number, number]> = []
  for (const length of ECE_LENGTHS)
    for (const pad of paddingsFor(rs))
      if (rs > 18 || length <= 1000 || (length === 3993 && pad === 0)) grid.push([length, pad])
  return grid
}

/** {@link pattern}'s bytes as a Buffer, which http_ece and web-push take; one seed a message. */
function message(length: number, seed: number): Buffer {
  return Buffer.from(pattern(length, Math.imul(seed, 2654435761)))
}

/**
 * A receiver key pair made by node:crypto, the way http_ece and web-push users make one.
 * `getPrivateKey()` drops leading zero octets (one key in 256 comes out 31 bytes long), so the
 * scalar is left-padded to the 32 bytes our API takes, as web-push's own generateVAPIDKeys does.
 */
function nodeReceiver() {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  return { ecdh, privateKey: pad32(ecdh.getPrivateKey()), publicKey: ecdh.getPublicKey(), auth: randomBytes(16) }
}

function pad32(scalar: Buffer): Uint8Array {
  const out = new Uint8Array(32)
  out.set(scalar, 32 - scalar.length)
  return out
}

/**
 * Whether http_ece 1.2.1's encrypt writes a well-formed body for this padding. While more padding is
 * left than one record can take, it puts one data octet in each record; when the data runs out first,
 * it writes a non-final record shorter than rs, which RFC 8188 §2 forbids (see the test that pins this).
 * With rs = 18 it puts padding first and never runs short.
 */
const httpEcePadsWell = (length: number, rs: number, pad: number): boolean =>
  rs === 18 || pad <= (length + 1) * (rs - 18)

/** `salt=<22 chars>` and `dh=<87 chars>`: the aesgcm headers as the draft writes them, nothing else. */
function aesgcmHeaderValues(headers: Record<string, string>): { salt: string; dh: string } {
  expect(Object.keys(headers).sort()).toEqual(['Crypto-Key', 'Encryption'])
  const salt = /^salt=([A-Za-z0-9_-]{22})$/.exec(headers.Encryption ?? '')?.[1]
  const dh = /^dh=([A-Za-z0-9_-]{87})$/.exec(headers['Crypto-Key'] ?? '')?.[1]
  expect(salt, `Encryption: ${headers.Encryption}`).toBeDefined()
  expect(dh, `Crypto-Key: ${headers['Crypto-Key']}`).toBeDefined()
  return { salt: salt as string, dh: dh as string }
}

describe.each(backends)('differential tests against http_ece and web-push on the %s backend', (name) => {
  withBackend(name)

  describe('RFC 8188 aes128gcm with an explicit 16-byte key', () => {
    it.each(RECORD_SIZES)(
      'ours → http_ece, rs %i: every length and padding, same bytes as theirs without padding',
      async (rs) => {
        const key = randomBytes(16)
        let seed = rs
        for (const [length, pad] of eceGrid(rs)) {
          const plaintext = message(length, ++seed)
          const salt = randomBytes(16)
          const body = await encrypt(plaintext, { key, salt, recordSize: rs, padding: pad })
          const at = `length ${length}, padding ${pad}`
          expect(ece.decrypt(Buffer.from(body), { version: 'aes128gcm', key }), at).toEqual(plaintext)
          // Without padding RFC 8188 leaves no choice of layout: both must write the same bytes.
          if (pad === 0)
            expect(body, at).toEqual(
              new Uint8Array(ece.encrypt(plaintext, { version: 'aes128gcm', key, salt, rs, pad: 0 })),
            )
        }
      },
    )

    it.each(RECORD_SIZES)('http_ece → ours, rs %i: every length and padding', async (rs) => {
      const key = randomBytes(16)
      let seed = 1000 + rs
      let checked = 0
      for (const [length, pad] of eceGrid(rs)) {
        if (!httpEcePadsWell(length, rs, pad)) continue
        const plaintext = message(length, ++seed)
        const body = ece.encrypt(plaintext, { version: 'aes128gcm', key, salt: randomBytes(16), rs, pad })
        const at = `length ${length}, padding ${pad}`
        expect(body.readUInt32BE(16), at).toBe(rs)
        expect(await decrypt(body, { key }), at).toEqual(new Uint8Array(plaintext))
        checked++
      }
      // The filter must leave most of the grid in, the paddings over several records included.
      expect(checked).toBeGreaterThanOrEqual(20)
    })

    it('key ids both ways: ours reaches http_ece’s key lookup, theirs reaches our keyLookup', async () => {
      const key = randomBytes(16)
      const keyId = Buffer.from('a1')
      const plaintext = message(100, 7)

      const ours = await encrypt(plaintext, { key, keyId, recordSize: 25, padding: 9 })
      const seenByThem: string[] = []
      const decrypted = ece.decrypt(Buffer.from(ours), { version: 'aes128gcm' }, (id) => {
        seenByThem.push(id.toString())
        return key
      })
      expect(decrypted).toEqual(plaintext)
      expect(seenByThem).toEqual(['a1'])

      const theirs = ece.encrypt(plaintext, { version: 'aes128gcm', key, keyid: keyId, rs: 25, pad: 9 })
      const seenByUs: Uint8Array[] = []
      const out = await decrypt(theirs, {
        keyLookup: (id) => {
          seenByUs.push(id)
          return key
        },
      })
      expect(out).toEqual(new Uint8Array(plaintext))
      expect(seenByUs).toEqual([new Uint8Array(keyId)])
    })

    it('pins the http_ece padding limit the grid avoids: past it, neither http_ece nor we accept its body', async () => {
      const key = randomBytes(16)
      const rs = 25
      for (const length of [0, 1, 3]) {
        const bound = (length + 1) * (rs - 18)
        const plaintext = message(length, length)
        const good = ece.encrypt(plaintext, { version: 'aes128gcm', key, rs, pad: bound })
        expect(await decrypt(good, { key })).toEqual(new Uint8Array(plaintext))

        // One octet more: a non-final record shorter than rs (RFC 8188 §2), so the records are misaligned.
        const bad = ece.encrypt(plaintext, { version: 'aes128gcm', key, rs, pad: bound + 1 })
        expect(() => ece.decrypt(bad, { version: 'aes128gcm', key })).toThrow()
        const err = await decrypt(bad, { key }).catch((e: unknown) => e)
        expect(WebPushError.is(err) && err.code).toBe('ERR_WP_ECE_DECRYPT')
      }
    })
  })

  describe.each(['aes128gcm', 'aesgcm'] as const)('Web Push %s', (encoding: ContentEncoding) => {
    const max = encoding === 'aes128gcm' ? MAX_AES128GCM : MAX_AESGCM
    /** Header and tag around the plaintext and padding: 86 + 17 for aes128gcm, 2 + 16 for aesgcm. */
    const overhead = encoding === 'aes128gcm' ? 86 + 17 : 2 + 16
    const paddings = [0, 1, 100, 'max'] as const

    it('our limit is the one both peers can carry in 4096 bytes', () => {
      expect(maxPlaintextLength(encoding)).toBe(max)
      expect(max + overhead).toBe(4096)
    })

    it('ours → http_ece: every boundary length with padding from none to the maximum', async () => {
      const r = nodeReceiver()
      let seed = 0
      for (const length of lengthsFor(max))
        for (const padding of paddings) {
          if (typeof padding === 'number' && length + padding > max) continue
          const plaintext = message(length, ++seed)
          const pushed = await encryptWebPush(plaintext, { p256dh: r.publicKey, auth: r.auth }, { encoding, padding })
          const at = `length ${length}, padding ${padding}`
          expect(pushed.body.length, at).toBe(padding === 'max' ? 4096 : length + padding + overhead)
          const body = Buffer.from(pushed.body)
          const decrypted =
            encoding === 'aes128gcm'
              ? ece.decrypt(body, { version: 'aes128gcm', privateKey: r.ecdh, authSecret: r.auth })
              : ece.decrypt(body, {
                  version: 'aesgcm',
                  privateKey: r.ecdh,
                  authSecret: r.auth,
                  // From the headers exactly as a push service would forward them.
                  ...aesgcmHeaderValues(pushed.headers),
                })
          expect(decrypted, at).toEqual(plaintext)
        }
    })

    it('web-push → ours: every boundary length', async () => {
      const r = nodeReceiver()
      let seed = 100
      for (const length of lengthsFor(max)) {
        const plaintext = message(length, ++seed)
        const { cipherText, localPublicKey, salt } = webpush.encrypt(
          base64urlEncode(r.publicKey),
          base64urlEncode(r.auth),
          plaintext,
          encoding,
        )
        const headers =
          encoding === 'aesgcm'
            ? { Encryption: `salt=${salt}`, 'Crypto-Key': `dh=${localPublicKey.toString('base64url')}` }
            : undefined
        const out = await decryptWebPush(
          cipherText,
          { privateKey: r.privateKey, publicKey: r.publicKey, auth: r.auth },
          headers === undefined ? { encoding } : { encoding, headers },
        )
        expect(out, `length ${length}`).toEqual(new Uint8Array(plaintext))
      }
    })

    it('http_ece → ours: every boundary length with padding up to the maximum', async () => {
      const r = nodeReceiver()
      let seed = 200
      for (const length of lengthsFor(max))
        for (const pad of [1, 100, max - length]) {
          if (pad < 1 || length + pad > max) continue
          const plaintext = message(length, ++seed)
          const sender = createECDH('prime256v1')
          sender.generateKeys()
          const salt = randomBytes(16)
          const body = ece.encrypt(plaintext, {
            version: encoding,
            privateKey: sender,
            dh: r.publicKey,
            authSecret: r.auth,
            salt,
            pad,
          })
          const at = `length ${length}, padding ${pad}`
          expect(body.length, at).toBe(length + pad + overhead)
          const headers = {
            Encryption: `salt=${base64urlEncode(salt)}`,
            'Crypto-Key': `dh=${base64urlEncode(sender.getPublicKey())}`,
          }
          const out = await decryptWebPush(
            body,
            { privateKey: r.privateKey, publicKey: r.publicKey, auth: r.auth },
            encoding === 'aesgcm' ? { encoding, headers } : { encoding },
          )
          expect(out, at).toEqual(new Uint8Array(plaintext))
        }
    })

    it('http_ece → ours: a body of several records is refused (RFC 8291 §4: one record), the same in one decrypts', async () => {
      const r = nodeReceiver()
      const keys = { privateKey: r.privateKey, publicKey: r.publicKey, auth: r.auth }
      let seed = 400
      // Record sizes from the smallest to the largest that still splits the message: 2 to 300 records.
      // (A record holds at most rs - 17 octets of plaintext in aes128gcm, and less than rs - 2 in aesgcm.)
      const [minRs, split] = encoding === 'aes128gcm' ? [18, 16] : [3, 2]
      for (const length of [2, 17, 300]) {
        const sizes = new Set([minRs, minRs + 7, length + split].filter((rs) => rs <= length + split))
        for (const rs of sizes) {
          const plaintext = message(length, ++seed)
          const sender = createECDH('prime256v1')
          sender.generateKeys()
          const salt = randomBytes(16)
          const params = { version: encoding, privateKey: sender, dh: r.publicKey, authSecret: r.auth, salt }
          const headers = {
            Encryption: `salt=${base64urlEncode(salt)};rs=${rs}`,
            'Crypto-Key': `dh=${base64urlEncode(sender.getPublicKey())}`,
          }
          const options = encoding === 'aesgcm' ? { encoding, headers } : { encoding }
          const at = `length ${length}, rs ${rs}`
          const many = ece.encrypt(plaintext, { ...params, rs })
          expect(encoding === 'aes128gcm' ? many.length - 86 > rs : many.length >= rs + 16, at).toBe(true)
          // Several records: http_ece itself reads them back.
          expect(ece.decrypt(many, { ...params, privateKey: r.ecdh, dh: sender.getPublicKey(), rs }), at).toEqual(
            plaintext,
          )
          const err = await decryptWebPush(many, keys, options).catch((e: unknown) => e)
          expect(WebPushError.is(err) && err.code, at).toBe('ERR_WP_ECE_RECORD_SIZE')
          // The same message in one record (the default rs) decrypts.
          const one = ece.encrypt(plaintext, params)
          const oneOptions =
            encoding === 'aesgcm'
              ? { encoding, headers: { ...headers, Encryption: `salt=${base64urlEncode(salt)}` } }
              : options
          expect(await decryptWebPush(one, keys, oneOptions), at).toEqual(new Uint8Array(plaintext))
        }
      }
    })

    it('with the same sender key and salt, ours and http_ece write the same bytes', async () => {
      const r = nodeReceiver()
      const sender = createECDH('prime256v1')
      sender.generateKeys()
      const senderKeys = { privateKey: pad32(sender.getPrivateKey()), publicKey: sender.getPublicKey() }
      let seed = 300
      for (const length of [0, 1, 17, max])
        for (const pad of [0, 1, max - length]) {
          if (length + pad > max) continue
          const plaintext = message(length, ++seed)
          const salt = randomBytes(16)
          const ours = await encryptWebPush(
            plaintext,
            { p256dh: r.publicKey, auth: r.auth },
            { encoding, padding: pad, salt, senderKeys },
          )
          const theirs = ece.encrypt(plaintext, {
            version: encoding,
            privateKey: sender,
            dh: r.publicKey,
            authSecret: r.auth,
            salt,
            pad,
          })
          expect(ours.body, `length ${length}, padding ${pad}`).toEqual(new Uint8Array(theirs))
        }
    })

    it('decrypts the request web-push generates (VAPID headers included)', async () => {
      const r = nodeReceiver()
      const vapid = webpush.generateVAPIDKeys()
      const plaintext = Buffer.from('{"title":"Hello","body":"from web-push"}')
      const request = webpush.generateRequestDetails(
        {
          endpoint: 'https://push.example.net/wpush/v2/abc',
          keys: { p256dh: base64urlEncode(r.publicKey), auth: base64urlEncode(r.auth) },
        },
        plaintext,
        {
          contentEncoding: encoding,
          vapidDetails: { subject: 'mailto:ops@example.net', publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        },
      )
      expect(request.headers['Content-Encoding']).toBe(encoding)
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(request.headers)) headers[key] = String(value)
      const out = await decryptWebPush(
        request.body as Buffer,
        { privateKey: r.privateKey, publicKey: r.publicKey, auth: r.auth },
        { encoding, headers },
      )
      expect(out).toEqual(new Uint8Array(plaintext))
    })
  })

  it('a node:crypto receiver key whose scalar starts with a zero octet works once left-padded to 32 bytes', async () => {
    // One key in 256: createECDH's getPrivateKey() then returns 31 bytes.
    let ecdh = createECDH('prime256v1')
    for (let i = 0; i < 100_000; i++) {
      ecdh = createECDH('prime256v1')
      ecdh.generateKeys()
      if (ecdh.getPrivateKey().length < 32) break
    }
    const short = ecdh.getPrivateKey()
    expect(short.length).toBeLessThan(32)
    const publicKey = ecdh.getPublicKey()
    const auth = randomBytes(16)
    const plaintext = pattern(50, 50)
    for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
      const pushed = await encryptWebPush(plaintext, { p256dh: publicKey, auth }, { encoding })
      const options = encoding === 'aesgcm' ? { encoding, headers: pushed.headers } : { encoding }
      expect(await decryptWebPush(pushed.body, { privateKey: pad32(short), publicKey, auth }, options)).toEqual(
        new Uint8Array(plaintext),
      )
      // The unpadded scalar is refused for its length (the API takes the 32-byte form), never misread.
      const err = await decryptWebPush(pushed.body, { privateKey: short, publicKey, auth }, options).catch((e) => e)
      expect(WebPushError.is(err) && err.code).toBe('ERR_WP_KEY_LENGTH')
    }
  })
})
