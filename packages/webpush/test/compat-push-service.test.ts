/**
 * `@wp/webpush/compat` and npm web-push 3.6.7 against a real `@wp/push-service` over TLS: the test
 * subscriber decrypts what each sent, and the service answers both the same way.
 */
import { Agent } from 'node:https'
import { type PushService, startPushService } from '@wp/push-service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as compat from '../src/compat/index.js'
import { webPush } from './compat-helpers.js'

const vapid = webPush.generateVAPIDKeys() as { publicKey: string; privateKey: string }
const vapidDetails = { subject: 'mailto:ops@example.com', ...vapid }

describe('against @wp/push-service (TLS)', () => {
  let service: PushService
  let agent: Agent
  beforeAll(async () => {
    service = await startPushService({ tls: true })
    agent = new Agent({ ca: service.certificate, keepAlive: false })
  })
  afterAll(async () => {
    agent.destroy()
    await service.close()
  })

  for (const contentEncoding of ['aes128gcm', 'aesgcm']) {
    it(`${contentEncoding}: both are delivered, decrypted, with the same claims and the same answer`, async () => {
      const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
      const options = { vapidDetails, agent, contentEncoding, TTL: 60, urgency: 'high', topic: 'news' }
      const theirs = await webPush.sendNotification(subscriber.subscription, 'from web-push', options)
      const first = await subscriber.next({ timeoutMs: 5000 })
      const ours = await compat.sendNotification(subscriber.subscription, 'from compat', {
        ...options,
        allowPrivateNetwork: true,
      })
      const second = await subscriber.next({ timeoutMs: 5000 })
      expect(first.text).toBe('from web-push')
      expect(second.text).toBe('from compat')
      expect(second.encoding).toBe(contentEncoding)
      expect(first.encoding).toBe(contentEncoding)
      expect({ ...second.claims, exp: 0 }).toEqual({ ...first.claims, exp: 0 })
      expect(ours.statusCode).toBe(theirs.statusCode)
      expect(Object.keys(ours)).toEqual(Object.keys(theirs))
      for (const header of ['ttl', 'urgency', 'topic', 'content-encoding', 'content-type']) {
        expect(second.headers[header], header).toBe(first.headers[header])
      }
    })
  }

  it('an unsubscribed endpoint: the same 410 WebPushError', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    await subscriber.unsubscribe()
    const theirs = await webPush
      .sendNotification(subscriber.subscription, 'x', { vapidDetails, agent })
      .catch((e: unknown) => e)
    const ours = await compat
      .sendNotification(subscriber.subscription, 'x', { vapidDetails, agent, allowPrivateNetwork: true })
      .catch((e: unknown) => e)
    expect(ours).toBeInstanceOf(compat.WebPushError)
    const error = ours as compat.WebPushError
    expect(error.statusCode).toBe(410)
    expect(error.statusCode).toBe(theirs.statusCode)
    expect(error.message).toBe(theirs.message)
    expect(error.endpoint).toBe(theirs.endpoint)
    expect(JSON.parse(error.body)).toEqual(JSON.parse(theirs.body))
  })

  it('WEBPUSH_ALLOW_PRIVATE_NETWORK=1 allows the local service too', async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const before = process.env.WEBPUSH_ALLOW_PRIVATE_NETWORK
    process.env.WEBPUSH_ALLOW_PRIVATE_NETWORK = '1'
    try {
      const result = await compat.sendNotification(subscriber.subscription, 'env', { vapidDetails, agent })
      expect(result.statusCode).toBe(201)
      expect((await subscriber.next({ timeoutMs: 5000 })).text).toBe('env')
    } finally {
      if (before === undefined) delete process.env.WEBPUSH_ALLOW_PRIVATE_NETWORK
      else process.env.WEBPUSH_ALLOW_PRIVATE_NETWORK = before
    }
  })
})
