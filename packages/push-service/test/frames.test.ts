/**
 * Hostile WebSocket clients: every malformed frame, for every message type, closes that one socket
 * with a close code of RFC 6455 §7.4.1 and leaves the service (and this test process) running; the
 * upgrade is refused to web pages (an `Origin`, RFC 6455 §10.2); frames are bounded in size.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { WebSocket } from 'ws'
import { type PushService, startPushService } from '../src/index.js'
import { FakeFirefox, type Frame, upgradeStatus } from './fake-firefox.js'
import { vapidKeys } from './helpers.js'

const key = `${vapidKeys().publicKey}=`
const uuid = randomUUID()
/** An object that a careless `String(value)` would call: `{"toString":1}` makes it throw. */
const poisoned = { toString: 1 }
let service: PushService
const open: FakeFirefox[] = []

async function firefox(): Promise<FakeFirefox> {
  const agent = await FakeFirefox.connect(service.webSocketUrl)
  open.push(agent)
  return agent
}

/** The service still answers HTTP and a new WebSocket client. */
async function expectServing(): Promise<void> {
  expect((await fetch(service.url)).status).toBe(200)
  const agent = await firefox()
  await agent.hello()
  agent.send({})
  expect(await agent.next()).toEqual({})
}

beforeAll(async () => {
  service = await startPushService()
})
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(open.splice(0).map((agent) => (agent.ws.readyState === WebSocket.OPEN ? agent.close() : undefined)))
})
afterAll(() => service.close())

/** Frames that break Mozilla's protocol; each is sent after a successful hello unless `first`. */
const PROTOCOL_ERRORS: { name: string; frame: Frame | string; first?: boolean }[] = [
  { name: 'text that is not JSON', frame: 'hello?' },
  { name: 'a JSON array', frame: '[{"messageType":"ping"}]' },
  { name: 'JSON null', frame: 'null' },
  { name: 'a JSON string', frame: '"hello"' },
  { name: 'a frame without messageType that is not {}', frame: { channelID: uuid } },
  { name: 'a messageType that is not a string', frame: { messageType: 7 } },
  { name: 'an unknown messageType', frame: { messageType: 'subscribe', channelID: uuid } },
  // hello
  { name: 'hello with a uaid that is an object', frame: { messageType: 'hello', uaid: poisoned }, first: true },
  {
    name: 'hello with a uaid over 128 characters',
    frame: { messageType: 'hello', uaid: 'a'.repeat(129) },
    first: true,
  },
  { name: 'hello with use_webpush a string', frame: { messageType: 'hello', use_webpush: 'yes' }, first: true },
  { name: 'hello with broadcasts an array', frame: { messageType: 'hello', broadcasts: [] }, first: true },
  {
    name: 'hello with a broadcast version a number',
    frame: { messageType: 'hello', broadcasts: { a: 1 } },
    first: true,
  },
  { name: 'hello with channelIDs a string', frame: { messageType: 'hello', channelIDs: uuid }, first: true },
  { name: 'a second hello', frame: { messageType: 'hello' } },
  // register
  { name: 'register without channelID', frame: { messageType: 'register' } },
  { name: 'register with a channelID that is an object', frame: { messageType: 'register', channelID: poisoned } },
  {
    name: 'register with a channelID that is not a UUID',
    frame: { messageType: 'register', channelID: 'x'.repeat(36) },
  },
  { name: 'register with a key that is a number', frame: { messageType: 'register', channelID: uuid, key: 4 } },
  {
    name: 'register with a key over 256 characters',
    frame: { messageType: 'register', channelID: uuid, key: 'A'.repeat(257) },
  },
  // unregister
  { name: 'unregister with a channelID that is an object', frame: { messageType: 'unregister', channelID: poisoned } },
  {
    name: 'unregister with a code that is a string',
    frame: { messageType: 'unregister', channelID: uuid, code: '200' },
  },
  // ack
  { name: 'ack without updates', frame: { messageType: 'ack' } },
  { name: 'ack with updates an object', frame: { messageType: 'ack', updates: { channelID: uuid } } },
  { name: 'ack with a null update', frame: { messageType: 'ack', updates: [null] } },
  { name: 'ack with an update that is a number', frame: { messageType: 'ack', updates: [1] } },
  {
    name: 'ack with a version that is an object',
    frame: { messageType: 'ack', updates: [{ channelID: uuid, version: poisoned }] },
  },
  {
    name: 'ack with a channelID that is an object',
    frame: { messageType: 'ack', updates: [{ channelID: poisoned, version: 'v' }] },
  },
  {
    name: 'ack with a code that is an object',
    frame: { messageType: 'ack', updates: [{ channelID: uuid, version: 'v', code: poisoned }] },
  },
  {
    name: 'ack with a fractional code',
    frame: { messageType: 'ack', updates: [{ channelID: uuid, version: 'v', code: 100.5 }] },
  },
  { name: 'ack with an empty version', frame: { messageType: 'ack', updates: [{ channelID: uuid, version: '' }] } },
  // nack
  { name: 'nack without version', frame: { messageType: 'nack', code: 302 } },
  { name: 'nack with a version that is an object', frame: { messageType: 'nack', version: poisoned } },
  { name: 'nack with a code that is an object', frame: { messageType: 'nack', version: 'v', code: poisoned } },
  { name: 'nack with a channelID that is a number', frame: { messageType: 'nack', version: 'v', channelID: 5 } },
  // broadcasts
  { name: 'broadcast_subscribe without broadcasts', frame: { messageType: 'broadcast_subscribe' } },
  {
    name: 'broadcast_subscribe with a version that is an object',
    frame: { messageType: 'broadcast_subscribe', broadcasts: { a: poisoned } },
  },
]

