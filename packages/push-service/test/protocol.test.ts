/**
 * The user agent side: Mozilla's WebSocket push protocol as Firefox's PushServiceWebSocket speaks it,
 * driven by a plain WebSocket client that sends what Firefox sends (subprotocol `push-notification`,
 * JSON text frames): `hello` (with the uaid it holds, once it has one), `register` with a channelID
 * (a UUID) and the application server key in base64url with `=` padding (88 characters), `ack` with
 * code 100 (delivered), 101 (decryption failed) or 102 (not delivered), `nack` with 301 or 302 (the
 * service worker's handler failed), `unregister`, and `{}` as a ping. Firefox drops every
 * subscription when `hello` is answered with another uaid than the one it sent.
 */
import { createECDH, randomBytes, randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type PushService, startPushService, WebPushError } from '../src/index.js'
import { FakeFirefox } from './fake-firefox.js'
import { details, expectError, messageId, send, vapidKeys } from './helpers.js'

const vapid = vapidKeys()
/** Firefox sends the application server key in base64url with `=` padding (88 characters). */
const paddedKey = `${vapid.publicKey}=`
let service: PushService
const open: FakeFirefox[] = []

async function firefox(): Promise<FakeFirefox> {
  const agent = await FakeFirefox.connect(service.webSocketUrl)
  open.push(agent)
  return agent
}

/** A subscription object for web-push, with a throwaway receiver's keys (the frames are checked, not decrypted). */
function subscriptionFor(endpoint: string) {
  const receiver = createECDH('prime256v1')
  receiver.generateKeys()
  return {
    endpoint,
    keys: { p256dh: receiver.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') },
  }
}

beforeAll(async () => {
  service = await startPushService()
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((agent) => agent.close()))
})
afterAll(() => service.close())

describe('hello', () => {
  it('gives a new uaid, and keeps the one Firefox sends back', async () => {
    expect(paddedKey).toHaveLength(88)
    const first = await firefox()
    const uaid = await first.hello()
    expect(uaid).toMatch(/^[0-9a-f]{32}$/)
    await first.close()
    const again = await firefox()
    expect(await again.hello(uaid)).toBe(uaid)
  })

  it('closes a connection that sends anything else first', async () => {
    const agent = await firefox()
    agent.send({ messageType: 'register', channelID: randomUUID() })
    expect((await agent.closed).code).toBe(4002)
  })

  it('binds a uaid to the connection that holds it: a second hello with it gets a fresh uaid', async () => {
    const holder = await firefox()
    const uaid = await holder.hello()
    const { channelID, endpoint } = await holder.register(paddedKey)
    const impostor = await firefox()
    const other = await impostor.hello(uaid)
    // Firefox drops its registrations when the uaid it gets back is not the one it sent.
    expect(other).toMatch(/^[0-9a-f]{32}$/)
    expect(other).not.toBe(uaid)
    // The holder stays connected and keeps getting its messages; the impostor gets none of them.
    const response = await send(details(subscriptionFor(endpoint), 'for the holder', vapid))
    expect(response.status).toBe(201)
    expect(await holder.next()).toMatchObject({ channelID, version: messageId(response, service.url) })
    await impostor.nothing()
    // An unregister from the impostor does not reach the holder's channel.
    impostor.send({ messageType: 'unregister', channelID, code: 200 })
    expect(await impostor.next()).toMatchObject({ messageType: 'unregister', channelID })
    expect((await send(details(subscriptionFor(endpoint), 'still there', vapid))).status).toBe(201)
    expect(await holder.next()).toMatchObject({ channelID })
  })

  it('gives the uaid to a new connection when its holder no longer answers pings', async () => {
    const stale = await firefox()
    const uaid = await stale.hello()
    const { channelID, endpoint } = await stale.register(paddedKey)
    // A connection the server still has open but that nobody reads any more (a half-open socket).
    stale.ws.pause()
    const started = Date.now()
    const back = await firefox()
    expect(await back.hello(uaid)).toBe(uaid)
    expect(Date.now() - started).toBeLessThan(5000)
    const response = await send(details(subscriptionFor(endpoint), 'to the live one', vapid))
    expect(await back.next()).toMatchObject({ channelID, version: messageId(response, service.url) })
    stale.ws.resume()
    expect((await stale.closedWithin(5000)).code).toBe(1006)
  })

  it('answers a ping ({}) with {}', async () => {
    const agent = await firefox()
    await agent.hello()
    agent.send({})
    expect(await agent.next()).toEqual({})
  })
})

