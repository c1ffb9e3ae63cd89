/**
 * `@wp/webpush/compat` side by side with npm web-push 3.6.7: the same calls give the same results,
 * headers (random parts aside, JWT claims compared), errors and result shapes.
 */
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto'
import { createRequire } from 'node:module'
import { syncBackendByName } from '@wp/ece/utils'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import compatDefault, * as compat from '../src/compat/index.js'
import { httpEce, jwtParts, type StatusServer, startStatusServer, thrown, tokenOf, webPush } from './compat-helpers.js'

/** A send's result or rejection. */
type Outcome = { ok?: Record<string, unknown>; error?: Record<string, unknown> }

/** A subscriber's keys, with the private half kept to decrypt. */
function makeSubscriber(endpoint: string) {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = randomBytes(16)
  return {
    ecdh,
    auth,
    subscription: {
      endpoint,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    },
  }
}

const vapid = webPush.generateVAPIDKeys() as { publicKey: string; privateKey: string }
const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey }
const other = makeSubscriber('https://push.example.net/wpush/v2/abc?x=1')
const subscription = other.subscription

afterEach(() => {
  webPush.setVapidDetails(null)
  compat.setVapidDetails(null)
  webPush.setGCMAPIKey(null)
  compat.setGCMAPIKey(null)
  vi.restoreAllMocks()
})

describe('exports', () => {
  it('has every export of web-push, on the default export and by name', () => {
    const names = Object.keys(webPush).sort()
    for (const name of names) {
      expect(typeof (compat as Record<string, unknown>)[name], name).toBe(typeof webPush[name])
      expect((compatDefault as Record<string, unknown>)[name], name).toBe((compat as Record<string, unknown>)[name])
    }
    expect(compat.supportedContentEncodings).toEqual(webPush.supportedContentEncodings)
    // web-push defines these constants but does not export them; compat does.
    expect(compat.supportedUrgency).toEqual({ VERY_LOW: 'very-low', LOW: 'low', NORMAL: 'normal', HIGH: 'high' })
  })

  it('generateVAPIDKeys: 65-byte public point and 32-byte scalar in base64url, usable by web-push', () => {
    for (let i = 0; i < 20; i++) {
      const keys = compat.generateVAPIDKeys()
      expect(Buffer.from(keys.publicKey, 'base64url')).toHaveLength(65)
      expect(Buffer.from(keys.privateKey, 'base64url')).toHaveLength(32)
      expect(keys.publicKey).toMatch(/^[A-Za-z0-9_-]+$/)
      webPush.getVapidHeaders('https://a.example', 'mailto:a@example.com', keys.publicKey, keys.privateKey, 'aes128gcm')
    }
  })

  it('WebPushError has web-push fields and is an Error', () => {
    const ours = new compat.WebPushError('m', 410, { a: '1' }, 'b', 'https://e')
    const theirs = new webPush.WebPushError('m', 410, { a: '1' }, 'b', 'https://e')
    for (const field of ['name', 'message', 'statusCode', 'headers', 'body', 'endpoint']) {
      expect((ours as unknown as Record<string, unknown>)[field], field).toEqual(theirs[field])
    }
    expect(ours).toBeInstanceOf(Error)
  })
})

