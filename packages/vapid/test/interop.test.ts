/** Differential tests against independent implementations: npm jose, npm web-push, node:crypto and the openssl CLI. */
import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import {
  generateVapidKeys,
  importPublicKey,
  importVapidKey,
  readVapidKeyFile,
  signVapidToken,
  type VapidKey,
  VapidSigner,
  vapidHeaders,
  verifyVapidToken,
} from '../src/index.js'
import {
  AUDIENCE,
  ENDPOINT,
  expectCode,
  joseVerify,
  nodeVerifies,
  openssl,
  parseVapidHeaders,
  SUBJECT,
  tempDir,
} from './helpers.js'

const encodings = ['aes128gcm', 'aesgcm'] as const

describe('web-push 3.6.7', () => {
  it.each(encodings)('%s: tokens from getVapidHeaders verify with ours', async (encoding) => {
    const pair = webpush.generateVAPIDKeys()
    const exp = Math.floor(Date.now() / 1000) + 3600
    for (const expiration of [exp, undefined]) {
      const headers = webpush.getVapidHeaders(AUDIENCE, SUBJECT, pair.publicKey, pair.privateKey, encoding, expiration)
      const { token, key } = parseVapidHeaders(headers)
      expect(key).toBe(pair.publicKey)
      const claims = await verifyVapidToken(token, key, { audience: AUDIENCE })
      expect(claims).toMatchObject({ aud: AUDIENCE, sub: SUBJECT })
      if (expiration !== undefined) expect(claims.exp).toBe(expiration)
      // The same pair, imported by us, gives the same public key.
      expect((await importVapidKey(pair)).applicationServerKey).toBe(pair.publicKey)
      // A web-push token does not verify with another key.
      const other = await generateVapidKeys()
      await expectCode(() => verifyVapidToken(token, other.publicKey), 'ERR_WP_VAPID_TOKEN')
    }
  })

  it.each(encodings)('%s: our headers have web-push’s shape, and our keys work in web-push', async (encoding) => {
    const pair = await generateVapidKeys()
    const ours = await vapidHeaders({ key: pair.privateKey, endpoint: ENDPOINT, subject: SUBJECT, encoding })
    const theirs = webpush.getVapidHeaders(AUDIENCE, SUBJECT, pair.publicKey, pair.privateKey, encoding)
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort())
    const a = parseVapidHeaders(ours)
    const b = parseVapidHeaders(theirs)
    expect(a.key).toBe(b.key)
    await joseVerify(a.token, a.key, AUDIENCE)
    await joseVerify(b.token, b.key, AUDIENCE)
    await verifyVapidToken(b.token, a.key, { audience: AUDIENCE })
  })
})

describe('jose 6', () => {
  it('verifies every token we sign: signVapidToken, vapidHeaders (both encodings), VapidSigner', async () => {
    const key = await importVapidKey((await generateVapidKeys()).privateKey)
    const signer = new VapidSigner({ key, subject: 'https://example.com/contact' })
    const tokens: [string, string][] = [[await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT }), AUDIENCE]]
    for (const encoding of encodings) {
      tokens.push([
        parseVapidHeaders(await vapidHeaders({ key, endpoint: ENDPOINT, subject: SUBJECT, encoding })).token,
        AUDIENCE,
      ])
      tokens.push([
        parseVapidHeaders(await signer.headers('https://fcm.googleapis.com/fcm/send/x', encoding)).token,
        'https://fcm.googleapis.com',
      ])
    }
    for (const [token, audience] of tokens) await joseVerify(token, key.publicKey, audience)
  })
})

describe('node:crypto keys', () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }))

  it.each(keys.map((k, i) => [i, k] as const))(
    'key %i: every export imports, signs, and node verifies',
    async (_i, k) => {
      const forms = [
        k.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        k.privateKey.export({ type: 'sec1', format: 'pem' }),
        new Uint8Array(k.privateKey.export({ type: 'pkcs8', format: 'der' })),
        new Uint8Array(k.privateKey.export({ type: 'sec1', format: 'der' })),
        k.privateKey.export({ format: 'jwk' }),
      ]
      for (const form of forms) {
        const key = await importVapidKey(form as never)
        const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
        expect(nodeVerifies(token, k.publicKey)).toBe(true)
        expect(importPublicKey(k.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toEqual(key.publicKey)
        await verifyVapidToken(token, k.publicKey.export({ type: 'spki', format: 'pem' }) as string)
      }
    },
  )
})

