/** Keys: generation, import from every format (RFC 5915 SEC 1, RFC 5958 PKCS #8, RFC 7517 JWK, raw), export, and refusal of bad keys. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { base64urlDecode, base64urlEncode, WebPushError } from '@wp/ece/utils'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  generateVapidKeys,
  importPublicKey,
  importVapidKey,
  importVapidKeySync,
  readVapidKeyFile,
  signVapidToken,
  VapidKey,
  type VapidKeyInput,
  verifyVapidToken,
} from '../src/index.js'
import { writePkcs8, writeSec1 } from '../src/internal/key-der.js'
import { readPemBlocks } from '../src/internal/pem.js'
import { AUDIENCE, expectCode, openssl, SUBJECT, tempDir } from './helpers.js'

/** A base64url value cut to `length` bytes, or grown to it with junk bytes after the real ones. */
const resized = (value: string, length: number): string => {
  const bytes = Buffer.from(value, 'base64url')
  return Buffer.concat([bytes, Buffer.alloc(Math.max(0, length - bytes.length), 0x5a)])
    .subarray(0, length)
    .toString('base64url')
}

/** P-256 order n (FIPS 186-4 D.1.2.3). */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const scalar = (value: bigint): Uint8Array => Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))

interface NodeKey {
  privateKey: KeyObject
  publicKey: KeyObject
  /** The 65-byte point, from node's JWK. */
  point: Uint8Array
  d: Uint8Array
}

function nodeKey(): NodeKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const jwk = privateKey.export({ format: 'jwk' })
  const point = new Uint8Array(65)
  point[0] = 4
  point.set(Buffer.from(jwk.x as string, 'base64url'), 1)
  point.set(Buffer.from(jwk.y as string, 'base64url'), 33)
  return { privateKey, publicKey, point, d: Buffer.from(jwk.d as string, 'base64url') }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('generateVapidKeys', () => {
  it('returns base64url of a 65-byte point and a 32-byte scalar that belong together', async () => {
    const pair = await generateVapidKeys()
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/)
    expect(pair.privateKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(base64urlDecode(pair.publicKey)[0]).toBe(4)
    const key = await importVapidKey(pair)
    expect(key.applicationServerKey).toBe(pair.publicKey)
    expect(key.toBase64url()).toBe(pair.privateKey)
  })

  it('makes a new key every time', async () => {
    const [a, b] = await Promise.all([generateVapidKeys(), generateVapidKeys()])
    expect(a.privateKey).not.toBe(b.privateKey)
  })
})