describe('encrypt', () => {
  for (const encoding of ['aes128gcm', 'aesgcm']) {
    for (const size of [0, 1, 3000, 4078, 4079, 4094, 5000, 9000]) {
      it(`${encoding}, ${size} bytes: same shape as web-push, decrypted by http_ece`, () => {
        const payload = randomBytes(size)
        const sub = makeSubscriber('https://push.example')
        const results = [webPush.encrypt, compat.encrypt].map((encrypt) =>
          encrypt(sub.subscription.keys.p256dh, sub.subscription.keys.auth, payload, encoding),
        )
        const [theirs, ours] = results
        expect(Buffer.isBuffer(ours.localPublicKey)).toBe(true)
        expect(Buffer.isBuffer(ours.cipherText)).toBe(true)
        expect(typeof ours.salt).toBe('string')
        expect(ours.localPublicKey).toHaveLength(theirs.localPublicKey.length)
        expect(ours.salt).toHaveLength(theirs.salt.length)
        expect(ours.cipherText).toHaveLength(theirs.cipherText.length)
        for (const result of results) {
          const plain = httpEce.decrypt(result.cipherText, {
            version: encoding,
            privateKey: sub.ecdh,
            dh: result.localPublicKey.toString('base64url'),
            salt: result.salt,
            authSecret: sub.subscription.keys.auth,
          })
          expect(Buffer.compare(plain, payload)).toBe(0)
        }
      })
    }
  }
})

describe('one implementation: encrypting and signing are @wp/ece and @wp/vapid, run synchronously', () => {
  it('encrypt() runs on the synchronous backend of @wp/ece, and its output is what web-push would send', () => {
    const node = syncBackendByName('node')
    const ecdh = vi.spyOn(node, 'ephemeralEcdh')
    const seal = vi.spyOn(node, 'aesGcmEncrypt')
    const sub = makeSubscriber('https://push.example')
    for (const encoding of ['aes128gcm', 'aesgcm']) {
      const result = compat.encrypt(sub.subscription.keys.p256dh, sub.subscription.keys.auth, 'hello', encoding)
      const plain = httpEce.decrypt(result.cipherText, {
        version: encoding,
        privateKey: sub.ecdh,
        dh: result.localPublicKey.toString('base64url'),
        salt: result.salt,
        authSecret: sub.subscription.keys.auth,
      })
      expect(plain.toString()).toBe('hello')
    }
    expect(ecdh).toHaveBeenCalledTimes(2)
    expect(seal).toHaveBeenCalledTimes(2)
  })

  it("keeps web-push's leniency: an auth secret over 16 bytes and padded or standard base64 keys", () => {
    const sub = makeSubscriber('https://push.example')
    const auth = randomBytes(24)
    const p256dh = sub.ecdh.getPublicKey().toString('base64') // standard alphabet, padded: Node reads it
    for (const encoding of ['aes128gcm', 'aesgcm']) {
      for (const lib of [webPush, compat]) {
        const result = lib.encrypt(p256dh, auth.toString('base64url'), 'long auth', encoding)
        const plain = httpEce.decrypt(result.cipherText, {
          version: encoding,
          privateKey: sub.ecdh,
          dh: result.localPublicKey.toString('base64url'),
          salt: result.salt,
          authSecret: auth.toString('base64url'),
        })
        expect(plain.toString()).toBe('long auth')
      }
    }
  })

  it('getVapidHeaders signs with VapidKey.signSync on the synchronous backend: node:crypto verifies the JWS', () => {
    const sign = vi.spyOn(syncBackendByName('node'), 'sign')
    for (const encoding of ['aes128gcm', 'aesgcm']) {
      const headers = compat.getVapidHeaders(
        'https://push.example',
        'mailto:a@example.com',
        vapid.publicKey,
        vapid.privateKey,
        encoding,
      )
      const [header, payload, signature] = tokenOf(headers.Authorization).split('.') as [string, string, string]
      const key = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: Buffer.from(vapid.publicKey, 'base64url').subarray(1, 33).toString('base64url'),
          y: Buffer.from(vapid.publicKey, 'base64url').subarray(33).toString('base64url'),
        },
        format: 'jwk',
      })
      const data = Buffer.from(`${header}.${payload}`)
      const sig = Buffer.from(signature, 'base64url')
      expect(sig).toHaveLength(64)
      expect(verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true)
    }
    expect(sign).toHaveBeenCalledTimes(2)
  })

  it('generateVAPIDKeys makes its pair on the synchronous backend of @wp/ece', () => {
    const generate = vi.spyOn(syncBackendByName('node'), 'generateKeyPair')
    const keys = compat.generateVAPIDKeys()
    expect(generate).toHaveBeenCalledTimes(1)
    const pair = createECDH('prime256v1')
    pair.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'))
    expect(pair.getPublicKey().toString('base64url')).toBe(keys.publicKey)
  })
})

