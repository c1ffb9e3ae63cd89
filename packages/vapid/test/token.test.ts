/** ES256 VAPID tokens (RFC 8292 §2): signing, the claim rules enforced before signing, verification. */
import { generateKeyPairSync } from 'node:crypto'
import { backendByName, base64urlEncode, useBackend } from '@wp/ece/utils'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  importVapidKey,
  MAX_TOKEN_LIFETIME_SECONDS,
  signVapidToken,
  type VapidKey,
  VapidKey as VapidKeyClass,
  vapidHeaders,
  verifyVapidToken,
} from '../src/index.js'
import { AUDIENCE, backends, claimsOf, ENDPOINT, expectCode, joseVerify, nodeVerifies, SUBJECT } from './helpers.js'

const now = (): number => Math.floor(Date.now() / 1000)
let key: VapidKey
let other: VapidKey
beforeAll(async () => {
  key = await importVapidKey(
    generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as never,
  )
  other = await importVapidKey(
    generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' }) as never,
  )
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  useBackend('node')
})

/** A token with a header and payload of our choosing, signed by `key`. */
async function forge(header: object, payload: object, signer: VapidKey = key): Promise<string> {
  const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${base64urlEncode(await signer.sign(new TextEncoder().encode(input)))}`
}

describe('signVapidToken', () => {
  it('signs an ES256 JWT that jose verifies, with aud, exp (default 12 h) and sub', async () => {
    const before = now()
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    const payload = await joseVerify(token, key.publicKey, AUDIENCE)
    expect(payload).toEqual({ aud: AUDIENCE, exp: expect.any(Number), sub: SUBJECT })
    expect(payload.exp).toBeGreaterThanOrEqual(before + DEFAULT_TOKEN_LIFETIME_SECONDS)
    expect(payload.exp).toBeLessThanOrEqual(now() + DEFAULT_TOKEN_LIFETIME_SECONDS)
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'ES256',
    })
  })

  it('takes expiresAt as seconds or a Date', async () => {
    const exp = now() + 3600
    const a = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT, expiresAt: exp })
    const b = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT, expiresAt: new Date(exp * 1000 + 999) })
    expect(claimsOf(a).exp).toBe(exp)
    expect(claimsOf(b).exp).toBe(exp)
    await joseVerify(b, key.applicationServerKey, AUDIENCE)
  })

  it('takes the key in any importable form', async () => {
    for (const form of [key.toPEM(), key.toPEM('sec1'), key.toJWK(), key.toBase64url(), key.toDER()]) {
      const token = await signVapidToken({ key: form, audience: AUDIENCE, subject: SUBJECT })
      await joseVerify(token, key.publicKey, AUDIENCE)
    }
  })

  it('always makes a 64-byte signature that node:crypto verifies (IEEE P1363)', async () => {
    const spki = key.publicKeyPEM()
    for (let i = 0; i < 64; i++) {
      const token = await signVapidToken({ key, audience: `https://p${i}.example.com`, subject: SUBJECT })
      const signature = token.split('.')[2] as string
      expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/)
      expect(nodeVerifies(token, spki)).toBe(true)
    }
  })

  it('accepts the edge of the rules', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const t = now()
    const cases = [
      { audience: 'https://push.example.net:8443', subject: 'https://example.com/contact' },
      { audience: 'http://127.0.0.1:8080', subject: 'mailto:ops+push@example.co.uk' },
      { audience: 'http://localhost:8080', subject: 'https://example.com' },
      { audience: 'https://[::1]:4000', subject: 'mailto:a@b.example' },
      { audience: 'https://xn--bcher-kva.example', subject: 'https://localhost.example.com/' },
      { audience: AUDIENCE, subject: SUBJECT, expiresAt: t + MAX_TOKEN_LIFETIME_SECONDS },
      { audience: AUDIENCE, subject: SUBJECT, expiresAt: t + 1 },
    ]
    for (const c of cases) {
      const token = await signVapidToken({ key, ...c })
      const claims = await verifyVapidToken(token, key.publicKey, { audience: c.audience })
      expect(claims.aud).toBe(c.audience)
      expect(claims.sub).toBe(c.subject)
    }
  })

  it('does not modify the caller’s (frozen) options', async () => {
    const options = Object.freeze({ key, audience: AUDIENCE, subject: SUBJECT, expiresAt: now() + 60 })
    const copy = { ...options }
    await signVapidToken(options)
    expect(options).toEqual(copy)
    const headers = Object.freeze({
      key: key.toPEM(),
      endpoint: ENDPOINT,
      subject: SUBJECT,
      encoding: 'aesgcm' as const,
    })
    await vapidHeaders(headers)
    expect(Object.keys(headers)).toEqual(['key', 'endpoint', 'subject', 'encoding'])
  })
})

