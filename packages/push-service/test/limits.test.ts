/**
 * Everything a client can make the service hold is bounded (the `limits` option, README "Limits"):
 * connections, deadlines for slow clients, channels, waiting and unacked messages, acks kept, and
 * unsubscribed endpoints remembered. Each test runs its own service with small limits.
 */
import { randomUUID } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type PushService,
  type PushServiceLimits,
  startPushService,
  type TestSubscriber,
  WebPushError,
} from '../src/index.js'
import { FakeFirefox, upgradeStatus } from './fake-firefox.js'
import { details, expectError, messageId, send, sleep, vapidKeys } from './helpers.js'

const vapid = vapidKeys()
const paddedKey = `${vapid.publicKey}=`
const services: PushService[] = []
const agents: FakeFirefox[] = []
const sockets: Socket[] = []

async function serviceWith(limits: PushServiceLimits): Promise<PushService> {
  const service = await startPushService({ limits })
  services.push(service)
  return service
}

async function firefox(service: PushService): Promise<FakeFirefox> {
  const agent = await FakeFirefox.connect(service.webSocketUrl)
  agents.push(agent)
  return agent
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const agent of agents.splice(0)) agent.ws.terminate()
  await Promise.all(services.splice(0).map((service) => service.close()))
})

/** A raw TCP connection to the service: what it receives, and when it is closed. */
function raw(service: PushService): { socket: Socket; received: () => string; closed: Promise<number> } {
  const started = Date.now()
  const socket = connect(Number(new URL(service.url).port), '127.0.0.1')
  sockets.push(socket)
  let data = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (data += chunk))
  socket.on('error', () => {})
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)))
  return { socket, received: () => data, closed }
}

/** A `GET /` on a fresh connection: what came back before the connection closed (or 2 s passed). */
function rawGet(service: PushService): Promise<string> {
  const client = raw(service)
  client.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
  const timer = setTimeout(() => client.socket.destroy(), 2000)
  return client.closed.then(() => {
    clearTimeout(timer)
    return client.received()
  })
}

/** Resolves with `promise`, or rejects after `ms` (a bound on every wait). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** A push to `subscription` signed with the test key; TTL 60 unless given. */
const push = (
  subscription: TestSubscriber['subscription'],
  text: string,
  options: { TTL?: number; topic?: string } = {},
) => send(details(subscription, text, vapid, options))

/** A throwaway receiver's keys for a Firefox endpoint (the frames are checked, not decrypted). */
const firefoxSubscription = (endpoint: string, subscriber: TestSubscriber): TestSubscriber['subscription'] => ({
  ...subscriber.subscription,
  endpoint,
})

describe('options', () => {
  it('refuses a limit that is not a positive integer, and headersTimeoutMs above requestTimeoutMs', async () => {
    for (const limits of [
      { maxAcks: 0 },
      { maxFrameBytes: 1.5 },
      { helloTimeoutMs: -1 },
      { maxConnections: '10' as unknown as number },
      { headersTimeoutMs: 5000, requestTimeoutMs: 1000 },
    ]) {
      const error = await startPushService({ limits }).then(
        (service) => service.close(),
        (e: unknown) => e,
      )
      expect(WebPushError.is(error) && error.code).toBe('ERR_WP_INVALID_ARGUMENT')
      expect((error as Error).message).toMatch(/^limits\.\w+ must be/)
    }
  })
})

describe('connections', () => {
  it('refuses a WebSocket upgrade over maxWebSockets with 503, and takes one again when a slot frees', async () => {
    const service = await serviceWith({ maxWebSockets: 3 })
    const three = await Promise.all([firefox(service), firefox(service), firefox(service)])
    expect(await upgradeStatus(service.webSocketUrl)).toBe(503)
    await (three[0] as FakeFirefox).close()
    await expect.poll(() => upgradeStatus(service.webSocketUrl), { timeout: 3000, interval: 50 }).toBe(101)
  })

  it('cuts TCP connections over maxConnections at once, and serves again when they go', async () => {
    const service = await serviceWith({ maxConnections: 4 })
    const held = Array.from({ length: 4 }, () => raw(service))
    await Promise.all(held.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))))
    await sleep(50)
    const extra = raw(service)
    expect(await within(extra.closed, 3000, 'the fifth connection closed')).toBeLessThan(3000)
    expect(extra.received()).toBe('')
    for (const { socket } of held) socket.destroy()
    await expect.poll(() => rawGet(service), { timeout: 5000, interval: 50 }).toMatch(/^HTTP\/1\.1 200/)
  })
})

