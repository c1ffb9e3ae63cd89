import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { decryptWebPush, maxPlaintextLength } from '@wp/ece'
import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { importVapidKey } from '@wp/vapid'
// @ts-expect-error: http_ece ships no types
import httpEce from 'http_ece'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  generateVapidKeys,
  PushServiceError,
  WebPushError,
  WebPushException,
  WebPusher,
  type WebPushOptions,
  webpush,
} from '../src/index.js'
import { runOnSources } from './sources.js'

const run = promisify(execFile)
const service: PushService = await startPushService()
/** Only the local service's origin may be private and http:. */
const allowPrivateNetwork = [new URL(service.url).origin]
const keys = await generateVapidKeys()
let dir: string
let keyFile: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wp-webpush-'))
  keyFile = join(dir, 'private_key.pem')
  await writeFile(keyFile, (await importVapidKey(keys.privateKey)).toPEM())
})
afterAll(async () => {
  await service.close()
  await rm(dir, { recursive: true, force: true })
})

function base(extra: WebPushOptions = {}): WebPushOptions {
  return {
    vapidPrivateKey: keys.privateKey,
    vapidClaims: { sub: 'mailto:ops@example.com' },
    allowPrivateNetwork,
    ...extra,
  }
}

async function subscriber(): Promise<TestSubscriber> {
  return service.subscribe({ applicationServerKey: keys.publicKey })
}

describe('webpush() end to end', () => {
  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    const max = maxPlaintextLength(encoding)
    const cases: [string, unknown, Uint8Array][] = [
      ['a string', 'héllo', new TextEncoder().encode('héllo')],
      ['bytes', new Uint8Array([0, 1, 2, 255]), new Uint8Array([0, 1, 2, 255])],
      ['JSON', { title: 'Hi', n: [1, 2] }, new TextEncoder().encode('{"title":"Hi","n":[1,2]}')],
      ['an empty string', '', new Uint8Array(0)],
      ['the maximum size', 'x'.repeat(max), new TextEncoder().encode('x'.repeat(max))],
    ]
    for (const [name, data, expected] of cases)
      it(`${encoding}: ${name} arrives decrypted`, async () => {
        const sub = await subscriber()
        const response = await webpush(sub.subscription, data, base({ contentEncoding: encoding }))
        expect(response.status).toBe(201)
        expect(response.outcome).toBe('created')
        const push = await sub.next({ timeoutMs: 5000 })
        expect(push.payload).toEqual(expected)
        expect(push.encoding).toBe(encoding)
        expect(push.headers['content-type']).toBe('application/octet-stream')
      })
  }

  it('a push without payload', async () => {
    const sub = await subscriber()
    await webpush(sub.subscription, undefined, base())
    const push = await sub.next({ timeoutMs: 5000 })
    expect(push.payload.length).toBe(0)
    expect(push.encoding).toBeUndefined()
    expect(push.headers['content-type']).toBeUndefined()
  })

  it('the seed example: a PEM file path as vapidPrivateKey', async () => {
    const sub = await subscriber()
    await webpush(sub.subscription, 'seed', {
      vapidPrivateKey: keyFile,
      vapidClaims: { sub: 'mailto:YourEmail@example.com' },
      allowPrivateNetwork,
    })
    expect((await sub.next({ timeoutMs: 5000 })).text).toBe('seed')
  })

  it('every option is on the wire, and the claims as the subscriber sees them', async () => {
    const sub = await subscriber()
    const exp = Math.floor(Date.now() / 1000) + 3600
    const claims = { sub: 'https://example.com/contact', exp }
    const frozen = Object.freeze({ ...claims })
    await webpush(
      sub.subscription,
      'x',
      base({ ttl: 60, urgency: 'high', topic: 'news_1', headers: { 'X-Extra': 'yes' }, vapidClaims: frozen }),
    )
    const push = await sub.next({ timeoutMs: 5000 })
    expect(push.headers.ttl).toBe('60')
    expect(push.headers.urgency).toBe('high')
    expect(push.headers.topic).toBe('news_1')
    expect(push.headers['x-extra']).toBe('yes')
    expect(push.claims?.sub).toBe('https://example.com/contact')
    expect(push.claims?.exp).toBe(exp)
    expect(push.claims?.aud).toBe(new URL(service.url).origin)
    expect(frozen).toEqual(claims)
  })

  it('defaults: TTL 2419200; a caller TTL header is kept, not overridden', async () => {
    const sub = await subscriber()
    await webpush(sub.subscription, 'a', base())
    expect((await sub.next({ timeoutMs: 5000 })).headers.ttl).toBe('2419200')
    await webpush(sub.subscription, 'b', base({ headers: { ttl: '30' } }))
    expect((await sub.next({ timeoutMs: 5000 })).headers.ttl).toBe('30')
  })

  it('a wrong aud is refused by the service as unauthorized (the claim reaches it)', async () => {
    const sub = await subscriber()
    const err = await webpush(
      sub.subscription,
      'x',
      base({ vapidClaims: { sub: 'mailto:ops@example.com', aud: 'https://push.example.net' } }),
    ).catch((e) => e)
    expect(err).toBeInstanceOf(PushServiceError)
    expect(err.outcome).toBe('unauthorized')
  })

  it('a refusal is a PushServiceError with outcome, statusCode and reason', async () => {
    const sub = await subscriber()
    await sub.unsubscribe()
    const err = await webpush(sub.subscription, 'x', base()).catch((e) => e)
    expect(err).toBeInstanceOf(PushServiceError)
    expect(err).toBeInstanceOf(WebPushException)
    expect(err.outcome).toBe('gone')
    expect(err.statusCode).toBe(410)
    expect(typeof err.reason).toBe('string')
    expect(err.reason.length).toBeGreaterThan(0)
  })
})

