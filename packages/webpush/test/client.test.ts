import { type PushService, startPushService } from '@wp/push-service'
import { createTransport } from '@wp/transport'
import { afterAll, describe, expect, it } from 'vitest'
import { createPushClient, generateVapidKeys, PushServiceError, WebPushError } from '../src/index.js'

const service: PushService = await startPushService()
/** Only the local service's origin may be private and http:. */
const allowPrivateNetwork = [new URL(service.url).origin]
const keys = await generateVapidKeys()

afterAll(async () => {
  await service.close()
})

const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }

describe('createPushClient', () => {
  it('sends in both encodings with defaults, one token per audience', async () => {
    const client = createPushClient({
      vapid,
      allowPrivateNetwork,
      defaults: { ttl: 90, headers: { 'X-A': '1' } },
    })
    try {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      await client.send(sub.subscription, 'one')
      await client.send(
        sub.subscription,
        { two: 2 },
        { contentEncoding: 'aesgcm', urgency: 'low', headers: { 'x-a': '2' } },
      )
      const a = await sub.next({ timeoutMs: 5000 })
      const b = await sub.next({ timeoutMs: 5000 })
      expect(a.text).toBe('one')
      expect(a.headers.ttl).toBe('90')
      expect(a.headers['x-a']).toBe('1')
      expect(b.text).toBe('{"two":2}')
      expect(b.encoding).toBe('aesgcm')
      expect(b.headers.urgency).toBe('low')
      expect(b.headers['x-a']).toBe('2')
      // the same token for the same push service (RFC 8292 §2)
      const tokenOf = (h: Record<string, string>) => /t=([^,]+)|WebPush (\S+)/.exec(h.authorization as string)
      const ta = tokenOf(a.headers)
      const tb = tokenOf(b.headers)
      expect(ta?.[1]).toBe(tb?.[2])
      expect(a.claims?.sub).toBe('mailto:ops@example.com')
    } finally {
      await client.close()
    }
  })

  it('allowPrivateNetwork names an origin however it is spelt (a trailing slash, upper case), and only it', async () => {
    const spelt = `${new URL(service.url).origin.toUpperCase().replace('HTTP://', 'http://')}/`
    const client = createPushClient({ vapid, allowPrivateNetwork: [spelt] })
    try {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      expect((await client.send(sub.subscription, 'spelt')).status).toBe(201)
      expect((await sub.next({ timeoutMs: 5000 })).text).toBe('spelt')
      const other = { ...sub.subscription, endpoint: sub.subscription.endpoint.replace('127.0.0.1', 'localhost') }
      await expect(client.send(other, 'no')).rejects.toMatchObject({ code: 'ERR_WP_INVALID_ARGUMENT' })
    } finally {
      await client.close()
    }
  })

  it('bad input rejects before any I/O', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork })
    try {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      const before = service.stats.requests
      const bad: [unknown, unknown, unknown, string][] = [
        [{ endpoint: sub.subscription.endpoint }, 'x', undefined, 'ERR_WP_INVALID_ARGUMENT'],
        [sub.subscription, 'x'.repeat(3994), undefined, 'ERR_WP_PAYLOAD_TOO_LARGE'],
        [sub.subscription, 'x', { ttl: -1 }, 'ERR_WP_INVALID_ARGUMENT'],
        [sub.subscription, 'x', { nope: 1 }, 'ERR_WP_INVALID_ARGUMENT'],
        [sub.subscription, 'x', { ttl: 5, headers: { TTL: '6' } }, 'ERR_WP_INVALID_ARGUMENT'],
      ]
      for (const [s, d, o, code] of bad) {
        const err = await client.send(s as never, d, o as never).catch((e) => e)
        expect(err).toBeInstanceOf(WebPushError)
        expect(err.code).toBe(code)
      }
      expect(service.stats.requests).toBe(before)
    } finally {
      await client.close()
    }
  })

  it('refuses unknown and bad options synchronously', () => {
    expect(() => createPushClient({ vapid, nope: 1 } as never)).toThrow(/nope/)
    expect(() => createPushClient({ vapid: { privateKey: keys.privateKey, subject: 'ops' } })).toThrow(WebPushError)
    expect(() => createPushClient({ defaults: { ttl: -5 } })).toThrow(WebPushError)
  })

  it('a refusal is a PushServiceError', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork })
    try {
      const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
      await sub.unsubscribe()
      const err = await client.send(sub.subscription, 'x').catch((e) => e)
      expect(err).toBeInstanceOf(PushServiceError)
      expect(err.statusCode).toBe(410)
      expect(err.outcome).toBe('gone')
    } finally {
      await client.close()
    }
  })

  it('a transport the caller passed stays open after close(); sends after close are refused', async () => {
    const transport = createTransport({ allowPrivateNetwork })
    const client = createPushClient({ vapid, transport, allowPrivateNetwork })
    const sub = await service.subscribe({ applicationServerKey: keys.publicKey })
    await client.send(sub.subscription, 'a')
    await client.close()
    await expect(client.send(sub.subscription, 'b')).rejects.toMatchObject({ code: 'ERR_WP_CLOSED' })
    const again = createPushClient({ vapid, transport, allowPrivateNetwork })
    await again.send(sub.subscription, 'c')
    await again.close()
    await transport.close()
    expect((await sub.next({ timeoutMs: 5000 })).text).toBe('a')
    expect((await sub.next({ timeoutMs: 5000 })).text).toBe('c')
  })
})