describe('generateRequestDetails', () => {
  const cases: [string, unknown, Record<string, unknown> | undefined][] = [
    ['no payload, no options', undefined, undefined],
    ['payload, VAPID', 'hello', { vapidDetails }],
    [
      'aesgcm, VAPID, every option',
      Buffer.from('hi'),
      { vapidDetails, contentEncoding: 'aesgcm', TTL: 60, urgency: 'high', topic: 'abc-_', timeout: 5000 },
    ],
    ['aesgcm without VAPID', 'x', { contentEncoding: 'aesgcm' }],
    ['extra headers', 'x', { headers: { 'X-One': 'a', TTL: 5 }, vapidDetails }],
    ['TTL 0', undefined, { TTL: 0, vapidDetails: null }],
  ]
  for (const [name, payload, options] of cases) {
    it(`${name}: the same headers in the same order as web-push`, () => {
      const theirs = webPush.generateRequestDetails(subscription, payload, options)
      const ours = compat.generateRequestDetails(subscription, payload as string, options)
      expect(Object.keys(ours)).toEqual(Object.keys(theirs))
      expect(Object.keys(ours.headers)).toEqual(Object.keys(theirs.headers))
      for (const [header, value] of Object.entries(theirs.headers as Record<string, unknown>)) {
        if (header === 'Authorization') {
          const a = jwtParts(tokenOf(value as string))
          const b = jwtParts(tokenOf(ours.headers[header] as string))
          expect(b.header).toEqual(a.header)
          expect({ ...b.claims, exp: 0 }).toEqual({ ...a.claims, exp: 0 })
          expect(Math.abs((b.claims.exp as number) - (a.claims.exp as number))).toBeLessThanOrEqual(2)
          expect((ours.headers[header] as string).replace(/t=[^,]+|WebPush \S+/, '')).toBe(
            (value as string).replace(/t=[^,]+|WebPush \S+/, ''),
          )
        } else if (header === 'Encryption') {
          expect(ours.headers[header]).toMatch(/^salt=[A-Za-z0-9_-]{22}$/)
        } else if (header === 'Crypto-Key') {
          const strip = (text: string) => text.replace(/dh=[A-Za-z0-9_-]+/, 'dh=')
          expect(strip(ours.headers[header] as string)).toBe(strip(value as string))
        } else {
          expect(ours.headers[header], header).toEqual(value)
        }
      }
      expect(ours.endpoint).toBe(theirs.endpoint)
      expect(ours.method).toBe(theirs.method)
      expect(ours.body === null).toBe(theirs.body === null)
    })
  }

  it('uses the VAPID details of setVapidDetails, and the GCM key for GCM and FCM endpoints', () => {
    for (const lib of [webPush, compat]) lib.setVapidDetails(vapidDetails.subject, vapid.publicKey, vapid.privateKey)
    const a = webPush.generateRequestDetails(subscription).headers.Authorization
    const b = compat.generateRequestDetails(subscription).headers.Authorization as string
    expect(jwtParts(tokenOf(b)).claims.aud).toBe(jwtParts(tokenOf(a)).claims.aud)
    for (const lib of [webPush, compat]) lib.setGCMAPIKey('gcm-key')
    for (const endpoint of ['https://android.googleapis.com/gcm/send/x', 'https://fcm.googleapis.com/fcm/send/x']) {
      const options = endpoint.includes('fcm') ? { vapidDetails: null } : undefined
      expect(compat.generateRequestDetails({ endpoint }, null, options as never).headers.Authorization).toBe(
        webPush.generateRequestDetails({ endpoint }, null, options).headers.Authorization,
      )
    }
  })
})