describe('importVapidKey: every format of a node:crypto key', () => {
  const k = nodeKey()
  const jwk = k.privateKey.export({ format: 'jwk' })
  const pkcs8Der = k.privateKey.export({ type: 'pkcs8', format: 'der' })
  const sec1Der = k.privateKey.export({ type: 'sec1', format: 'der' })
  const inputs: [string, VapidKeyInput][] = [
    ['PKCS #8 PEM', k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
    ['SEC 1 PEM', k.privateKey.export({ type: 'sec1', format: 'pem' }) as string],
    [
      'SEC 1 PEM with CRLF and surrounding text',
      `note\r\n${(k.privateKey.export({ type: 'sec1', format: 'pem' }) as string).replace(/\n/g, '\r\n')}\r\n`,
    ],
    ['PKCS #8 DER bytes', new Uint8Array(pkcs8Der)],
    ['SEC 1 DER bytes', new Uint8Array(sec1Der)],
    ['PKCS #8 DER as a Buffer', pkcs8Der],
    ['PKCS #8 DER base64', pkcs8Der.toString('base64')],
    ['PKCS #8 DER base64url', pkcs8Der.toString('base64url')],
    ['SEC 1 DER base64', sec1Der.toString('base64')],
    ['SEC 1 DER base64url', sec1Der.toString('base64url')],
    ['raw scalar bytes', k.d],
    ['raw scalar base64url', Buffer.from(k.d).toString('base64url')],
    ['raw scalar base64url with whitespace around', `  ${Buffer.from(k.d).toString('base64url')}\n`],
    ['JWK object', jwk as VapidKeyInput],
    ['JWK as JSON text', JSON.stringify(jwk)],
    ['JWK with only d', { kty: 'EC', crv: 'P-256', d: jwk.d as string } as VapidKeyInput],
    ['JWK with extra members', { ...jwk, kid: 'vapid-1', use: 'sig', alg: 'ES256' } as VapidKeyInput],
    [
      '{ privateKey, publicKey } as web-push keeps them',
      { privateKey: jwk.d as string, publicKey: base64urlEncode(k.point) },
    ],
    ['{ privateKey, publicKey } as bytes', { privateKey: k.d, publicKey: k.point }],
    ['{ privateKey: PEM }', { privateKey: k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }],
  ]

  it.each(inputs)('%s', async (_name, input) => {
    const key = await importVapidKey(input)
    expect(key.publicKey).toEqual(k.point)
    expect(key.applicationServerKey).toBe(base64urlEncode(k.point))
    expect(key.toRaw()).toEqual(new Uint8Array(k.d))
    expect(importVapidKeySync(input).applicationServerKey).toBe(key.applicationServerKey)
  })

  it('returns a VapidKey given as it is', async () => {
    const key = await importVapidKey(k.d)
    expect(await importVapidKey(key)).toBe(key)
  })
})

describe('importVapidKey: openssl key files', () => {
  const dir = tempDir()
  beforeAll(() => {
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'private_key.pem')
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-out', 'with_params.pem')
    openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'private_key.pem', '-out', 'pkcs8.pem')
    openssl(dir, 'ec', '-in', 'private_key.pem', '-outform', 'DER', '-out', 'sec1.der')
    openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'private_key.pem', '-outform', 'DER', '-out', 'pkcs8.der')
    openssl(dir, 'ec', '-in', 'private_key.pem', '-pubout', '-out', 'public_key.pem')
    openssl(dir, 'ec', '-in', 'private_key.pem', '-pubout', '-outform', 'DER', '-out', 'public_key.der')
  })

  it('reads the output of `openssl ecparam -genkey -noout` and each conversion of it as the same key', async () => {
    const expected = createPublicKey(readFileSync(join(dir, 'public_key.pem')))
    const jwk = expected.export({ format: 'jwk' })
    const keys = await Promise.all(
      ['private_key.pem', 'pkcs8.pem', 'sec1.der', 'pkcs8.der'].map((f) => readVapidKeyFile(join(dir, f))),
    )
    for (const key of keys) {
      expect(base64urlEncode(key.publicKey.subarray(1, 33))).toBe(jwk.x)
      expect(base64urlEncode(key.publicKey.subarray(33))).toBe(jwk.y)
      expect(key.applicationServerKey).toBe(keys[0]?.applicationServerKey)
    }
  })

  it('reads a PEM with an EC PARAMETERS block before the key', async () => {
    const key = await readVapidKeyFile(join(dir, 'with_params.pem'))
    expect(key.publicKey).toHaveLength(65)
  })

  it('reads openssl public keys (PEM and DER) with importPublicKey', async () => {
    const key = await readVapidKeyFile(join(dir, 'private_key.pem'))
    expect(importPublicKey(readFileSync(join(dir, 'public_key.pem'), 'utf8'))).toEqual(key.publicKey)
    expect(importPublicKey(new Uint8Array(readFileSync(join(dir, 'public_key.der'))))).toEqual(key.publicKey)
  })

  it('refuses a missing file with ERR_WP_VAPID_KEY and creates nothing', async () => {
    const path = join(dir, 'missing', 'private_key.pem')
    await expectCode(() => readVapidKeyFile(path), 'ERR_WP_VAPID_KEY')
    expect(existsSync(path)).toBe(false)
    expect(existsSync(join(dir, 'missing'))).toBe(false)
  })

  it('refuses a file that is not a key', async () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'just some notes\n')
    await expectCode(() => readVapidKeyFile(path), 'ERR_WP_VAPID_KEY')
    await expectCode(() => readVapidKeyFile(dir), 'ERR_WP_VAPID_KEY')
  })
})

