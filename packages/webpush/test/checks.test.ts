import { type PushService, startPushService } from '@wp/push-service'
import { afterAll, describe, expect, it } from 'vitest'
import {
  checkMessage,
  checkSubscription,
  createPushClient,
  generateVapidKeys,
  outcomeOf,
  PushServiceError,
  WebPushError,
} from '../src/index.js'

const service: PushService = await startPushService()
afterAll(() => service.close())

/** The code of the error `fn` throws (fails the test when it throws none, or not a WebPushError). */
function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect(WebPushError.is(error)).toBe(true)
    return (error as WebPushError).code
  }
  throw new Error('expected a WebPushError')
}

describe('checkSubscription', () => {
  it('returns endpoint and keys as given, without other fields', async () => {
    const { subscription } = await service.subscribe()
    const withExtra = { ...subscription, expirationTime: null, extra: 1 }
    expect(checkSubscription(withExtra, { allowPrivateNetwork: true })).toEqual({
      endpoint: subscription.endpoint,
      keys: { p256dh: subscription.keys.p256dh, auth: subscription.keys.auth },
    })
  })

  it('refuses what a send would refuse, with the send code', async () => {
    const { subscription } = await service.subscribe()
    const httpsEndpoint = subscription.endpoint.replace('http:', 'https:')
    const good = { ...subscription, endpoint: httpsEndpoint }
    expect(checkSubscription(good).endpoint).toBe(httpsEndpoint)
    // http: is accepted only with allowPrivateNetwork, as by the client.
    expect(codeOf(() => checkSubscription(subscription))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkSubscription(null))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkSubscription({ ...good, endpoint: 'not a url' }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkSubscription({ ...good, keys: { ...good.keys, auth: 'AAAA' } }))).toBe('ERR_WP_KEY_LENGTH')
    expect(codeOf(() => checkSubscription({ ...good, keys: { ...good.keys, p256dh: '!!' } }))).toBe('ERR_WP_BASE64URL')
    // 65 bytes, uncompressed prefix, but not a point on the curve.
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')
    expect(codeOf(() => checkSubscription({ ...good, keys: { ...good.keys, p256dh: offCurve } }))).toBe(
      'ERR_WP_INVALID_POINT',
    )
  })
})

describe('checkMessage', () => {
  it('returns the plaintext a send would encrypt', () => {
    expect(checkMessage()).toBeUndefined()
    expect(checkMessage(null)).toBeUndefined()
    expect(Buffer.from(checkMessage('hé') as Uint8Array).toString()).toBe('hé')
    expect(Buffer.from(checkMessage({ a: 1 }) as Uint8Array).toString()).toBe('{"a":1}')
  })

  it('refuses bad data and options with the send codes', () => {
    expect(codeOf(() => checkMessage('x'.repeat(3994)))).toBe('ERR_WP_PAYLOAD_TOO_LARGE')
    expect(checkMessage('x'.repeat(3993))?.length).toBe(3993)
    expect(codeOf(() => checkMessage(10n))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { ttl: -1 }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { urgency: 'urgent' as never }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { topic: 'a'.repeat(33) }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { ttl: 60, headers: { TTL: '30' } }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { headers: { Urgency: 'soon' } }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(codeOf(() => checkMessage('x', { contentEncoding: 'gzip' as never }))).toBe('ERR_WP_UNSUPPORTED_ENCODING')
    expect(codeOf(() => checkMessage('x', { tll: 60 } as never))).toBe('ERR_WP_INVALID_ARGUMENT')
  })
})

describe('outcomeOf', () => {
  it("classifies a real refusal by the service's outcome, and local failures by code", async () => {
    const keys = await generateVapidKeys()
    const client = createPushClient({
      vapid: { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' },
      allowPrivateNetwork: true,
    })
    const subscriber = await service.subscribe({ applicationServerKey: keys.publicKey })
    await subscriber.unsubscribe()
    const refused = await client.send(subscriber.subscription, 'hi').catch((e: unknown) => e)
    await client.close()
    expect(refused).toBeInstanceOf(PushServiceError)
    expect(outcomeOf(refused)).toBe('gone')

    expect(outcomeOf(new WebPushError('ERR_WP_TIMEOUT', 't'))).toBe('timeout')
    expect(outcomeOf(new WebPushError('ERR_WP_ABORTED', 'a'))).toBe('aborted')
    expect(outcomeOf(new WebPushError('ERR_WP_NETWORK', 'n'))).toBe('network')
    expect(outcomeOf(new WebPushError('ERR_WP_INVALID_POINT', 'p'))).toBe('invalid')
    expect(outcomeOf(new WebPushError('ERR_WP_ENDPOINT_FORBIDDEN', 'f'))).toBe('invalid')
    expect(outcomeOf(new Error('boom'))).toBe('network')
  })
})