describe('the openssl CLI', () => {
  const dir = tempDir()
  let key: VapidKey
  beforeAll(() => {
    openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'private_key.pem')
    openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'private_key.pem', '-out', 'pkcs8.pem')
    openssl(dir, 'ec', '-in', 'private_key.pem', '-outform', 'DER', '-out', 'private_key.der')
    openssl(dir, 'ec', '-in', 'private_key.pem', '-pubout', '-out', 'public_key.pem')
  })

  it('keys from openssl import and sign, and the openssl public key verifies the signature', async () => {
    const publicPem = readFileSync(join(dir, 'public_key.pem'), 'utf8')
    key = await readVapidKeyFile(join(dir, 'private_key.pem'))
    for (const file of ['private_key.pem', 'pkcs8.pem', 'private_key.der']) {
      const k = await readVapidKeyFile(join(dir, file))
      expect(k.applicationServerKey).toBe(key.applicationServerKey)
      const token = await signVapidToken({ key: k, audience: AUDIENCE, subject: SUBJECT })
      expect(nodeVerifies(token, publicPem)).toBe(true)
      await verifyVapidToken(token, publicPem, { audience: AUDIENCE })
      await joseVerify(token, k.publicKey, AUDIENCE)
    }
    expect(key.publicKeyPEM()).toBe(publicPem)
  })

  it('openssl reads our PEM and DER exports as the same key', async () => {
    key ??= await readVapidKeyFile(join(dir, 'private_key.pem'))
    const publicPem = key.publicKeyPEM()
    const files: [string, string | Uint8Array, string[]][] = [
      ['ours-pkcs8.pem', key.toPEM('pkcs8'), []],
      ['ours-sec1.pem', key.toPEM('sec1'), []],
      ['ours-pkcs8.der', key.toDER('pkcs8'), ['-inform', 'DER']],
      ['ours-sec1.der', key.toDER('sec1'), ['-inform', 'DER']],
    ]
    for (const [name, content, inform] of files) {
      writeFileSync(join(dir, name), content)
      const text = openssl(dir, 'ec', ...inform, '-in', name, '-noout', '-text')
      expect(text).toContain('prime256v1')
      expect(openssl(dir, 'pkey', ...inform, '-in', name, '-pubout')).toBe(publicPem)
      expect(openssl(dir, 'pkey', ...inform, '-in', name, '-noout')).toBe('')
      // openssl's own PKCS #8 re-encoding reads back as the same key.
      const back = openssl(dir, 'pkey', ...inform, '-in', name)
      expect((await importVapidKey(back)).toRaw()).toEqual(key.toRaw())
      // and node:crypto reads it too.
      const object = createPrivateKey(
        typeof content === 'string'
          ? content
          : { key: Buffer.from(content), format: 'der', type: name.includes('sec1') ? 'sec1' : 'pkcs8' },
      )
      expect(object.export({ format: 'jwk' })).toEqual(key.toJWK())
    }
    writeFileSync(join(dir, 'ours-public.pem'), publicPem)
    expect(openssl(dir, 'pkey', '-pubin', '-in', 'ours-public.pem', '-pubout')).toBe(publicPem)
    expect(createPublicKey(publicPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
  })

  it('openssl verifies our signature over the JWS input', async () => {
    key ??= await readVapidKeyFile(join(dir, 'private_key.pem'))
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    const [h, p, s] = token.split('.') as [string, string, string]
    const raw = Buffer.from(s, 'base64url')
    // P1363 r || s to a DER ECDSA-Sig-Value, for `openssl dgst -verify`.
    const int = (b: Buffer): Buffer => {
      let v = b
      while (v.length > 1 && v[0] === 0 && (v[1] as number) < 0x80) v = v.subarray(1)
      if ((v[0] as number) >= 0x80) v = Buffer.concat([Buffer.of(0), v])
      return Buffer.concat([Buffer.of(2, v.length), v])
    }
    const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))])
    writeFileSync(join(dir, 'sig.der'), Buffer.concat([Buffer.of(0x30, body.length), body]))
    writeFileSync(join(dir, 'input.txt'), `${h}.${p}`)
    writeFileSync(join(dir, 'pub.pem'), key.publicKeyPEM())
    const out = execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'input.txt'],
      { cwd: dir, encoding: 'utf8' },
    )
    expect(out).toContain('Verified OK')
  })
})