describe('bad claims: each refused with ERR_WP_VAPID_CLAIMS before anything is signed', () => {
  const T = Date.UTC(2030, 0, 1) / 1000
  const table: [string, { audience?: unknown; subject?: unknown; expiresAt?: unknown }][] = [
    ['aud with a path', { audience: `${AUDIENCE}/wpush/v2/abc` }],
    ['aud with a trailing slash', { audience: `${AUDIENCE}/` }],
    ['aud with a query', { audience: `${AUDIENCE}?x=1` }],
    ['aud with a fragment', { audience: `${AUDIENCE}#x` }],
    ['aud with an empty query', { audience: `${AUDIENCE}?` }],
    ['aud with user info', { audience: 'https://user:pw@push.example.net' }],
    ['aud with the default port', { audience: 'https://push.example.net:443' }],
    ['aud with an uppercase host', { audience: 'https://Push.Example.net' }],
    ['aud with an uppercase scheme', { audience: 'HTTPS://push.example.net' }],
    ['aud with a leading space', { audience: ` ${AUDIENCE}` }],
    ['aud without a scheme', { audience: 'push.example.net' }],
    ['aud ftp:', { audience: 'ftp://push.example.net' }],
    ['aud wss:', { audience: 'wss://push.example.net' }],
    ['aud file:', { audience: 'file:///etc/passwd' }],
    ['aud data:', { audience: 'data:text/plain,hi' }],
    ['aud mailto:', { audience: 'mailto:a@b.example' }],
    ['aud empty', { audience: '' }],
    ['aud missing', { audience: undefined }],
    ['aud a number', { audience: 42 }],
    ['aud a URL object', { audience: new URL(AUDIENCE) }],
    ['exp in the past', { expiresAt: T - 1 }],
    ['exp now', { expiresAt: T }],
    ['exp 24 h + 1 s ahead', { expiresAt: T + MAX_TOKEN_LIFETIME_SECONDS + 1 }],
    ['exp a week ahead', { expiresAt: T + 7 * 86400 }],
    ['exp in milliseconds', { expiresAt: T * 1000 + 60_000 }],
    ['exp not an integer', { expiresAt: T + 60.5 }],
    ['exp NaN', { expiresAt: Number.NaN }],
    ['exp Infinity', { expiresAt: Number.POSITIVE_INFINITY }],
    ['exp a string', { expiresAt: String(T + 60) }],
    ['exp null', { expiresAt: null }],
    ['exp an invalid Date', { expiresAt: new Date(Number.NaN) }],
    ['exp a Date past 24 h', { expiresAt: new Date((T + MAX_TOKEN_LIFETIME_SECONDS + 1) * 1000) }],
    ['sub a bare address', { subject: 'ops@example.com' }],
    ['sub http:', { subject: 'http://example.com' }],
    ['sub ftp:', { subject: 'ftp://example.com' }],
    ['sub mailto: without address', { subject: 'mailto:' }],
    ['sub mailto: without @', { subject: 'mailto:ops' }],
    ['sub mailto: without domain', { subject: 'mailto:ops@' }],
    ['sub mailto: with a space', { subject: 'mailto:o ps@example.com' }],
    ['sub mailto: at localhost', { subject: 'mailto:ops@localhost' }],
    ['sub mailto: at LOCALHOST', { subject: 'mailto:ops@LOCALHOST' }],
    ['sub https://localhost', { subject: 'https://localhost' }],
    ['sub https://localhost:8080/contact', { subject: 'https://localhost:8080/contact' }],
    ['sub https://LocalHost.', { subject: 'https://LocalHost./' }],
    ['sub at a .localhost name', { subject: 'https://app.localhost' }],
    ['sub https: not a URL', { subject: 'https://' }],
    ['sub empty', { subject: '' }],
    ['sub missing', { subject: undefined }],
    ['sub a number', { subject: 1 }],
  ]

  it.each(table)('%s', async (_name, bad) => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(T * 1000)
    const sign = vi.spyOn(VapidKeyClass.prototype, 'sign')
    const options = { key, audience: AUDIENCE, subject: SUBJECT, ...bad }
    await expectCode(() => signVapidToken(options as never), 'ERR_WP_VAPID_CLAIMS')
    // The claims are checked before the key: a bad key does not mask them.
    await expectCode(() => signVapidToken({ ...options, key: 'garbage' } as never), 'ERR_WP_VAPID_CLAIMS')
    if (!('audience' in bad)) {
      const headers = { key, endpoint: ENDPOINT, subject: options.subject, expiresAt: options.expiresAt }
      await expectCode(() => vapidHeaders(headers as never), 'ERR_WP_VAPID_CLAIMS')
    }
    expect(sign).not.toHaveBeenCalled()
  })

  it('refuses options that are not an object', async () => {
    for (const options of [undefined, null, 'x', 42, [], [key, AUDIENCE, SUBJECT]]) {
      await expectCode(() => signVapidToken(options as never), 'ERR_WP_INVALID_ARGUMENT')
      await expectCode(() => vapidHeaders(options as never), 'ERR_WP_INVALID_ARGUMENT')
    }
  })
})