describe('register and notifications', () => {
  it('registers with a padded applicationServerKey, and the same channelID again gets the same endpoint', async () => {
    const agent = await firefox()
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    expect(endpoint).toMatch(new RegExp(`^${service.url}/push/[A-Za-z0-9_-]+$`))
    agent.send({ messageType: 'register', channelID, key: paddedKey })
    expect(await agent.next()).toMatchObject({ channelID, status: 200, pushEndpoint: endpoint })
  })

  it('refuses a key that is not a P-256 point with status 400', async () => {
    const agent = await firefox()
    await agent.hello()
    const channelID = randomUUID()
    agent.send({ messageType: 'register', channelID, key: 'AAAA' })
    expect(await agent.next()).toMatchObject({ messageType: 'register', channelID, status: 400 })
  })

  it('forwards an aes128gcm body in base64url with {encoding}, and records the ack', async () => {
    const agent = await firefox()
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    const request = details(subscriptionFor(endpoint), 'x'.repeat(300), vapid)
    const response = await send(request)
    expect(response.status).toBe(201)
    const id = messageId(response, service.url)

    const frame = await agent.next()
    expect(frame).toEqual({
      messageType: 'notification',
      channelID,
      version: id,
      data: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      headers: { encoding: 'aes128gcm' },
    })
    expect(Buffer.from(frame.data as string, 'base64url')).toEqual(request.body)

    const acked = service.waitForAck(id)
    agent.send({ messageType: 'ack', updates: [{ channelID, version: id, code: 100 }] })
    expect(await acked).toEqual({ id, code: 100, type: 'ack', channelID })
    expect(service.acks).toContainEqual({ id, code: 100, type: 'ack', channelID })
  })

  it('forwards aesgcm with lowercase encryption and crypto_key, unquoted and without padding', async () => {
    const agent = await firefox()
    await agent.hello()
    const { endpoint } = await agent.register(paddedKey)
    const request = details(subscriptionFor(endpoint), 'old style', vapid, { contentEncoding: 'aesgcm' })
    const salt = /salt=([A-Za-z0-9_-]+)/.exec(request.headers.Encryption as string)?.[1] as string
    const dh = /dh=([A-Za-z0-9_-]+)/.exec(request.headers['Crypto-Key'] as string)?.[1] as string
    expect(
      (
        await send(request, {
          headers: { Encryption: `salt="${salt}=="`, 'Crypto-Key': `dh="${dh}="; p256ecdsa=${vapid.publicKey}` },
        })
      ).status,
    ).toBe(201)
    const frame = await agent.next()
    expect(frame.headers).toEqual({
      encoding: 'aesgcm',
      encryption: `salt=${salt}`,
      crypto_key: `dh=${dh};p256ecdsa=${vapid.publicKey}`,
    })
    expect(Buffer.from(frame.data as string, 'base64url')).toEqual(request.body)
  })

  it('sends a push without payload as a notification without data or headers', async () => {
    const agent = await firefox()
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    expect((await send(details(subscriptionFor(endpoint), null, vapid))).status).toBe(201)
    const frame = await agent.next()
    expect(frame).toEqual({ messageType: 'notification', channelID, version: expect.any(String) })
  })

  it('records a decryption failure (ack 101) and a nack', async () => {
    const agent = await firefox()
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    await send(details(subscriptionFor(endpoint), 'a', vapid))
    const { version } = await agent.next()
    agent.send({ messageType: 'ack', updates: [{ channelID, version, code: 101 }] })
    expect((await service.waitForAck(version as string)).code).toBe(101)

    await send(details(subscriptionFor(endpoint), 'b', vapid))
    const second = await agent.next()
    agent.send({ messageType: 'ack', updates: [{ channelID, version: second.version, code: 100 }] })
    agent.send({ messageType: 'nack', version: second.version, code: 302 })
    expect(await service.waitForAck(second.version as string, { type: 'nack' })).toMatchObject({
      code: 302,
      type: 'nack',
    })
  })

  it('waitForAck rejects with ERR_WP_TIMEOUT when no ack comes', async () => {
    const error = await service.waitForAck('never-sent', { timeoutMs: 50 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(WebPushError.is(error) && error.code).toBe('ERR_WP_TIMEOUT')
  })

  it('refuses a request without Authorization for a channel registered with a key (401 errno 109)', async () => {
    const agent = await firefox()
    await agent.hello()
    const { endpoint } = await agent.register(paddedKey)
    await expectError(await send(details(subscriptionFor(endpoint), 'x', undefined)), 401, 109)
  })
})

describe('an offline Firefox', () => {
  it('gets the messages sent while it was away when it says hello again', async () => {
    const agent = await firefox()
    const uaid = await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    await agent.close()
    const response = await send(details(subscriptionFor(endpoint), 'while away', vapid))
    expect(response.status).toBe(201)
    const dropped = await send(details(subscriptionFor(endpoint), 'now or never', vapid, { TTL: 0 }))
    expect(dropped.status).toBe(201)

    const back = await firefox()
    await back.hello(uaid)
    const frame = await back.next()
    expect(frame).toMatchObject({ channelID, version: messageId(response, service.url) })
    await back.nothing()
  })

  it('gets an unacked message again after reconnecting, and an acked one never', async () => {
    const agent = await firefox()
    const uaid = await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    await send(details(subscriptionFor(endpoint), 'unacked', vapid))
    const first = await agent.next()
    await agent.close()

    const again = await firefox()
    await again.hello(uaid)
    const resent = await again.next()
    expect(resent.version).toBe(first.version)
    expect(resent.data).toBe(first.data)
    again.send({ messageType: 'ack', updates: [{ channelID, version: resent.version, code: 100 }] })
    await service.waitForAck(resent.version as string)
    await again.close()

    const third = await firefox()
    await third.hello(uaid)
    await third.nothing()
  })

  it('a new uaid on hello does not get the old subscriptions', async () => {
    const agent = await firefox()
    await agent.hello()
    const { endpoint } = await agent.register(paddedKey)
    await agent.close()
    await send(details(subscriptionFor(endpoint), 'for the old uaid', vapid))
    const stranger = await firefox()
    await stranger.hello()
    await stranger.nothing()
  })
})

describe('unregister', () => {
  it('answers status 200 and the endpoint answers 410 from then on', async () => {
    const agent = await firefox()
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    agent.send({ messageType: 'unregister', channelID, code: 200 })
    expect(await agent.next()).toEqual({ messageType: 'unregister', channelID, status: 200 })
    await expectError(await send(details(subscriptionFor(endpoint), 'gone', vapid)), 410, 106)
  })
})
