/** VAPID headers for both encodings (RFC 8292 §3 and the aesgcm draft) and VapidSigner's per-origin token cache. */
import { generateKeyPairSync } from 'node:crypto'
import { inspect } from 'node:util'
import { base64urlEncode, getBackend } from '@wp/ece/utils'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  audienceOf,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  importVapidKey,
  type VapidKey,
  VapidSigner,
  vapidHeaders,
  verifyVapidToken,
} from '../src/index.js'
import { AUDIENCE, claimsOf, ENDPOINT, expectCode, joseVerify, parseVapidHeaders, SUBJECT } from './helpers.js'

let key: VapidKey
beforeAll(async () => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' })
  key = await importVapidKey(jwk as never)
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const FCM = 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bF'
const MOZ = 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk'

describe('vapidHeaders', () => {
  it('aes128gcm: Authorization "vapid t=<jwt>, k=<key>" only, aud the endpoint origin', async () => {
    const headers = await vapidHeaders({ key, endpoint: FCM, subject: SUBJECT })
    expect(Object.keys(headers)).toEqual(['Authorization'])
    const { token, key: k } = parseVapidHeaders(headers)
    expect(k).toBe(key.applicationServerKey)
    expect(await joseVerify(token, k, 'https://fcm.googleapis.com')).toMatchObject({ sub: SUBJECT })
    expect(await vapidHeaders({ key, endpoint: FCM, subject: SUBJECT, encoding: 'aes128gcm' })).toHaveProperty(
      'Authorization',
    )
  })

  it('aesgcm: Authorization "WebPush <jwt>" and Crypto-Key "p256ecdsa=<key>"', async () => {
    const headers = await vapidHeaders({ key, endpoint: MOZ, subject: SUBJECT, encoding: 'aesgcm' })
    expect(Object.keys(headers).sort()).toEqual(['Authorization', 'Crypto-Key'])
    expect(headers.Authorization).toMatch(/^WebPush [\w-]+\.[\w-]+\.[\w-]+$/)
    expect(headers['Crypto-Key']).toBe(`p256ecdsa=${key.applicationServerKey}`)
    const { token } = parseVapidHeaders(headers)
    await joseVerify(token, key.publicKey, 'https://updates.push.services.mozilla.com')
  })

  it('takes expiresAt and any key form', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600
    const headers = await vapidHeaders({ key: key.toPEM('sec1'), endpoint: FCM, subject: SUBJECT, expiresAt: exp })
    expect(claimsOf(parseVapidHeaders(headers).token).exp).toBe(exp)
  })

  it('refuses bad endpoints, encodings and keys with their codes', async () => {
    for (const endpoint of ['', 'not a url', 'ftp://push.example.net/x', 'mailto:a@b.example', 42, undefined])
      await expectCode(() => vapidHeaders({ key, endpoint, subject: SUBJECT } as never), 'ERR_WP_INVALID_ARGUMENT')
    for (const encoding of ['gzip', 'AES128GCM', null])
      await expectCode(
        () => vapidHeaders({ key, endpoint: FCM, subject: SUBJECT, encoding } as never),
        'ERR_WP_UNSUPPORTED_ENCODING',
      )
    await expectCode(() => vapidHeaders({ key: 'garbage', endpoint: FCM, subject: SUBJECT }), 'ERR_WP_VAPID_KEY')
    await expectCode(() => vapidHeaders(null as never), 'ERR_WP_INVALID_ARGUMENT')
  })

  it('audienceOf gives the canonical origin', () => {
    expect(audienceOf('https://Push.Example.NET:443/a/b?c#d')).toBe('https://push.example.net')
    expect(audienceOf('https://push.example.net:8443/a')).toBe('https://push.example.net:8443')
    expect(audienceOf('http://127.0.0.1:8080/push/1')).toBe('http://127.0.0.1:8080')
  })
})