describe('a malformed frame closes that socket with 1002 (protocol error), and nothing else', () => {
  for (const c of PROTOCOL_ERRORS) {
    it(c.name, async () => {
      const agent = await firefox()
      if (!c.first) await agent.hello()
      agent.sendRaw(typeof c.frame === 'string' ? c.frame : JSON.stringify(c.frame))
      const { code, reason } = await agent.closedWithin()
      expect(code).toBe(1002)
      expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123)
      await expectServing()
    })
  }

  it('names the field and what was expected in the close reason, never its value', async () => {
    const agent = await firefox()
    await agent.hello()
    agent.send({ messageType: 'ack', updates: [{ channelID: uuid, version: 'secret-looking-value'.repeat(10) }] })
    const { reason } = await agent.closedWithin()
    expect(reason).toMatch(/ack\.updates\[0\]\.version/)
    expect(reason).not.toMatch(/secret/)
  })
})

describe('frames that are not protocol text', () => {
  it('a binary frame closes with 1003', async () => {
    const agent = await firefox()
    await agent.hello()
    agent.sendRaw(new TextEncoder().encode('{}'), true)
    expect((await agent.closedWithin()).code).toBe(1003)
    await expectServing()
  })

  it('text that is not UTF-8 closes with 1007', async () => {
    const agent = await firefox()
    agent.sendRaw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))
    expect((await agent.closedWithin()).code).toBe(1007)
    await expectServing()
  })
})

describe('frame size (maxPayload)', () => {
  it('takes a frame of exactly 64 KiB, and closes with 1009 at one byte more', async () => {
    const agent = await firefox()
    await agent.hello()
    const channelID = randomUUID()
    const base = JSON.stringify({ messageType: 'register', channelID, key, padding: '' })
    const fits = JSON.stringify({ messageType: 'register', channelID, key, padding: 'x'.repeat(65_536 - base.length) })
    expect(Buffer.byteLength(fits)).toBe(65_536)
    agent.sendRaw(fits)
    expect(await agent.next()).toMatchObject({ messageType: 'register', channelID, status: 200 })
    agent.sendRaw(`${fits} `)
    expect((await agent.closedWithin()).code).toBe(1009)
    await expectServing()
  })

  it('closes with 1009 as soon as a 100 MB frame announces its length, before reading it', async () => {
    const agent = await firefox()
    await agent.hello()
    // Only the header of a 100 MB frame and the first 64 KiB of it go out.
    const header = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0x05, 0xf5, 0xe1, 0x00, 1, 2, 3, 4])
    const socket = (agent.ws as unknown as { _socket: import('node:net').Socket })._socket
    socket.write(Buffer.concat([header, Buffer.alloc(65_536, 0x20)]))
    expect((await agent.closedWithin()).code).toBe(1009)
    await expectServing()
  })
})

describe('the upgrade', () => {
  it("refuses an upgrade with a web page's Origin with 403", async () => {
    for (const origin of ['http://localhost:8080', 'https://example.com', 'null', 'moz-extension://abc', 'file://'])
      expect(await upgradeStatus(service.webSocketUrl, { Origin: origin }), origin).toBe(403)
  })

  it("takes one without Origin, and one with Firefox's (the push server's own URL)", async () => {
    expect(await upgradeStatus(service.webSocketUrl)).toBe(101)
    expect(await upgradeStatus(service.webSocketUrl, { Origin: service.webSocketUrl })).toBe(101)
  })
})

describe('the top-level guard', () => {
  it('closes the socket with 1011 when a handler throws something unexpected, and keeps serving', async () => {
    const agent = await firefox()
    await agent.hello()
    agent.sendRaw('{}') // sent before the spy: only the service's reply meets it
    vi.spyOn(WebSocket.prototype, 'send').mockImplementationOnce(() => {
      throw new Error('injected failure')
    })
    expect((await agent.closedWithin()).code).toBe(1011)
    vi.restoreAllMocks()
    await expectServing()
  })
})

describe('frames Firefox may send that are fine', () => {
  it('takes null for optional fields, unknown extra fields, and broadcast_subscribe', async () => {
    const agent = await firefox()
    agent.send({
      messageType: 'hello',
      uaid: null,
      use_webpush: true,
      broadcasts: { 'remote-settings/monitor_changes': '"1"' },
      channelIDs: [uuid],
      extra: { nested: [1] },
    })
    expect(await agent.next()).toMatchObject({ messageType: 'hello', status: 200 })
    agent.send({ messageType: 'broadcast_subscribe', broadcasts: { a: 'v1' } })
    agent.send({ messageType: 'register', channelID: uuid, key, extra: 1 })
    expect(await agent.next()).toMatchObject({ messageType: 'register', channelID: uuid, status: 200 })
    agent.send({ messageType: 'ping' })
    expect(await agent.next()).toEqual({})
    agent.send({ messageType: 'nack', version: 'v', code: 302, channelID: null })
    agent.send({ messageType: 'ack', updates: [] })
    agent.send({ messageType: 'unregister', channelID: uuid, code: 200 })
    expect(await agent.next()).toMatchObject({ messageType: 'unregister', channelID: uuid, status: 200 })
  })
})