describe('deadlines for slow clients', () => {
  it('closes a WebSocket that never says hello after helloTimeoutMs (1008), and keeps one that did', async () => {
    const service = await serviceWith({ helloTimeoutMs: 300 })
    const silent = await firefox(service)
    const talking = await firefox(service)
    await talking.hello()
    expect((await silent.closedWithin(5000)).code).toBe(1008)
    talking.send({})
    expect(await talking.next()).toEqual({})
  })

  it('cuts a request whose headers never end after headersTimeoutMs', async () => {
    const service = await serviceWith({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    const slow = raw(service)
    slow.socket.write('POST /push/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\n')
    // Node's default is 60 s, checked every 30 s: far beyond this bound.
    expect(await within(slow.closed, 5000, 'the slow-headers connection closed')).toBeLessThan(5000)
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('cuts a connection that sends nothing at all', async () => {
    const service = await serviceWith({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    const idle = raw(service)
    expect(await within(idle.closed, 5000, 'the idle connection closed')).toBeLessThan(5000)
    expect(idle.received()).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('cuts a request whose body trickles in after requestTimeoutMs', async () => {
    const service = await serviceWith({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })
    const subscriber = await service.subscribe()
    const slow = raw(service)
    const path = new URL(subscriber.subscription.endpoint).pathname
    slow.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\nContent-Length: 100\r\n\r\n0123456789`)
    const timer = setInterval(() => slow.socket.write('x'), 200) // one byte every 200 ms: 18 s for the body
    try {
      expect(await within(slow.closed, 6000, 'the slow-body connection closed')).toBeLessThan(6000)
    } finally {
      clearInterval(timer)
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(subscriber.pending).toBe(0)
  })

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const service = await serviceWith({ keepAliveTimeoutMs: 300 })
    const client = raw(service)
    client.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(await within(client.closed, 5000, 'the idle keep-alive connection closed')).toBeLessThan(5000)
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/)
  })
})

describe('request bodies', () => {
  it('refuses a declared body over 4096 bytes with 413 before the body is sent', async () => {
    const service = await serviceWith({})
    const subscriber = await service.subscribe()
    const client = raw(service)
    const path = new URL(subscriber.subscription.endpoint).pathname
    client.socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\nContent-Length: 1000000\r\n\r\n`)
    await expect.poll(client.received, { timeout: 3000, interval: 20 }).toMatch(/^HTTP\/1\.1 413/)
  })

  it('refuses a chunked body with 413 once it passes 4096 bytes, before the request ends', async () => {
    const service = await serviceWith({})
    const subscriber = await service.subscribe()
    const client = raw(service)
    const path = new URL(subscriber.subscription.endpoint).pathname
    const chunk = `2000\r\n${'x'.repeat(0x2000)}\r\n`
    client.socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTTL: 60\r\nContent-Encoding: aes128gcm\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
    )
    await expect.poll(client.received, { timeout: 3000, interval: 20 }).toMatch(/^HTTP\/1\.1 413/)
  })
})

describe('channels', () => {
  it('answers register with status 429 past maxChannelsPerUaid; the same channelID again and a freed slot still work', async () => {
    const service = await serviceWith({ maxChannelsPerUaid: 3 })
    const agent = await firefox(service)
    await agent.hello()
    const registered = [
      await agent.register(paddedKey),
      await agent.register(paddedKey),
      await agent.register(paddedKey),
    ]
    const extra = randomUUID()
    agent.send({ messageType: 'register', channelID: extra, key: paddedKey })
    expect(await agent.next()).toEqual({ messageType: 'register', channelID: extra, status: 429 })
    const first = registered[0] as { channelID: string; endpoint: string }
    agent.send({ messageType: 'register', channelID: first.channelID, key: paddedKey })
    expect(await agent.next()).toMatchObject({ status: 200, pushEndpoint: first.endpoint })
    agent.send({ messageType: 'unregister', channelID: first.channelID })
    expect(await agent.next()).toMatchObject({ messageType: 'unregister', status: 200 })
    agent.send({ messageType: 'register', channelID: extra, key: paddedKey })
    expect(await agent.next()).toMatchObject({ channelID: extra, status: 200 })
  })

  it('answers register with status 429 past maxChannels over every uaid, kept across reconnections', async () => {
    const service = await serviceWith({ maxChannels: 4, maxChannelsPerUaid: 3 })
    for (let i = 0; i < 2; i++) {
      const agent = await firefox(service)
      await agent.hello()
      await agent.register(paddedKey)
      await agent.register(paddedKey)
      await agent.close()
    }
    const third = await firefox(service)
    await third.hello()
    const channelID = randomUUID()
    third.send({ messageType: 'register', channelID, key: paddedKey })
    expect(await third.next()).toEqual({ messageType: 'register', channelID, status: 429 })
  })
})

describe('waiting and unacked messages', () => {
  it('answers 429 errno 201 past maxPendingPerChannel for an offline subscriber; a Topic replacement still fits', async () => {
    const service = await serviceWith({ maxPendingPerChannel: 2 })
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    subscriber.disconnect()
    expect((await push(subscriber.subscription, 'one', { topic: 'news' })).status).toBe(201)
    expect((await push(subscriber.subscription, 'two')).status).toBe(201)
    await expectError(await push(subscriber.subscription, 'three'), 429, 201)
    expect((await push(subscriber.subscription, 'one again', { topic: 'news' })).status).toBe(201)
    subscriber.connect()
    expect((await subscriber.next()).text).toBe('two')
    expect((await subscriber.next()).text).toBe('one again')
  })

  it('counts messages that arrived and were not taken by next() against maxPendingPerChannel', async () => {
    const service = await serviceWith({ maxPendingPerChannel: 2 })
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    expect((await push(subscriber.subscription, 'a')).status).toBe(201)
    expect((await push(subscriber.subscription, 'b')).status).toBe(201)
    await expect.poll(() => subscriber.pending).toBe(2)
    await expectError(await push(subscriber.subscription, 'c'), 429, 201)
    expect((await subscriber.next()).text).toBe('a')
    expect((await push(subscriber.subscription, 'c')).status).toBe(201)
  })

  it('counts notifications sent to Firefox and not acked, until the ack', async () => {
    const service = await serviceWith({ maxPendingPerChannel: 2 })
    const helper = await service.subscribe()
    const agent = await firefox(service)
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    const subscription = firefoxSubscription(endpoint, helper)
    expect((await push(subscription, 'one')).status).toBe(201)
    expect((await push(subscription, 'two')).status).toBe(201)
    const first = await agent.next()
    await agent.next()
    await expectError(await push(subscription, 'three'), 429, 201)
    agent.send({ messageType: 'ack', updates: [{ channelID, version: first.version, code: 100 }] })
    await service.waitForAck(first.version as string)
    expect((await push(subscription, 'three')).status).toBe(201)
  })

  it('bounds the messages of one uaid over its channels (maxPendingPerUaid)', async () => {
    const service = await serviceWith({ maxPendingPerChannel: 10, maxPendingPerUaid: 3 })
    const helper = await service.subscribe()
    const agent = await firefox(service)
    await agent.hello()
    const a = firefoxSubscription((await agent.register(paddedKey)).endpoint, helper)
    const b = firefoxSubscription((await agent.register(paddedKey)).endpoint, helper)
    await agent.close()
    expect((await push(a, '1')).status).toBe(201)
    expect((await push(a, '2')).status).toBe(201)
    expect((await push(b, '3')).status).toBe(201)
    await expectError(await push(b, '4'), 429, 201)
  })

  it('bounds the messages waiting over every channel (maxPendingMessages)', async () => {
    const service = await serviceWith({ maxPendingMessages: 3 })
    const subscribers = await Promise.all(
      [1, 2, 3, 4].map(() => service.subscribe({ applicationServerKey: vapid.publicKey })),
    )
    for (const s of subscribers) s.disconnect()
    for (const s of subscribers.slice(0, 3)) expect((await push(s.subscription, 'x')).status).toBe(201)
    await expectError(await push((subscribers[3] as TestSubscriber).subscription, 'y'), 429, 201)
  })

  it('sweeps a notification sent and never acked once its TTL runs out: no longer counted, not sent again', async () => {
    const service = await serviceWith({ maxPendingPerChannel: 1 })
    const helper = await service.subscribe()
    const agent = await firefox(service)
    const uaid = await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    const subscription = firefoxSubscription(endpoint, helper)
    const expiredBefore = service.stats.expired
    const response = await push(subscription, 'short-lived', { TTL: 1 })
    expect((await agent.next()).version).toBe(messageId(response, service.url))
    // Still connected, never acked: TTL 1 s, swept within a second after that.
    await expect.poll(() => service.stats.expired, { timeout: 5000, interval: 100 }).toBe(expiredBefore + 1)
    const next = await push(subscription, 'next')
    expect(next.status).toBe(201)
    expect(await agent.next()).toMatchObject({ channelID, version: messageId(next, service.url) })
    await agent.close()
    const back = await firefox(service)
    await back.hello(uaid)
    expect(await back.next()).toMatchObject({ channelID, version: messageId(next, service.url) })
    await back.nothing(300)
  })
})

describe('acks kept', () => {
  async function ackedMessages(service: PushService, count: number): Promise<string[]> {
    const agent = await firefox(service)
    await agent.hello()
    const channelID = randomUUID()
    const versions = Array.from({ length: count }, () => randomUUID().replace(/-/g, ''))
    agent.send({ messageType: 'ack', updates: versions.map((version) => ({ channelID, version, code: 100 })) })
    await service.waitForAck(versions.at(-1) as string)
    return versions
  }

  it('keeps the newest maxAcks', async () => {
    const service = await serviceWith({ maxAcks: 3 })
    const versions = await ackedMessages(service, 5)
    expect(service.acks.map((a) => a.id)).toEqual(versions.slice(2))
  })

  it('forgets acks older than ackRetentionMs', async () => {
    const service = await serviceWith({ ackRetentionMs: 300 })
    await ackedMessages(service, 3)
    expect(service.acks).toHaveLength(3)
    await expect.poll(() => service.acks.length, { timeout: 4000, interval: 100 }).toBe(0)
  })
})

describe('unsubscribed endpoints', () => {
  it('answers 410 for the newest maxGone of them, 404 for older ones', async () => {
    const service = await serviceWith({ maxGone: 2 })
    const gone = await Promise.all([1, 2, 3].map(() => service.subscribe({ applicationServerKey: vapid.publicKey })))
    for (const s of gone) await s.unsubscribe()
    await expectError(await push((gone[0] as TestSubscriber).subscription, 'x'), 404, 102)
    await expectError(await push((gone[1] as TestSubscriber).subscription, 'x'), 410, 106)
    await expectError(await push((gone[2] as TestSubscriber).subscription, 'x'), 410, 106)
  })

  it('answers 410 for goneRetentionMs after an unregister, then 404', async () => {
    const service = await serviceWith({ goneRetentionMs: 300 })
    const helper = await service.subscribe()
    const agent = await firefox(service)
    await agent.hello()
    const { channelID, endpoint } = await agent.register(paddedKey)
    agent.send({ messageType: 'unregister', channelID })
    await agent.next()
    const subscription = firefoxSubscription(endpoint, helper)
    await expectError(await push(subscription, 'x'), 410, 106)
    await expect.poll(async () => (await push(subscription, 'x')).status, { timeout: 4000, interval: 100 }).toBe(404)
  })
})

describe('a client that does not read', () => {
  it('is cut once its unread replies pass the bound, instead of growing the send buffer', async () => {
    const service = await serviceWith({ maxPendingPerUaid: 1 })
    const agent = await firefox(service)
    await agent.hello()
    const { channelID } = await agent.register(paddedKey)
    agent.ws.pause() // reads nothing from now on
    const frame = JSON.stringify({ messageType: 'register', channelID, key: paddedKey })
    const started = Date.now()
    // Each reply is ~130 bytes: 200,000 of them are 26 MB, far over the 1 MiB + 8 KiB bound and the socket buffers.
    for (let i = 0; i < 200 && agent.ws.readyState === agent.ws.OPEN && Date.now() - started < 20_000; i++) {
      for (let j = 0; j < 1000; j++) agent.sendRaw(frame)
      await sleep(5)
    }
    agent.ws.resume()
    expect((await agent.closedWithin(10_000)).code).toBe(1006)
  })
})