describe('VapidSigner', () => {
  const signer = (options: Partial<ConstructorParameters<typeof VapidSigner>[0]> = {}): VapidSigner =>
    new VapidSigner({ key, subject: SUBJECT, ...options })

  it('reuses one token for every endpoint of an origin, and for both encodings', async () => {
    const s = signer()
    const sign = vi.spyOn(key, 'sign')
    const a = parseVapidHeaders(await s.headers(`${FCM}/one`))
    const b = parseVapidHeaders(await s.headers('https://fcm.googleapis.com/fcm/send/two'))
    const c = parseVapidHeaders(await s.headers('https://FCM.googleapis.com:443/other/path?x=1', 'aesgcm'))
    expect(b.token).toBe(a.token)
    expect(c.token).toBe(a.token)
    expect(sign).toHaveBeenCalledTimes(1)
    expect(a.key).toBe(key.applicationServerKey)
    await joseVerify(a.token, a.key, 'https://fcm.googleapis.com')
    expect(await s.token('https://fcm.googleapis.com')).toBe(a.token)
  })

  it('signs a different token per origin, each with its own aud', async () => {
    const s = signer()
    const endpoints = [FCM, MOZ, 'https://web.push.apple.com/QGuQyavXutnMH', 'https://push.example.net:8443/x']
    const tokens = await Promise.all(endpoints.map(async (e) => parseVapidHeaders(await s.headers(e)).token))
    expect(new Set(tokens).size).toBe(endpoints.length)
    for (const [i, token] of tokens.entries()) {
      const origin = new URL(endpoints[i] as string).origin
      expect(await joseVerify(token, key.publicKey, origin)).toMatchObject({ aud: origin, sub: SUBJECT })
    }
  })

  it('never gives one origin’s token to a look-alike endpoint', async () => {
    const s = signer()
    await s.headers(`${AUDIENCE}/warm`)
    for (const endpoint of [
      `${AUDIENCE}@evil.example/x`,
      `${AUDIENCE}.evil.example/x`,
      `${AUDIENCE}:8443/x`,
      `${AUDIENCE}\\@evil.example/x`,
      'http://push.example.net/x',
    ]) {
      const { token } = parseVapidHeaders(await s.headers(endpoint))
      expect(claimsOf(token).aud).toBe(new URL(endpoint).origin)
    }
  })

  it('signs once for concurrent calls on the same origin', async () => {
    const s = signer({ key: key.toPEM() })
    const backend = getBackend()
    const sign = vi.spyOn(backend, 'sign')
    const imports = vi.spyOn(backend, 'importSigningKey')
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.headers(`${ENDPOINT}/${i}`, i % 2 ? 'aesgcm' : 'aes128gcm')),
    )
    const tokens = new Set(results.map((h) => parseVapidHeaders(h).token))
    expect(tokens.size).toBe(1)
    expect(sign).toHaveBeenCalledTimes(1)
    // The key is parsed once (the same VapidKey every time) and imported into the backend once.
    const again = await Promise.all([s.headers(FCM), s.headers(MOZ), s.headers(FCM)])
    expect(again).toHaveLength(3)
    expect(sign).toHaveBeenCalledTimes(3)
    expect(imports).toHaveBeenCalledTimes(1)
    expect(await s.key()).toBe(await s.key())
  })

  it('refreshes a token shortly before it expires, and not before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = Date.UTC(2030, 0, 1)
    vi.setSystemTime(t0)
    const s = signer()
    const first = await s.token(AUDIENCE)
    const exp = claimsOf(first).exp as number
    expect(exp).toBe(t0 / 1000 + DEFAULT_TOKEN_LIFETIME_SECONDS)

    vi.setSystemTime((exp - 600) * 1000) // 10 minutes left: still reused
    expect(await s.token(AUDIENCE)).toBe(first)
    vi.setSystemTime((exp - 301) * 1000)
    expect(await s.token(AUDIENCE)).toBe(first)

    vi.setSystemTime((exp - 300) * 1000) // 5 minutes left: a new token
    const second = await s.token(AUDIENCE)
    expect(second).not.toBe(first)
    expect(claimsOf(second).exp).toBe(exp - 300 + DEFAULT_TOKEN_LIFETIME_SECONDS)
    await verifyVapidToken(second, key.publicKey, { audience: AUDIENCE })
    expect(await s.token(AUDIENCE)).toBe(second)

    vi.setSystemTime(Date.UTC(2030, 0, 5)) // long after: a new one again, and it verifies now
    const third = parseVapidHeaders(await s.headers(ENDPOINT)).token
    expect(third).not.toBe(second)
    await joseVerify(third, key.publicKey, AUDIENCE)
  })

  it('honours tokenLifetimeSeconds, refreshing a twelfth of it before expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const t0 = Date.UTC(2030, 0, 1)
    vi.setSystemTime(t0)
    const s = signer({ tokenLifetimeSeconds: 600 })
    const first = await s.token(AUDIENCE)
    expect(claimsOf(first).exp).toBe(t0 / 1000 + 600)
    vi.setSystemTime(t0 + 549_000)
    expect(await s.token(AUDIENCE)).toBe(first)
    vi.setSystemTime(t0 + 550_000)
    expect(await s.token(AUDIENCE)).not.toBe(first)
  })

  it('keeps at most maxAudiences tokens, down to one', async () => {
    const s = signer({ maxAudiences: 1 })
    const sign = vi.spyOn(key, 'sign')
    for (let round = 0; round < 3; round++)
      for (const audience of ['https://a.example', 'https://b.example']) await s.token(audience)
    // Each token evicts the other: a new signature every time.
    expect(sign).toHaveBeenCalledTimes(6)
  })

  it('keeps at most maxAudiences tokens', async () => {
    const s = signer({ maxAudiences: 2 })
    const sign = vi.spyOn(key, 'sign')
    await s.token('https://a.example')
    await s.token('https://b.example')
    await s.token('https://c.example') // drops a.example
    await s.token('https://c.example')
    expect(sign).toHaveBeenCalledTimes(3)
    await s.token('https://a.example')
    expect(sign).toHaveBeenCalledTimes(4)
  })

  it('does not modify the caller’s (frozen) options', async () => {
    const options = Object.freeze({ key: key.toJWK(), subject: SUBJECT, tokenLifetimeSeconds: 3600 })
    const s = new VapidSigner(options)
    await s.headers(ENDPOINT)
    expect(Object.keys(options)).toEqual(['key', 'subject', 'tokenLifetimeSeconds'])
  })

  it('refuses bad options with their codes', async () => {
    await expectCode(() => new VapidSigner({ key, subject: 'mailto:ops@localhost' }), 'ERR_WP_VAPID_CLAIMS')
    await expectCode(() => new VapidSigner({ key, subject: 'ops@example.com' }), 'ERR_WP_VAPID_CLAIMS')
    for (const tokenLifetimeSeconds of [
      0,
      59,
      86_401,
      3600.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      '3600',
      null,
      {},
    ])
      await expectCode(
        () => new VapidSigner({ key, subject: SUBJECT, tokenLifetimeSeconds } as never),
        'ERR_WP_VAPID_CLAIMS',
      )
    // With NaN (or Infinity, or null taken as the default) the cache was never trimmed.
    for (const maxAudiences of [
      Number.NaN,
      0,
      -1,
      1.5,
      Number.POSITIVE_INFINITY,
      Number.MAX_SAFE_INTEGER + 1,
      '10',
      null,
      true,
      10n,
    ])
      await expectCode(
        () => new VapidSigner({ key, subject: SUBJECT, maxAudiences } as never),
        'ERR_WP_INVALID_ARGUMENT',
      )
    expect(new VapidSigner({ key, subject: SUBJECT, maxAudiences: Number.MAX_SAFE_INTEGER })).toBeInstanceOf(
      VapidSigner,
    )
    for (const options of [null, [], 'key', 42])
      await expectCode(() => new VapidSigner(options as never), 'ERR_WP_INVALID_ARGUMENT')
    await expectCode(() => new VapidSigner({ subject: SUBJECT } as never), 'ERR_WP_VAPID_KEY')
    await expectCode(() => new VapidSigner(undefined as never), 'ERR_WP_INVALID_ARGUMENT')
    const bad = new VapidSigner({ key: 'not a key', subject: SUBJECT })
    await expectCode(() => bad.headers(ENDPOINT), 'ERR_WP_VAPID_KEY')
    const s = signer()
    await expectCode(() => s.headers('not a url'), 'ERR_WP_INVALID_ARGUMENT')
    await expectCode(() => s.headers(ENDPOINT, 'gzip' as never), 'ERR_WP_UNSUPPORTED_ENCODING')
    await expectCode(() => s.token(`${AUDIENCE}/path`), 'ERR_WP_VAPID_CLAIMS')
  })

  it('does not show the private key', async () => {
    const secret = key.toBase64url()
    const s = new VapidSigner({ key: secret, subject: SUBJECT })
    await s.headers(ENDPOINT)
    for (const text of [inspect(s, { showHidden: true, depth: Number.POSITIVE_INFINITY }), JSON.stringify(s)]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(base64urlEncode(key.toRaw()))
    }
  })
})