describe('verifyVapidToken', () => {
  it('returns the claims of a good token, given the key as bytes, base64url, PEM or VapidKey', async () => {
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    for (const pub of [key.publicKey, key.applicationServerKey, key.publicKeyPEM(), key]) {
      const claims = await verifyVapidToken(token, pub, { audience: AUDIENCE })
      expect(claims).toMatchObject({ aud: AUDIENCE, sub: SUBJECT })
    }
  })

  it('refuses a token signed by another key', async () => {
    const token = await signVapidToken({ key: other, audience: AUDIENCE, subject: SUBJECT })
    await expectCode(() => verifyVapidToken(token, key.publicKey), 'ERR_WP_VAPID_TOKEN')
  })

  it('refuses a token for another audience', async () => {
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    await expectCode(
      () => verifyVapidToken(token, key.publicKey, { audience: 'https://fcm.googleapis.com' }),
      'ERR_WP_VAPID_TOKEN',
    )
    await expectCode(() => verifyVapidToken(token, key.publicKey, { audience: `${AUDIENCE}/` }), 'ERR_WP_VAPID_TOKEN')
  })

  it('checks exp against now, allowing a small clock skew', async () => {
    const exp = now() + 600
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT, expiresAt: exp })
    await verifyVapidToken(token, key.publicKey, { now: exp })
    await verifyVapidToken(token, key.publicKey, { now: exp + 30 })
    await expectCode(() => verifyVapidToken(token, key.publicKey, { now: exp + 3600 }), 'ERR_WP_VAPID_TOKEN')
    // A token expiring more than 24 h (plus skew) ahead of the verifier's clock.
    await verifyVapidToken(token, key.publicKey, { now: exp - MAX_TOKEN_LIFETIME_SECONDS })
    await expectCode(
      () => verifyVapidToken(token, key.publicKey, { now: exp - MAX_TOKEN_LIFETIME_SECONDS - 3600 }),
      'ERR_WP_VAPID_TOKEN',
    )
  })

  it('follows the real clock by default', async () => {
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT, expiresAt: now() + 60 })
    await verifyVapidToken(token, key.publicKey)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 3600_000)
    await expectCode(() => verifyVapidToken(token, key.publicKey), 'ERR_WP_VAPID_TOKEN')
  })

  it('refuses options it cannot use with ERR_WP_INVALID_ARGUMENT, never checking exp against them', async () => {
    // An expired token: with `now` NaN or a string every comparison with exp came out false, so it passed.
    const exp = now() - 3600
    const expired = await forge({ typ: 'JWT', alg: 'ES256' }, { aud: AUDIENCE, exp, sub: SUBJECT })
    await verifyVapidToken(expired, key.publicKey, { now: exp })
    await expectCode(() => verifyVapidToken(expired, key.publicKey), 'ERR_WP_VAPID_TOKEN')
    const badNow: unknown[] = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      String(exp),
      'abc',
      '',
      null,
      true,
      {},
      [exp],
      new Date(exp * 1000),
      BigInt(exp),
    ]
    for (const value of badNow) {
      const error = await expectCode(
        () => verifyVapidToken(expired, key.publicKey, { now: value } as never),
        'ERR_WP_INVALID_ARGUMENT',
      )
      expect(error.message).toContain('now')
    }
    for (const audience of [42, null, {}, new URL(AUDIENCE)])
      await expectCode(() => verifyVapidToken(expired, key.publicKey, { audience } as never), 'ERR_WP_INVALID_ARGUMENT')
    for (const options of ['now', 42, true, [], [exp]])
      await expectCode(() => verifyVapidToken(expired, key.publicKey, options as never), 'ERR_WP_INVALID_ARGUMENT')
  })

  it('takes null or undefined options as none', async () => {
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    for (const options of [null, undefined, {}, { now: undefined, audience: undefined }])
      expect((await verifyVapidToken(token, key.publicKey, options as never)).aud).toBe(AUDIENCE)
    const expired = await forge({ typ: 'JWT', alg: 'ES256' }, { aud: AUDIENCE, exp: now() - 3600, sub: SUBJECT })
    await expectCode(() => verifyVapidToken(expired, key.publicKey, null as never), 'ERR_WP_VAPID_TOKEN')
  })

  it('refuses tampered and malformed tokens', async () => {
    const token = await signVapidToken({ key, audience: AUDIENCE, subject: SUBJECT })
    const [h, p, s] = token.split('.') as [string, string, string]
    const exp = claimsOf(token).exp
    const flipped = (text: string): string =>
      text[5] === 'A' ? `${text.slice(0, 5)}B${text.slice(6)}` : `${text.slice(0, 5)}A${text.slice(6)}`
    const bad = [
      '',
      'a.b',
      'a.b.c.d',
      `${h}.${p}`,
      `${h}.${p}.`,
      `${h}.${p}.${s.slice(0, -2)}`,
      `${h}.${p}.${s}AA`,
      `${h}.${p}.${flipped(s)}`,
      `${h}.${Buffer.from(JSON.stringify({ aud: AUDIENCE, exp, sub: 'mailto:evil@example.com' })).toString('base64url')}.${s}`,
      `${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`,
      `${h}.!!!.${s}`,
      await forge({ alg: 'none', typ: 'JWT' }, { aud: AUDIENCE, exp, sub: SUBJECT }),
      await forge({ alg: 'HS256', typ: 'JWT' }, { aud: AUDIENCE, exp, sub: SUBJECT }),
      await forge({ typ: 'JWT', alg: 'ES256' }, ['not', 'an', 'object']),
      await forge({ typ: 'JWT', alg: 'ES256' }, { aud: AUDIENCE, sub: SUBJECT }),
      await forge({ typ: 'JWT', alg: 'ES256' }, { aud: AUDIENCE, exp: String(exp), sub: SUBJECT }),
      `${Buffer.from('not json').toString('base64url')}.${p}.${s}`,
    ]
    for (const t of bad) await expectCode(() => verifyVapidToken(t, key.publicKey), 'ERR_WP_VAPID_TOKEN')
    await expectCode(() => verifyVapidToken(42 as never, key.publicKey), 'ERR_WP_VAPID_TOKEN')
    // The forged but well-formed token with a good header verifies: the forge helper is sound.
    await verifyVapidToken(
      await forge({ typ: 'JWT', alg: 'ES256' }, { aud: AUDIENCE, exp, sub: SUBJECT }),
      key.publicKey,
    )
  })
})