describe('the same errors as web-push', () => {
  const silence = () => vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  const long = 'a'.repeat(33)
  const calls: [string, (lib: typeof webPush) => unknown][] = [
    ['setGCMAPIKey("")', (lib) => lib.setGCMAPIKey('')],
    ['setGCMAPIKey(5)', (lib) => lib.setGCMAPIKey(5)],
    ['setVapidDetails no subject', (lib) => lib.setVapidDetails(undefined, vapid.publicKey, vapid.privateKey)],
    ['setVapidDetails subject number', (lib) => lib.setVapidDetails(5, vapid.publicKey, vapid.privateKey)],
    ['setVapidDetails subject not URL', (lib) => lib.setVapidDetails('nope', vapid.publicKey, vapid.privateKey)],
    [
      'setVapidDetails http subject',
      (lib) => lib.setVapidDetails('http://a.example', vapid.publicKey, vapid.privateKey),
    ],
    ['setVapidDetails no public key', (lib) => lib.setVapidDetails('mailto:a@b.c', '', vapid.privateKey)],
    ['setVapidDetails public key number', (lib) => lib.setVapidDetails('mailto:a@b.c', 5, vapid.privateKey)],
    [
      'setVapidDetails public key padded',
      (lib) => lib.setVapidDetails('mailto:a@b.c', `${vapid.publicKey}=`, vapid.privateKey),
    ],
    ['setVapidDetails public key short', (lib) => lib.setVapidDetails('mailto:a@b.c', 'AAAA', vapid.privateKey)],
    ['setVapidDetails no private key', (lib) => lib.setVapidDetails('mailto:a@b.c', vapid.publicKey, null)],
    ['setVapidDetails private key object', (lib) => lib.setVapidDetails('mailto:a@b.c', vapid.publicKey, {})],
    ['setVapidDetails private key +/', (lib) => lib.setVapidDetails('mailto:a@b.c', vapid.publicKey, 'a+/b')],
    ['setVapidDetails private key short', (lib) => lib.setVapidDetails('mailto:a@b.c', vapid.publicKey, 'AAAA')],
    [
      'getVapidHeaders no audience',
      (lib) => lib.getVapidHeaders('', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm'),
    ],
    [
      'getVapidHeaders audience number',
      (lib) => lib.getVapidHeaders(5, 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm'),
    ],
    [
      'getVapidHeaders audience not URL',
      (lib) => lib.getVapidHeaders('x', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm'),
    ],
    [
      'getVapidHeaders bad encoding',
      (lib) => lib.getVapidHeaders('https://a.b', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'gzip'),
    ],
    [
      'getVapidHeaders exp float',
      (lib) => lib.getVapidHeaders('https://a.b', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', 1.5),
    ],
    [
      'getVapidHeaders exp negative',
      (lib) => lib.getVapidHeaders('https://a.b', 'mailto:a@b.c', vapid.publicKey, vapid.privateKey, 'aes128gcm', -1),
    ],
    [
      'getVapidHeaders exp 48h',
      (lib) =>
        lib.getVapidHeaders(
          'https://a.b',
          'mailto:a@b.c',
          vapid.publicKey,
          vapid.privateKey,
          'aes128gcm',
          Math.floor(Date.now() / 1000) + 48 * 3600,
        ),
    ],
    ['encrypt no p256dh', (lib) => lib.encrypt('', 'a', 'x', 'aes128gcm')],
    ['encrypt p256dh number', (lib) => lib.encrypt(5, 'a', 'x', 'aes128gcm')],
    ['encrypt p256dh short', (lib) => lib.encrypt('AAAA', 'a', 'x', 'aes128gcm')],
    ['encrypt no auth', (lib) => lib.encrypt(subscription.keys.p256dh, '', 'x', 'aes128gcm')],
    ['encrypt auth number', (lib) => lib.encrypt(subscription.keys.p256dh, 5, 'x', 'aes128gcm')],
    ['encrypt auth short', (lib) => lib.encrypt(subscription.keys.p256dh, 'AAAA', 'x', 'aes128gcm')],
    ['encrypt payload number', (lib) => lib.encrypt(subscription.keys.p256dh, subscription.keys.auth, 5, 'aes128gcm')],
    ['details no subscription', (lib) => lib.generateRequestDetails(undefined)],
    ['details no endpoint', (lib) => lib.generateRequestDetails({})],
    ['details endpoint number', (lib) => lib.generateRequestDetails({ endpoint: 5 })],
    ['details payload without keys', (lib) => lib.generateRequestDetails({ endpoint: 'https://a.b' }, 'x')],
    ['details unknown option', (lib) => lib.generateRequestDetails(subscription, null, { ttl: 5 })],
    [
      'details duplicated header',
      (lib) => lib.generateRequestDetails(subscription, null, { TTL: 5, headers: { TTL: 6 } }),
    ],
    ['details TTL negative', (lib) => lib.generateRequestDetails(subscription, null, { TTL: -1 })],
    ['details bad encoding', (lib) => lib.generateRequestDetails(subscription, null, { contentEncoding: 'gzip' })],
    ['details bad urgency', (lib) => lib.generateRequestDetails(subscription, null, { urgency: 'urgent' })],
    ['details bad topic', (lib) => lib.generateRequestDetails(subscription, null, { topic: 'a b' })],
    ['details long topic', (lib) => lib.generateRequestDetails(subscription, null, { topic: long })],
    [
      'details bad vapid subject',
      (lib) => lib.generateRequestDetails(subscription, null, { vapidDetails: { ...vapidDetails, subject: 'x' } }),
    ],
  ]
  for (const [name, call] of calls) {
    it(`${name}: same message, an Error, thrown synchronously`, () => {
      silence()
      const theirs = thrown(() => call(webPush))
      const ours = thrown(() => call(compat))
      expect(theirs, 'web-push throws').toBeInstanceOf(Error)
      expect(ours).toBeInstanceOf(Error)
      expect(ours?.message).toBe(theirs?.message)
      expect(ours).not.toBeInstanceOf(compat.WebPushError)
    })
  }

  it('sendNotification rejects (never throws) with the same messages', async () => {
    silence()
    const bad: [unknown, unknown, unknown][] = [
      [undefined, undefined, undefined],
      [{ endpoint: 'https://a.b' }, 'x', undefined],
      [subscription, null, { TTL: -1 }],
      [subscription, null, { nope: 1 }],
      [subscription, 'x', { contentEncoding: 'br' }],
    ]
    for (const args of bad) {
      const theirs = (await (webPush.sendNotification as (...a: unknown[]) => Promise<unknown>)(...args).catch(
        (e: Error) => e,
      )) as Error
      let promise: Promise<unknown> | undefined
      expect(() => {
        promise = (compat.sendNotification as (...a: unknown[]) => Promise<unknown>)(...args)
      }).not.toThrow()
      const ours = await promise?.catch((e) => e)
      expect(ours).toBeInstanceOf(Error)
      expect((ours as Error).message).toBe(theirs.message)
    }
  })
})

describe('deliberate differences', () => {
  it('refuses a loopback endpoint unless allowed, saying how', async () => {
    const error = await compat.sendNotification({ endpoint: 'https://127.0.0.1:1/x' }).catch((e) => e)
    expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    expect(error.message).toContain('allowPrivateNetwork: true')
    expect(error.message).toContain('WEBPUSH_ALLOW_PRIVATE_NETWORK=1')
    const named = await compat.sendNotification({ endpoint: 'https://localhost:1/x' }).catch((e) => e)
    expect(named.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    const v6 = await compat.sendNotification({ endpoint: 'https://[::1]:1/x' }).catch((e) => e)
    expect(v6.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
  })

  it('refuses, when signing, a private key that is not a P-256 scalar (setVapidDetails checks the format only)', () => {
    const zero = Buffer.alloc(32).toString('base64url')
    expect(() => compat.setVapidDetails('mailto:a@b.c', vapid.publicKey, zero)).not.toThrow()
    const error = thrown(() => compat.generateRequestDetails(subscription))
    expect((error as { code?: string }).code).toBe('ERR_WP_VAPID_KEY')
    expect(error?.message).not.toContain(zero)
  })
  it('refuses a p256dh that is not a point on P-256, by code', () => {
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')
    const error = thrown(() => compat.encrypt(offCurve, subscription.keys.auth, 'x', 'aes128gcm'))
    expect((error as { code?: string }).code).toBe('ERR_WP_INVALID_POINT')
  })

  it('the VAPID audience is the origin: no explicit default port', () => {
    const details = compat.generateRequestDetails({ endpoint: 'https://push.example:443/x' }, null, { vapidDetails })
    expect(jwtParts(tokenOf(details.headers.Authorization as string)).claims.aud).toBe('https://push.example')
  })

  it('a private scalar of n or more is refused when signing', () => {
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex').toString(
      'base64url',
    )
    const error = thrown(() =>
      compat.getVapidHeaders('https://a.example', 'mailto:a@b.c', vapid.publicKey, n, 'aes128gcm'),
    )
    expect((error as { code?: string }).code).toBe('ERR_WP_VAPID_KEY')
  })
})

describe('against a local HTTPS server', () => {
  let server: StatusServer
  beforeAll(async () => {
    server = await startStatusServer()
  })
  afterAll(async () => {
    await server.close()
  })

  for (const status of [201, 400, 404, 410, 413, 429, 500]) {
    it(`status ${status}: the same result or WebPushError shape`, async () => {
      const sub = makeSubscriber(`${server.origin}/status/${status}`)
      const theirs = await webPush
        .sendNotification(sub.subscription, 'hello', { vapidDetails, agent: server.agent })
        .then(
          (r: unknown) => ({ ok: r }),
          (e: unknown) => ({ error: e }),
        )
      const ours = (await compat
        .sendNotification(sub.subscription, 'hello', { vapidDetails, agent: server.agent, allowPrivateNetwork: true })
        .then(
          (r) => ({ ok: r }),
          (e: unknown) => ({ error: e }),
        )) as unknown as Outcome
      const shape = (value: Record<string, unknown>) => {
        const { date: _date, ...headers } = value.headers as Record<string, unknown>
        return { ...value, headers }
      }
      if (status === 201) {
        expect(Object.keys((ours as { ok: object }).ok)).toEqual(['statusCode', 'body', 'headers'])
        expect(shape((ours as { ok: Record<string, unknown> }).ok)).toEqual(
          shape((theirs as { ok: Record<string, unknown> }).ok),
        )
      } else {
        const error = ours.error as unknown as compat.WebPushError
        expect(error).toBeInstanceOf(compat.WebPushError)
        const other = (theirs as { error: Record<string, unknown> }).error
        const fields = (e: Record<string, unknown>) =>
          shape({
            name: e.name,
            message: e.message,
            statusCode: e.statusCode,
            headers: e.headers,
            body: e.body,
            endpoint: e.endpoint,
          })
        expect(fields(error as unknown as Record<string, unknown>)).toEqual(fields(other))
        expect(error.statusCode).toBe(status)
      }
      const [a, b] = server.received.slice(-2) as [StatusServer['received'][0], StatusServer['received'][0]]
      expect(b.url).toBe(a.url)
      const names = (headers: Record<string, unknown>) => Object.keys(headers).sort()
      expect(names(b.headers)).toEqual(names(a.headers))
      for (const header of ['ttl', 'urgency', 'content-encoding', 'content-type', 'content-length']) {
        expect(b.headers[header], header).toBe(a.headers[header])
      }
      expect(jwtParts(tokenOf(b.headers.authorization as string)).claims.aud).toBe(server.origin)
      expect(jwtParts(tokenOf(a.headers.authorization as string)).claims.aud).toBe(server.origin)
      for (const { body } of [a, b]) {
        const plain = httpEce.decrypt(body, {
          version: 'aes128gcm',
          privateKey: sub.ecdh,
          authSecret: sub.subscription.keys.auth,
        })
        expect(plain.toString()).toBe('hello')
      }
    })
  }

  it('a timeout rejects with web-push\'s "Socket timeout"', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    try {
      const error = await compat
        .sendNotification({ endpoint: `https://127.0.0.1:${port}/x` }, null, {
          timeout: 200,
          allowPrivateNetwork: true,
        })
        .catch((e) => e)
      expect(error.message).toBe('Socket timeout')
    } finally {
      silent.close()
    }
  })

  it("refuses a host name that resolves to a private address, through a caller's agent too", async () => {
    const sub = makeSubscriber(`${server.origin.replace('127.0.0.1', 'localhost')}/status/201`)
    const count = server.received.length
    const error = await compat.sendNotification(sub.subscription, 'x', { agent: server.agent }).catch((e) => e)
    expect(error.code).toBe('ERR_WP_ENDPOINT_FORBIDDEN')
    expect(error.message).toContain('allowPrivateNetwork: true')
    expect(server.received.length).toBe(count)
  })

  it('proxy: both open a CONNECT tunnel through the proxy to the endpoint, and fail the same way on an untrusted certificate', async () => {
    const { createServer } = await import('node:http')
    const { connect } = await import('node:net')
    const tunnels: string[] = []
    const proxy = createServer()
    proxy.on('connect', (request, client) => {
      tunnels.push(request.url ?? '')
      const [host, port] = (request.url ?? '').split(':')
      const upstream = connect(Number(port), host as string, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
    try {
      const endpoint = `${server.origin}/status/201`
      const theirs = await webPush.sendNotification({ endpoint }, null, { proxy: proxyUrl }).catch((e: Error) => e)
      const ours = await compat
        .sendNotification({ endpoint }, null, { proxy: proxyUrl, allowPrivateNetwork: true })
        .catch((e: Error) => e)
      const target = server.origin.replace('https://', '')
      expect(tunnels).toEqual([target, target])
      expect(ours).toBeInstanceOf(Error)
      expect((ours as NodeJS.ErrnoException).code).toBe(theirs.code)
      expect((ours as Error).message).toBe(theirs.message)
    } finally {
      proxy.closeAllConnections()
      proxy.close()
    }
  })

  it('goes through https.request, looked up at call time, so stubs see it', async () => {
    const https = process.getBuiltinModule('node:https')
    // The object sinon and nock patch: what require('https') returns.
    expect(https).toBe(createRequire(import.meta.url)('https'))
    const spy = vi.spyOn(https, 'request')
    const sub = makeSubscriber(`${server.origin}/status/201`)
    const result = await compat.sendNotification(sub.subscription, 'stubbed', {
      vapidDetails,
      agent: server.agent,
      allowPrivateNetwork: true,
    })
    expect(result.statusCode).toBe(201)
    expect(spy).toHaveBeenCalledTimes(1)
    const options = spy.mock.calls[0]?.[0] as unknown as Record<string, unknown>
    expect(options.hostname).toBe('127.0.0.1')
    expect(options.method).toBe('POST')
    expect((options.headers as Record<string, unknown>).TTL).toBe(2419200)
    spy.mockRestore()
    const replaced = vi.spyOn(https, 'request').mockImplementation((() => {
      throw new Error('stubbed out')
    }) as never)
    await expect(compat.sendNotification(sub.subscription, 'x', { allowPrivateNetwork: true })).rejects.toThrow(
      'stubbed out',
    )
    expect(replaced).toHaveBeenCalledTimes(1)
  })
})
