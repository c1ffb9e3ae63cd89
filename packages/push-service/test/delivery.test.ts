/**
 * Delivery to virtual test subscribers: npm `web-push` as an independent sender in both encodings,
 * the claims and headers handed to `next()`, and RFC 8030's storage rules for an offline receiver
 * (TTL §5.2, replacement by Topic §5.4, DELETE of a waiting message §6.1 of draft-ietf-webpush-protocol).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PushService, startPushService, WebPushError } from '../src/index.js'
import { details, expectError, messageId, SUBJECT, send, sleep, vapidKeys, withWrongAuth } from './helpers.js'

const vapid = vapidKeys()
let service: PushService

beforeAll(async () => {
  service = await startPushService()
})
afterAll(() => service.close())

/** Expects `next()` to find nothing within `ms`. */
async function expectNothing(
  subscriber: { next(o: { timeoutMs: number }): Promise<unknown> },
  ms = 150,
): Promise<void> {
  const error = await subscriber.next({ timeoutMs: ms }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(WebPushError.is(error) && error.code).toBe('ERR_WP_TIMEOUT')
}

describe('npm web-push delivers to a test subscriber', () => {
  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`in ${contentEncoding}, with its claims, headers and id`, async () => {
      const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
      const text = `héllo ${contentEncoding} ✓ 🎉`
      const response = await send(details(subscriber.subscription, text, vapid, { contentEncoding, urgency: 'high' }))
      expect(response.status).toBe(201)
      const id = messageId(response, service.url)

      const received = await subscriber.next()
      expect(received.text).toBe(text)
      expect(received.payload).toEqual(new TextEncoder().encode(text))
      expect(received.encoding).toBe(contentEncoding)
      expect(received.id).toBe(id)
      expect(received.headers['content-encoding']).toBe(contentEncoding)
      expect(received.headers.urgency).toBe('high')
      expect(received.headers.ttl).toBe('60')
      // RFC 8292 §2: aud is the push service's origin; exp at most 24 h ahead.
      const now = Date.now() / 1000
      expect(received.claims).toMatchObject({ aud: service.url, sub: SUBJECT })
      expect(received.claims?.exp).toBeGreaterThan(now)
      expect(received.claims?.exp).toBeLessThanOrEqual(now + 24 * 3600)
    })
  }

  it('in aesgcm with quoted, padded Encryption and Crypto-Key parameters', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const request = details(subscriber.subscription, 'quoted', vapid, { contentEncoding: 'aesgcm' })
    const salt = /salt=([A-Za-z0-9_-]+)/.exec(request.headers.Encryption as string)?.[1] as string
    const dh = /dh=([A-Za-z0-9_-]+)/.exec(request.headers['Crypto-Key'] as string)?.[1] as string
    const headers = { Encryption: `salt="${salt}=="`, 'Crypto-Key': `dh="${dh}="; p256ecdsa=${vapid.publicKey}` }
    expect((await send(request, { headers })).status).toBe(201)
    expect((await subscriber.next()).text).toBe('quoted')
  })

  it('a payload that fills the 4096-byte body limit, in both encodings', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    // aes128gcm: 86 bytes of header, a 1-byte delimiter and a 16-byte tag; aesgcm: 2 bytes of padding length and a tag.
    for (const [contentEncoding, size] of [
      ['aes128gcm', 4096 - 86 - 1 - 16],
      ['aesgcm', 4096 - 2 - 16],
    ] as const) {
      const text = Array.from({ length: size }, (_, i) => String.fromCharCode(33 + (i % 94))).join('')
      const request = details(subscriber.subscription, text, vapid, { contentEncoding })
      expect(request.body?.length).toBe(4096)
      expect((await send(request)).status).toBe(201)
      expect((await subscriber.next()).text).toBe(text)
    }
  })

  it('messages in the order they were sent', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    for (let i = 0; i < 5; i++) expect((await send(details(subscriber.subscription, `m${i}`, vapid))).status).toBe(201)
    expect(subscriber.pending).toBe(5)
    for (let i = 0; i < 5; i++) expect((await subscriber.next()).text).toBe(`m${i}`)
  })

  it('next() rejects with ERR_WP_ECE_DECRYPT for a message encrypted for another auth secret', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const response = await send(details(withWrongAuth(subscriber.subscription), 'lost', vapid))
    expect(response.status).toBe(201)
    const error = await subscriber.next().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(WebPushError.is(error) && error.code).toBe('ERR_WP_ECE_DECRYPT')
    await send(details(subscriber.subscription, 'still works', vapid))
    expect((await subscriber.next()).text).toBe('still works')
  })

  it('on endpoints built on the origin senders sign for, however the host was spelt', async () => {
    const other = await startPushService({ host: 'LOCALHOST' })
    try {
      // RFC 8292 §2: aud is the serialised origin (lowercase host); web-push derives it from the endpoint.
      expect(other.url).toMatch(/^http:\/\/localhost:\d+$/)
      expect(other.webSocketUrl).toBe(`${other.url.replace('http', 'ws')}/`)
      const subscriber = await other.subscribe({ applicationServerKey: vapid.publicKey })
      expect(subscriber.subscription.endpoint.startsWith(`${other.url}/push/`)).toBe(true)
      expect((await send(details(subscriber.subscription, 'any host', vapid))).status).toBe(201)
      expect((await subscriber.next()).claims?.aud).toBe(other.url)
    } finally {
      await other.close()
    }
  })

  it('next() rejects with ERR_WP_TIMEOUT when nothing arrives', async () => {
    const subscriber = await service.subscribe()
    await expectNothing(subscriber, 50)
  })
})