describe('export round trips', () => {
  // A handful of keys, including the extreme scalars 1 and n-1 and one with leading zero bytes.
  const scalars = [
    scalar(1n),
    scalar(N - 1n),
    scalar(0x00000000ffffn * 2n ** 160n + 12345n),
    ...Array.from({ length: 8 }, () => nodeKey().d),
  ]

  it.each(scalars.map((d, i) => [i, d] as const))('key %i reproduces itself through every format', async (_i, d) => {
    const key = await importVapidKey(d)
    const forms: VapidKeyInput[] = [
      key.toPEM(),
      key.toPEM('pkcs8'),
      key.toPEM('sec1'),
      key.toDER(),
      key.toDER('sec1'),
      key.toJWK(),
      JSON.stringify(key.toJWK()),
      key.toRaw(),
      key.toBase64url(),
      { privateKey: key.toBase64url(), publicKey: key.applicationServerKey },
    ]
    for (const form of forms) {
      const again = await importVapidKey(form)
      expect(again.toRaw()).toEqual(key.toRaw())
      expect(again.publicKey).toEqual(key.publicKey)
    }
    expect(key.toRaw()).toHaveLength(32)
    expect(importPublicKey(key.publicKeyPEM())).toEqual(key.publicKey)
    expect(importPublicKey(key.applicationServerKey)).toEqual(key.publicKey)
    expect(importPublicKey(key.toJWK())).toEqual(key.publicKey)
    const { d: _d, ...pub } = key.toJWK()
    expect(importPublicKey(pub)).toEqual(key.publicKey)

    // node:crypto (OpenSSL) reads each export as the same key.
    const jwk = key.toJWK()
    for (const object of [
      createPrivateKey(key.toPEM()),
      createPrivateKey(key.toPEM('sec1')),
      createPrivateKey({ key: Buffer.from(key.toDER()), format: 'der', type: 'pkcs8' }),
      createPrivateKey({ key: Buffer.from(key.toDER('sec1')), format: 'der', type: 'sec1' }),
      createPrivateKey({ key: jwk, format: 'jwk' }),
    ]) {
      expect(object.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
      expect(object.export({ format: 'jwk' })).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d })
    }
    expect(createPublicKey(key.publicKeyPEM()).export({ format: 'jwk' })).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: jwk.x,
      y: jwk.y,
    })
  })

  it('writes the same DER as OpenSSL for SEC 1 and PKCS #8', async () => {
    const k = nodeKey()
    const key = await importVapidKey(k.d)
    expect(Buffer.from(key.toDER('sec1'))).toEqual(k.privateKey.export({ type: 'sec1', format: 'der' }))
    expect(Buffer.from(key.toDER('pkcs8'))).toEqual(k.privateKey.export({ type: 'pkcs8', format: 'der' }))
    expect(key.publicKeyPEM()).toBe(k.publicKey.export({ type: 'spki', format: 'pem' }))
  })

  it('refuses an export format other than pkcs8 and sec1 instead of writing PKCS #8 for it', async () => {
    const key = await importVapidKey(nodeKey().d)
    for (const format of ['der', 'SEC1', 'spki', '', null, 1]) {
      await expectCode(() => key.toPEM(format as never), 'ERR_WP_INVALID_ARGUMENT')
      await expectCode(() => key.toDER(format as never), 'ERR_WP_INVALID_ARGUMENT')
    }
    expect(key.toPEM(undefined)).toBe(key.toPEM('pkcs8'))
  })

  it('toRaw returns a copy', async () => {
    const key = await importVapidKey(nodeKey().d)
    const raw = key.toRaw()
    raw.fill(0)
    expect(key.toRaw()).not.toEqual(raw)
  })
})