describe.each(backends)('the %s backend', (name) => {
  it('signs tokens that jose, node:crypto and every backend verify; the key is imported into it once', async () => {
    const backend = backendByName(name)
    const imports = vi.spyOn(backend, 'importSigningKey')
    const signs = vi.spyOn(backend, 'sign')
    useBackend(name)
    const fresh = await importVapidKey(key.toPEM())
    const tokens: string[] = []
    for (let i = 0; i < 4; i++)
      tokens.push(await signVapidToken({ key: fresh, audience: `https://p${i}.example.com`, subject: SUBJECT }))
    expect(imports).toHaveBeenCalledTimes(1)
    expect(signs).toHaveBeenCalledTimes(4)
    for (const [i, token] of tokens.entries()) {
      expect(token.split('.')[2]).toHaveLength(86)
      await joseVerify(token, key.publicKey, `https://p${i}.example.com`)
      expect(nodeVerifies(token, key.publicKeyPEM())).toBe(true)
      for (const verifier of backends) {
        useBackend(verifier)
        await verifyVapidToken(token, key.applicationServerKey, { audience: `https://p${i}.example.com` })
        const forgedByOther = await signVapidToken({ key: other, audience: AUDIENCE, subject: SUBJECT })
        await expectCode(() => verifyVapidToken(forgedByOther, key.publicKey), 'ERR_WP_VAPID_TOKEN')
      }
      useBackend(name)
    }
  })
})