describe('bad input is refused before any I/O', () => {
  const good = {
    endpoint: 'https://push.example.com/p/1',
    keys: {
      p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
      auth: 'BTBZMqHH6r4Tts7J_aSIgg',
    },
  }
  const rows: [string, unknown, unknown, unknown, string][] = [
    ['no subscription', null, 'x', base(), 'ERR_WP_INVALID_ARGUMENT'],
    ['endpoint not a URL', { ...good, endpoint: 'nope' }, 'x', base(), 'ERR_WP_INVALID_ARGUMENT'],
    [
      'http: endpoint',
      { ...good, endpoint: 'http://push.example.com/p' },
      'x',
      { ...base(), allowPrivateNetwork: false },
      'ERR_WP_INVALID_ARGUMENT',
    ],
    [
      'http: endpoint not in allowPrivateNetwork',
      { ...good, endpoint: 'http://127.0.0.1:1/p' },
      'x',
      base(),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    [
      'private https: endpoint not in allowPrivateNetwork',
      { ...good, endpoint: 'https://127.0.0.1:1/p' },
      'x',
      base(),
      'ERR_WP_ENDPOINT_FORBIDDEN',
    ],
    ['ftp: endpoint', { ...good, endpoint: 'ftp://push.example.com/p' }, 'x', base(), 'ERR_WP_INVALID_ARGUMENT'],
    ['no keys', { endpoint: good.endpoint }, 'x', base(), 'ERR_WP_INVALID_ARGUMENT'],
    ['short p256dh', { ...good, keys: { ...good.keys, p256dh: 'AAAA' } }, 'x', base(), 'ERR_WP_KEY_LENGTH'],
    [
      'p256dh off the curve',
      { ...good, keys: { ...good.keys, p256dh: `B${'A'.repeat(86)}` } },
      'x',
      base(),
      'ERR_WP_INVALID_POINT',
    ],
    ['p256dh not base64url', { ...good, keys: { ...good.keys, p256dh: 'a+b/' } }, 'x', base(), 'ERR_WP_BASE64URL'],
    [
      'auth 15 bytes',
      { ...good, keys: { ...good.keys, auth: 'BTBZMqHH6r4Tts7J_aSI' } },
      'x',
      base(),
      'ERR_WP_KEY_LENGTH',
    ],
    ['bad VAPID key', good, 'x', base({ vapidPrivateKey: 'not-a-key' }), 'ERR_WP_VAPID_KEY'],
    ['claims without sub', good, 'x', base({ vapidClaims: {} as never }), 'ERR_WP_VAPID_CLAIMS'],
    ['sub not a URI', good, 'x', base({ vapidClaims: { sub: 'ops' } }), 'ERR_WP_VAPID_CLAIMS'],
    [
      'exp 2 days ahead',
      good,
      'x',
      base({ vapidClaims: { sub: 'mailto:a@example.com', exp: Math.floor(Date.now() / 1000) + 172800 } }),
      'ERR_WP_VAPID_CLAIMS',
    ],
    [
      'unknown claim',
      good,
      'x',
      base({ vapidClaims: { sub: 'mailto:a@example.com', foo: 1 } as never }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    ['negative ttl', good, 'x', base({ ttl: -1 }), 'ERR_WP_INVALID_ARGUMENT'],
    ['ttl 2^31', good, 'x', base({ ttl: 2 ** 31 }), 'ERR_WP_INVALID_ARGUMENT'],
    ['fractional ttl', good, 'x', base({ ttl: 1.5 }), 'ERR_WP_INVALID_ARGUMENT'],
    ['bad TTL header', good, 'x', base({ headers: { TTL: 'soon' } }), 'ERR_WP_INVALID_ARGUMENT'],
    ['bad urgency', good, 'x', base({ urgency: 'urgent' as never }), 'ERR_WP_INVALID_ARGUMENT'],
    ['topic of 33', good, 'x', base({ topic: 'a'.repeat(33) }), 'ERR_WP_INVALID_ARGUMENT'],
    ['topic not base64url', good, 'x', base({ topic: 'a b' }), 'ERR_WP_INVALID_ARGUMENT'],
    ['oversize aes128gcm', good, 'x'.repeat(3994), base(), 'ERR_WP_PAYLOAD_TOO_LARGE'],
    [
      'oversize aesgcm',
      good,
      'x'.repeat(maxPlaintextLength('aesgcm') + 1),
      base({ contentEncoding: 'aesgcm' }),
      'ERR_WP_PAYLOAD_TOO_LARGE',
    ],
    ['bad encoding', good, 'x', base({ contentEncoding: 'gzip' as never }), 'ERR_WP_UNSUPPORTED_ENCODING'],
    ['unknown option', good, 'x', { ...base(), TTL: 60 }, 'ERR_WP_INVALID_ARGUMENT'],
    [
      'TTL header and ttl option differ',
      good,
      'x',
      base({ ttl: 60, headers: { ttl: '30' } }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    ['case variants of a header', good, 'x', base({ headers: { Topic: 'a', topic: 'b' } }), 'ERR_WP_INVALID_ARGUMENT'],
    ['Authorization with VAPID', good, 'x', base({ headers: { Authorization: 'x' } }), 'ERR_WP_INVALID_ARGUMENT'],
    [
      'Content-Encoding other than the option',
      good,
      'x',
      base({ headers: { 'content-encoding': 'aesgcm' } }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    ['header with a newline', good, 'x', base({ headers: { 'X-A': 'a\r\nB: c' } }), 'ERR_WP_INVALID_ARGUMENT'],
    [
      'timeout and transport.timeoutMs differ',
      good,
      'x',
      base({ timeout: 100, transport: { timeoutMs: 200 } }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    [
      'allowPrivateNetwork here and in transport differ',
      good,
      'x',
      base({ transport: { allowPrivateNetwork: true } }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    [
      'timeout with a ready Transport',
      good,
      'x',
      base({ timeout: 100, transport: { send: async () => ({}), close: async () => {} } as never }),
      'ERR_WP_INVALID_ARGUMENT',
    ],
    ['data not JSON', good, () => 1, base(), 'ERR_WP_INVALID_ARGUMENT'],
  ]
  it.each(rows)('%s', async (_name, subscription, data, options, code) => {
    const before = service.stats.requests
    const err = await webpush(subscription as never, data, options as never).catch((e) => e)
    expect(err).toBeInstanceOf(WebPushError)
    expect(err.code).toBe(code)
    expect(service.stats.requests).toBe(before)
  })

  it('the payload limit names the size and the limit', async () => {
    const err = await webpush(good, 'x'.repeat(3994), base()).catch((e) => e)
    expect(err.message).toContain('3994')
    expect(err.message).toContain('3993')
  })

  it('a bad subscription sent to the real service sends nothing', async () => {
    const sub = await subscriber()
    const before = service.stats.requests
    const bad = { ...sub.subscription, keys: { ...sub.subscription.keys, auth: 'AAAA' } }
    await expect(webpush(bad, 'x', base())).rejects.toMatchObject({ code: 'ERR_WP_KEY_LENGTH' })
    expect(service.stats.requests).toBe(before)
  })
})

describe('WebPusher', () => {
  it('send, with per-call options', async () => {
    const sub = await subscriber()
    const pusher = new WebPusher(sub.subscription, base())
    await pusher.send('one', { ttl: 5, headers: { Urgency: 'low' } })
    const push = await sub.next({ timeoutMs: 5000 })
    expect(push.text).toBe('one')
    expect(push.headers.ttl).toBe('5')
    expect(push.headers.urgency).toBe('low')
  })

  it('encode output decrypts with @wp/ece and with npm http_ece', async () => {
    const sub = await subscriber()
    const pusher = new WebPusher(sub.subscription, { allowPrivateNetwork })
    const { body, headers } = await pusher.encode('secret words')
    expect(headers['Content-Encoding']).toBe('aes128gcm')
    const ours = await decryptWebPush(body, sub.keys)
    expect(new TextDecoder().decode(ours)).toBe('secret words')
    const ecdh = (await import('node:crypto')).createECDH('prime256v1')
    ecdh.setPrivateKey(Buffer.from(sub.keys.privateKey))
    const theirs: Buffer = httpEce.decrypt(Buffer.from(body), {
      version: 'aes128gcm',
      privateKey: ecdh,
      authSecret: Buffer.from(sub.keys.auth).toString('base64url'),
    })
    expect(theirs.toString('utf8')).toBe('secret words')
  })

  it('encode in aesgcm gives the Encryption and Crypto-Key headers', async () => {
    const sub = await subscriber()
    const { body, headers } = await new WebPusher(sub.subscription, { allowPrivateNetwork }).encode(
      new Uint8Array([1, 2, 3]),
      'aesgcm',
    )
    expect(headers['Content-Encoding']).toBe('aesgcm')
    const plain = await decryptWebPush(body, sub.keys, { encoding: 'aesgcm', headers })
    expect(plain).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('a bad subscription throws from the constructor', () => {
    expect(() => new WebPusher({ endpoint: 'x' } as never)).toThrow(WebPushError)
  })
})

describe('curl output', () => {
  it('runs in sh and delivers', async () => {
    const sub = await subscriber()
    const command = await webpush(sub.subscription, 'by curl', { ...base({ ttl: 120 }), curl: true })
    expect(typeof command).toBe('string')
    expect(service.stats.requests).toBeGreaterThan(0)
    const before = service.stats.requests
    await run('sh', ['-c', command], { timeout: 15_000 })
    const push = await sub.next({ timeoutMs: 5000 })
    expect(push.text).toBe('by curl')
    expect(push.headers.ttl).toBe('120')
    expect(service.stats.requests).toBe(before + 1)
  })

  it('WebPusher.send({ curl: true }) in aesgcm delivers too', async () => {
    const sub = await subscriber()
    const command = await new WebPusher(sub.subscription, base()).send('old', { curl: true, contentEncoding: 'aesgcm' })
    await run('sh', ['-c', command], { timeout: 15_000 })
    const push = await sub.next({ timeoutMs: 5000 })
    expect(push.text).toBe('old')
    expect(push.encoding).toBe('aesgcm')
  })
})

describe('a script calling webpush() once', () => {
  it('exits by itself', async () => {
    const sub = await subscriber()
    const script = join(dir, 'once.mjs')
    const entry = new URL('../src/index.ts', import.meta.url).href
    await writeFile(
      script,
      `import { webpush } from ${JSON.stringify(entry)}\n` +
        `const r = await webpush(${JSON.stringify(sub.subscription)}, 'bye', { vapidPrivateKey: ${JSON.stringify(keys.privateKey)}, vapidClaims: { sub: 'mailto:a@example.com' }, allowPrivateNetwork: ${JSON.stringify(allowPrivateNetwork)} })\n` +
        "const settled = Date.now()\nprocess.on('exit', () => console.log(r.status, Date.now() - settled))\n",
    )
    const started = Date.now()
    const stdout = await runOnSources(script)
    // The process ends as soon as the call settles: nothing it opened (a kept-alive connection, a
    // timer) holds it. An unclosed transport keeps it for the connection's keep-alive time (seconds).
    const [status, lingerMs] = stdout.trim().split(' ').map(Number)
    expect(status).toBe(201)
    expect(lingerMs).toBeLessThan(1500)
    expect(Date.now() - started).toBeLessThan(20_000)
    expect((await sub.next({ timeoutMs: 5000 })).text).toBe('bye')
  })
})

describe('request building without a network', () => {
  const keysOf = async () => (await service.subscribe()).subscription.keys

  it('the legacy GCM path: Authorization key=, a JSON body with registration_ids and raw_data', async () => {
    const k = await keysOf()
    const command = await webpush({ endpoint: 'https://android.googleapis.com/gcm/send/reg-123', keys: k }, 'old', {
      gcmKey: 'AIza-test',
      contentEncoding: 'aesgcm',
      curl: true,
    })
    expect(command).toContain("--url 'https://android.googleapis.com/gcm/send'")
    expect(command).toContain("-H 'Authorization: key=AIza-test'")
    expect(command).toContain("-H 'Content-Type: application/json'")
    expect(command).toContain('registration_ids')
    expect(command).toContain('reg-123')
    expect(command).toContain('raw_data')
    expect(command).toMatch(/-H 'Encryption: salt=/)
  })

  it('a GCM endpoint without gcmKey is refused', async () => {
    const k = await keysOf()
    await expect(
      webpush({ endpoint: 'https://android.googleapis.com/gcm/send/reg', keys: k }, 'x', { curl: true }),
    ).rejects.toMatchObject({ code: 'ERR_WP_INVALID_ARGUMENT' })
  })

  it('WNS endpoints get X-WNS-Cache-Policy from the TTL, unless the caller set one', async () => {
    const k = await keysOf()
    const endpoint = 'https://db5p.notify.windows.com/w/?token=abc'
    const zero = await webpush({ endpoint, keys: k }, 'x', { ttl: 0, curl: true })
    expect(zero).toContain("-H 'X-WNS-Cache-Policy: no-cache'")
    const later = await webpush({ endpoint, keys: k }, 'x', { curl: true })
    expect(later).toContain("-H 'X-WNS-Cache-Policy: cache'")
    const mine = await webpush({ endpoint, keys: k }, 'x', {
      curl: true,
      headers: { 'x-wns-cache-policy': 'cache' },
      ttl: 0,
    })
    expect(mine).toContain("-H 'x-wns-cache-policy: cache'")
    expect(mine).not.toMatch(/X-WNS-Cache-Policy/)
  })

  it('case variants never duplicate: a caller content-type replaces the default', async () => {
    const k = await keysOf()
    const command = await webpush({ endpoint: 'https://push.example.com/p', keys: k }, 'x', {
      curl: true,
      headers: { 'content-type': 'application/x-custom' },
    })
    expect(command).toContain("-H 'content-type: application/x-custom'")
    expect(command.toLowerCase().match(/content-type: /g)).toHaveLength(1)
  })
})