describe('an offline subscriber', () => {
  it('gets waiting messages when it comes back online', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    subscriber.disconnect()
    expect((await send(details(subscriber.subscription, 'waited', vapid))).status).toBe(201)
    expect(subscriber.pending).toBe(0)
    subscriber.connect()
    expect((await subscriber.next()).text).toBe('waited')
  })

  it('gets only the newer of two messages with the same Topic (RFC 8030 §5.4)', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const replacedBefore = service.stats.replaced
    subscriber.disconnect()
    for (const text of ['old score', 'new score'])
      expect((await send(details(subscriber.subscription, text, vapid, { topic: 'score' }))).status).toBe(201)
    expect((await send(details(subscriber.subscription, 'other topic', vapid, { topic: 'news' }))).status).toBe(201)
    subscriber.connect()
    const texts = [(await subscriber.next()).text, (await subscriber.next()).text].sort()
    expect(texts).toEqual(['new score', 'other topic'])
    await expectNothing(subscriber)
    expect(service.stats.replaced - replacedBefore).toBe(1)
  })

  it('loses a message whose TTL ran out while it was offline (RFC 8030 §5.2)', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    subscriber.disconnect()
    expect((await send(details(subscriber.subscription, 'short-lived', vapid, { TTL: 1 }))).status).toBe(201)
    expect((await send(details(subscriber.subscription, 'long-lived', vapid, { TTL: 60 }))).status).toBe(201)
    await sleep(1300)
    subscriber.connect()
    expect((await subscriber.next()).text).toBe('long-lived')
    await expectNothing(subscriber)
  })

  it('never gets a TTL 0 message sent while it was offline, but an online one does', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const expiredBefore = service.stats.expired
    subscriber.disconnect()
    const response = await send(details(subscriber.subscription, 'now or never', vapid, { TTL: 0 }))
    expect(response.status).toBe(201)
    expect(response.headers.get('ttl')).toBe('0')
    subscriber.connect()
    await expectNothing(subscriber)
    expect(service.stats.expired - expiredBefore).toBe(1)
    expect((await send(details(subscriber.subscription, 'now', vapid, { TTL: 0 }))).status).toBe(201)
    expect((await subscriber.next()).text).toBe('now')
  })

  it('does not get a waiting message the sender deleted with DELETE /m/<id>', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    subscriber.disconnect()
    const response = await send(details(subscriber.subscription, 'regretted', vapid))
    const location = response.headers.get('location') as string
    messageId(response, service.url)
    expect((await send(details(subscriber.subscription, 'kept', vapid))).status).toBe(201)
    const deleted = await fetch(location, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    await expectError(await fetch(location, { method: 'DELETE' }), 404, 102)
    subscriber.connect()
    expect((await subscriber.next()).text).toBe('kept')
    await expectNothing(subscriber)
  })

  it('DELETE of a message already delivered: 404 errno 102', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const response = await send(details(subscriber.subscription, 'delivered', vapid))
    await subscriber.next()
    await expectError(await fetch(response.headers.get('location') as string, { method: 'DELETE' }), 404, 102)
  })

  it('loses its waiting messages when it unsubscribes, and its endpoint answers 410', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    subscriber.disconnect()
    await send(details(subscriber.subscription, 'never read', vapid))
    await subscriber.unsubscribe()
    subscriber.connect()
    await expectNothing(subscriber)
    await expectError(await send(details(subscriber.subscription, 'too late', vapid)), 410, 106)
  })
})

describe('strict: false', () => {
  let lenient: PushService
  beforeAll(async () => {
    lenient = await startPushService({ strict: false })
  })
  afterAll(() => lenient.close())

  it('accepts a missing TTL and a missing Authorization, and delivers', async () => {
    const subscriber = await lenient.subscribe({ applicationServerKey: vapid.publicKey })
    const response = await send(details(subscriber.subscription, 'lenient', undefined), { headers: { TTL: undefined } })
    expect(response.status).toBe(201)
    const received = await subscriber.next()
    expect(received.text).toBe('lenient')
    expect(received.claims).toBeUndefined()
  })

  it('still refuses a token signed by another key, and a bad TTL', async () => {
    const subscriber = await lenient.subscribe({ applicationServerKey: vapid.publicKey })
    await expectError(await send(details(subscriber.subscription, 'x', vapidKeys())), 403, 109)
    await expectError(await send(details(subscriber.subscription, 'x', vapid), { headers: { TTL: 'x' } }), 400, 112)
  })

  it('the strict service refuses the same request', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    await expectError(
      await send(details(subscriber.subscription, 'x', undefined), { headers: { TTL: undefined } }),
      400,
      111,
    )
    await expectError(await send(details(subscriber.subscription, 'x', undefined)), 401, 109)
  })
})