describe('bad keys: each refused with ERR_WP_VAPID_KEY before anything is signed', () => {
  const dir = tempDir()
  const a = nodeKey()
  const b = nodeKey()
  const table: [string, () => unknown][] = []
  const add = (name: string, input: () => unknown): void => {
    table.push([name, input])
  }
  const pem = (key: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1' | 'spki'): string =>
    key.export({ type, format: 'pem' } as never) as unknown as string
  const der = (key: KeyObject, type: 'pkcs8' | 'sec1' | 'pkcs1' | 'spki'): Uint8Array =>
    new Uint8Array(key.export({ type, format: 'der' } as never) as unknown as Buffer)
  const files: Record<string, string> = {}
  beforeAll(() => {
    openssl(dir, 'ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'p384.pem')
    openssl(dir, 'ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', 'k1.pem')
    openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'k1.pem', '-out', 'k1-pkcs8.pem')
    openssl(dir, 'ec', '-in', 'k1.pem', '-outform', 'DER', '-out', 'k1.der')
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'p256.pem')
    openssl(dir, 'pkcs8', '-topk8', '-passout', 'pass:secret', '-in', 'p256.pem', '-out', 'encrypted.pem')
    for (const f of ['p384.pem', 'k1.pem', 'k1-pkcs8.pem', 'encrypted.pem'])
      files[f] = readFileSync(join(dir, f), 'utf8')
    files['k1.der'] = readFileSync(join(dir, 'k1.der')).toString('base64')
  })

  // other curves
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  add('P-384 from openssl (SEC 1 PEM)', () => files['p384.pem'])
  add('P-384 from node (PKCS #8 PEM)', () => pem(p384.privateKey, 'pkcs8'))
  add('P-384 from node (SEC 1 DER)', () => der(p384.privateKey, 'sec1'))
  add('P-384 JWK', () => p384.privateKey.export({ format: 'jwk' }))
  add('secp256k1 from openssl (SEC 1 PEM)', () => files['k1.pem'])
  add('secp256k1 from openssl (PKCS #8 PEM)', () => files['k1-pkcs8.pem'])
  add('secp256k1 from openssl (SEC 1 DER base64)', () => files['k1.der'])
  add('secp256k1 from node (PKCS #8 DER)', () => der(k1.privateKey, 'pkcs8'))
  add('secp256k1 from node (SEC 1 DER)', () => der(k1.privateKey, 'sec1'))
  add('secp256k1 JWK', () => k1.privateKey.export({ format: 'jwk' }))
  // other algorithms
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const ed = generateKeyPairSync('ed25519')
  add('RSA PKCS #8 PEM', () => pem(rsa.privateKey, 'pkcs8'))
  add('RSA PKCS #1 PEM', () => pem(rsa.privateKey, 'pkcs1'))
  add('RSA PKCS #8 DER', () => der(rsa.privateKey, 'pkcs8'))
  add('RSA PKCS #1 DER', () => der(rsa.privateKey, 'pkcs1'))
  add('RSA JWK', () => rsa.privateKey.export({ format: 'jwk' }))
  add('Ed25519 PKCS #8 PEM', () => pem(ed.privateKey, 'pkcs8'))
  add('Ed25519 PKCS #8 DER', () => der(ed.privateKey, 'pkcs8'))
  add('Ed25519 JWK', () => ed.privateKey.export({ format: 'jwk' }))
  add('encrypted PKCS #8 PEM', () => files['encrypted.pem'])
  add('encrypted PKCS #8 PEM from node', () =>
    a.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }),
  )
  add('legacy encrypted SEC 1 PEM', () =>
    a.privateKey.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }),
  )
  // public keys only
  add('public key PEM (SPKI)', () => pem(a.publicKey, 'spki'))
  add('public key DER (SPKI)', () => der(a.publicKey, 'spki'))
  add('public key DER (SPKI) base64', () => Buffer.from(der(a.publicKey, 'spki')).toString('base64'))
  add('public JWK', () => a.publicKey.export({ format: 'jwk' }))
  add('65-byte point', () => a.point)
  add('65-byte point base64url', () => base64urlEncode(a.point))
  add('{ publicKey } without privateKey', () => ({ publicKey: base64urlEncode(a.point) }))
  // garbage
  add('empty string', () => '')
  add('whitespace', () => '   \n')
  add('words', () => 'not a key at all')
  add('hex of the scalar', () => Buffer.from(a.d).toString('hex'))
  add('31 bytes', () => a.d.subarray(0, 31))
  add('33 bytes', () => Uint8Array.of(...a.d, 1))
  add('empty bytes', () => new Uint8Array(0))
  add('random bytes', () => Uint8Array.of(0x42, ...Array.from({ length: 99 }, (_, i) => (i * 37) & 0xff)))
  add('scalar 0', () => new Uint8Array(32))
  add('scalar n', () => scalar(N))
  add('scalar n+1', () => scalar(N + 1n))
  add('scalar 2^256-1', () => new Uint8Array(32).fill(0xff))
  add('PEM with an empty body', () => '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n')
  add('PEM with a junk body', () => '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')
  add('PEM with bad base64', () => '-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----\n')
  add('PEM certificate', () => '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n')
  add('PEM without END', () => (pem(a.privateKey, 'pkcs8') as string).split('-----END')[0])
  add('JSON that is not a key', () => '{"hello":"world"}')
  add('broken JSON', () => '{"kty":"EC",')
  add('null', () => null)
  add('undefined', () => undefined)
  add('number', () => 42)
  add('array', () => [1, 2, 3])
  add('empty object', () => ({}))
  add('{ privateKey: 42 }', () => ({ privateKey: 42 }))
  add('JWK with kty oct', () => ({ kty: 'oct', k: 'AAAA' }))
  add('JWK without crv', () => ({ kty: 'EC', d: base64urlEncode(a.d) }))
  add('JWK with a short d', () => ({ kty: 'EC', crv: 'P-256', d: base64urlEncode(a.d.subarray(1)) }))
  add('JWK with d not base64url', () => ({ kty: 'EC', crv: 'P-256', d: '!!!!' }))
  add('JWK with d of 0', () => ({ kty: 'EC', crv: 'P-256', d: base64urlEncode(new Uint8Array(32)) }))
  add('JWK with x but no y', () => ({ ...a.privateKey.export({ format: 'jwk' }), y: undefined }))
  // RFC 7518 §6.2.1.2-§6.2.2.1: x, y and d are exactly 32 bytes for P-256, never padded or cut.
  for (const [field, length] of [
    ['x', 33],
    ['x', 31],
    ['y', 33],
    ['y', 31],
    ['d', 33],
  ] as const)
    add(`JWK with ${field} of ${length} bytes`, () => {
      const jwk = a.privateKey.export({ format: 'jwk' }) as Record<string, string>
      return { ...jwk, [field]: resized(jwk[field] as string, length) }
    })
  // truncated and malformed DER
  add('truncated PKCS #8 DER', () => der(a.privateKey, 'pkcs8').subarray(0, 60))
  add('truncated SEC 1 DER', () => der(a.privateKey, 'sec1').subarray(0, 100))
  add('PKCS #8 DER missing its last byte', () => der(a.privateKey, 'pkcs8').subarray(0, -1))
  add('PKCS #8 DER with a trailing byte', () => Uint8Array.of(...der(a.privateKey, 'pkcs8'), 0))
  add('truncated DER base64', () => Buffer.from(der(a.privateKey, 'pkcs8').subarray(0, 50)).toString('base64'))
  add('DER header only', () => Uint8Array.of(0x30, 0x81))
  add('DER with a huge length', () => Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0))
  add('SEC 1 DER with version 2', () => {
    const bytes = der(a.privateKey, 'sec1')
    bytes[4] = 2
    return bytes
  })
  // mismatched public keys
  add('{ privateKey, publicKey } of two keys', () => ({
    privateKey: base64urlEncode(a.d),
    publicKey: base64urlEncode(b.point),
  }))
  add('{ privateKey, publicKey } of two keys as bytes', () => ({ privateKey: a.d, publicKey: b.point }))
  add('{ privateKey: PEM, publicKey } of two keys', () => ({
    privateKey: pem(a.privateKey, 'pkcs8'),
    publicKey: base64urlEncode(b.point),
  }))
  add('JWK with x and y of another key', () => {
    const jwk = a.privateKey.export({ format: 'jwk' })
    const other = b.publicKey.export({ format: 'jwk' })
    return { ...jwk, x: other.x, y: other.y }
  })
  add('JWK with y of another key (a point off the curve)', () => {
    const jwk = a.privateKey.export({ format: 'jwk' })
    return { ...jwk, y: b.publicKey.export({ format: 'jwk' }).y }
  })
  add('{ privateKey, publicKey } with a point off the curve', () => {
    const point = Uint8Array.from(b.point)
    point[64] = (point[64] as number) ^ 1
    return { privateKey: base64urlEncode(a.d), publicKey: base64urlEncode(point) }
  })
  add('{ privateKey, publicKey } with a 64-byte public key', () => ({
    privateKey: base64urlEncode(a.d),
    publicKey: base64urlEncode(b.point.subarray(1)),
  }))
  add('{ privateKey, publicKey } with a public key not base64url', () => ({
    privateKey: base64urlEncode(a.d),
    publicKey: 'not/base64+url',
  }))
  add('SEC 1 DER holding another public key', () => writeSec1(a.d, b.point))
  add('PKCS #8 DER holding another public key', () => writePkcs8(a.d, b.point))
  add('PKCS #8 PEM holding another public key', () => {
    const body = Buffer.from(writePkcs8(a.d, b.point)).toString('base64')
    return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`
  })

  it.each(table)('%s', async (_name, input) => {
    const sign = vi.spyOn(VapidKey.prototype, 'sign')
    const value = input() as VapidKeyInput
    const error = await expectCode(() => importVapidKey(value), 'ERR_WP_VAPID_KEY')
    await expectCode(() => importVapidKeySync(value), 'ERR_WP_VAPID_KEY')
    await expectCode(() => signVapidToken({ key: value, audience: AUDIENCE, subject: SUBJECT }), 'ERR_WP_VAPID_KEY')
    expect(sign).not.toHaveBeenCalled()
    // Never the secret in the message.
    const secret = base64urlEncode(a.d)
    expect(error.message).not.toContain(secret)
    expect(error.message).not.toContain(Buffer.from(a.d).toString('hex'))
  })

  it('refuses the wrong curve in a key file', async () => {
    await expectCode(() => readVapidKeyFile(join(dir, 'p384.pem')), 'ERR_WP_VAPID_KEY')
    await expectCode(() => readVapidKeyFile(join(dir, 'k1.der')), 'ERR_WP_VAPID_KEY')
    await expectCode(() => readVapidKeyFile(join(dir, 'encrypted.pem')), 'ERR_WP_VAPID_KEY')
  })

  it('the VapidKey constructor refuses a bad scalar and a mismatched point', async () => {
    await expectCode(() => new VapidKey(new Uint8Array(32)), 'ERR_WP_VAPID_KEY')
    await expectCode(() => new VapidKey(a.d, b.point), 'ERR_WP_VAPID_KEY')
    expect(new VapidKey(a.d, a.point).publicKey).toEqual(a.point)
  })
})

describe('the private key never shows', () => {
  const k = nodeKey()
  const secrets = [
    base64urlEncode(k.d),
    Buffer.from(k.d).toString('base64'),
    Buffer.from(k.d).toString('hex'),
    // The base64 body of the PEM forms, which embed the scalar.
    (k.privateKey.export({ type: 'sec1', format: 'der' }) as Buffer).subarray(7, 39).toString('base64'),
  ]
  const leaks = (text: string): boolean => secrets.some((s) => text.includes(s)) || text.includes(String(k.d))

  it('not in util.inspect, console formatting, JSON.stringify, String or Object.keys', async () => {
    const key = await importVapidKey(k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    await key.sign(new Uint8Array(1)) // populate the backend cache
    const texts = [
      inspect(key),
      inspect(key, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
      inspect({ nested: { key } }),
      JSON.stringify(key),
      JSON.stringify({ key }),
      String(key),
      `${key}`,
      Object.keys(key).join(','),
      Object.getOwnPropertyNames(key).join(','),
    ]
    for (const text of texts) expect(leaks(text), text).toBe(false)
    expect(inspect(key)).toContain(key.applicationServerKey)
    expect(JSON.parse(JSON.stringify(key))).toEqual({ applicationServerKey: key.applicationServerKey })
  })

  it('not in the message or cause of any key error', async () => {
    const other = nodeKey()
    const inputs: unknown[] = [
      { privateKey: k.d, publicKey: other.point },
      { ...k.privateKey.export({ format: 'jwk' }), x: other.publicKey.export({ format: 'jwk' }).x },
      { kty: 'EC', crv: 'P-256', d: base64urlEncode(k.d.subarray(1)) },
      k.d.subarray(1),
      `${base64urlEncode(k.d)}!`,
      { kty: 'EC', crv: 'P-384', d: base64urlEncode(k.d) },
    ]
    for (const input of inputs) {
      let error: unknown = await importVapidKey(input as VapidKeyInput).catch((e: unknown) => e)
      expect(WebPushError.is(error)).toBe(true)
      const text = inspect(error, { depth: Number.POSITIVE_INFINITY })
      expect(leaks(text), text).toBe(false)
      while (error instanceof Error) {
        expect(leaks(error.message)).toBe(false)
        error = error.cause
      }
    }
  })
})

describe('hostile key inputs: bounded size, linear scanning', () => {
  const dir = tempDir()
  const LIMIT = 64 * 1024
  /** Well past any linear scan of these inputs (milliseconds); a quadratic one takes several seconds. */
  const BUDGET_MS = 2000
  const time = async (fn: () => unknown): Promise<number> => {
    const started = performance.now()
    await fn()
    return performance.now() - started
  }

  it('scans PEM text in one pass: 30,000 BEGIN lines without END, or with one END at the very end', async () => {
    const begins = '-----BEGIN PRIVATE KEY-----\n'.repeat(30_000)
    for (const text of [
      begins,
      `${begins}-----END PRIVATE KEY-----\n`,
      `${begins}-----END OTHER-----\n`,
      '-----BEGIN A-----\n-----END B-----\n'.repeat(30_000),
      `-----BEGIN ${'A'.repeat(900_000)}`,
    ]) {
      let blocks: unknown
      const elapsed = await time(() => {
        try {
          blocks = readPemBlocks(text)
        } catch (error) {
          blocks = error
        }
      })
      expect(elapsed, `${text.length} characters`).toBeLessThan(BUDGET_MS)
      expect(blocks).toBeDefined()
    }
  })

  it('refuses 20,000 BEGIN lines without END quickly, through every entry point', async () => {
    const text = '-----BEGIN PRIVATE KEY-----\n'.repeat(20_000)
    for (const fn of [
      () => importVapidKey(text),
      () => importVapidKeySync(text),
      () => importPublicKey(text),
      () => signVapidToken({ key: text, audience: AUDIENCE, subject: SUBJECT }),
    ]) {
      const elapsed = await time(() => expectCode(fn, 'ERR_WP_VAPID_KEY'))
      expect(elapsed).toBeLessThan(BUDGET_MS)
    }
  })

  it(`takes a key input of up to ${LIMIT} bytes and refuses one byte more, as text, bytes and a file`, async () => {
    const key = await importVapidKey(nodeKey().d)
    const pem = key.toPEM()
    const padded = (length: number): string => pem + ' '.repeat(length - pem.length)
    expect((await importVapidKey(padded(LIMIT))).applicationServerKey).toBe(key.applicationServerKey)
    expect(importPublicKey(padded(LIMIT))).toEqual(key.publicKey)
    const big = padded(LIMIT + 1)
    const error = await expectCode(() => importVapidKey(big), 'ERR_WP_VAPID_KEY')
    expect(error.message).toContain(String(LIMIT))
    await expectCode(() => importPublicKey(big), 'ERR_WP_VAPID_KEY')
    await expectCode(() => importVapidKey(new Uint8Array(LIMIT + 1).fill(0x30)), 'ERR_WP_VAPID_KEY')
    await expectCode(() => importPublicKey(new Uint8Array(LIMIT + 1).fill(0x30)), 'ERR_WP_VAPID_KEY')
    await expectCode(() => importVapidKey({ privateKey: big }), 'ERR_WP_VAPID_KEY')

    writeFileSync(join(dir, 'limit.pem'), padded(LIMIT))
    expect((await readVapidKeyFile(join(dir, 'limit.pem'))).applicationServerKey).toBe(key.applicationServerKey)
    writeFileSync(join(dir, 'big.pem'), pem + '\n'.repeat(4 * 1024 * 1024))
    const fileError = await expectCode(() => readVapidKeyFile(join(dir, 'big.pem')), 'ERR_WP_VAPID_KEY')
    expect(fileError.message).toContain(String(LIMIT))
  })
})

describe('importPublicKey: bad public keys, each refused with ERR_WP_VAPID_KEY and never verifying a token', () => {
  const a = nodeKey()
  const jwk = a.publicKey.export({ format: 'jwk' }) as Record<string, string>
  const offCurve = Uint8Array.from(a.point)
  offCurve[64] = (offCurve[64] as number) ^ 1
  const table: [string, unknown][] = [
    // RFC 7518 §6.2.1.2-§6.2.1.3: a coordinate is exactly 32 bytes for P-256.
    ['public JWK with a junk byte after x (33 bytes)', { ...jwk, x: resized(jwk.x as string, 33) }],
    ['public JWK with a junk byte after y (33 bytes)', { ...jwk, y: resized(jwk.y as string, 33) }],
    ['public JWK with x of 31 bytes', { ...jwk, x: resized(jwk.x as string, 31) }],
    ['public JWK with y of 31 bytes', { ...jwk, y: resized(jwk.y as string, 31) }],
    ['public JWK with x of 64 bytes', { ...jwk, x: resized(jwk.x as string, 64) }],
    ['public JWK with an empty x', { ...jwk, x: '' }],
    ['public JWK without y', { ...jwk, y: undefined }],
    ['public JWK with x not base64url', { ...jwk, x: `${jwk.x}+` }],
    ['public JWK on P-384', { ...jwk, crv: 'P-384' }],
    ['public JWK of kty RSA', { ...jwk, kty: 'RSA' }],
    ['public JWK off the curve', { ...jwk, y: Buffer.from(offCurve.subarray(33)).toString('base64url') }],
    ['a 64-byte point', a.point.subarray(1)],
    ['a point off the curve', offCurve],
    ['base64url of a point off the curve', base64urlEncode(offCurve)],
    ['text that is not base64url', 'not a key!'],
    ['a number', 42],
    ['null', null],
  ]

  it.each(table)('%s', async (_name, input) => {
    await expectCode(() => importPublicKey(input), 'ERR_WP_VAPID_KEY')
  })

  it('a key one of those came from verifies its own token, so the refusals are for the key alone', async () => {
    const key = await importVapidKey(a.d)
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    expect(importPublicKey(jwk)).toEqual(a.point)
    expect((await verifyVapidToken(token, importPublicKey(jwk) as never)).aud).toBe(AUDIENCE)
    for (const [, input] of table) await expectCode(() => verifyVapidToken(token, input as never), 'ERR_WP_VAPID_KEY')
  })
})
