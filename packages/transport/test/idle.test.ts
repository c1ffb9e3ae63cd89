/**
 * What the transport keeps per origin is released: after `originIdleMs` with no request, and at once
 * for the least recently used idle origins beyond `maxIdleOrigins`. Many origins are made with
 * names that an injected resolver sends to 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { originCounts } from '../src/node/transport.js'
import { eventually, sleep, startServer, type TestServer, transports } from './servers.js'

const body = Uint8Array.from({ length: 100 }, (_, i) => i % 256)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm' }

/** Every name is 127.0.0.1. */
const loopback = (
  _hostname: string,
  _options: { all: true },
  callback: (error: Error | null, addresses: { address: string; family: number }[]) => void,
) => callback(null, [{ address: '127.0.0.1', family: 4 }])

const name = (i: number) => `o${i}.push.test`

describe.each([
  ['HTTP/1.1', 'http', false],
  ['HTTP/2', 'h2c', true],
] as const)('idle origins over %s', (_, kind, http2) => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, http2, lookup: loopback })
  beforeAll(async () => {
    server = await startServer(kind)
  })
  afterEach(async () => {
    await closeAll()
    await eventually(() => server.open === 0, 2000)
    server.reset()
  })
  afterAll(() => server.close())
  const send = (transport: ReturnType<typeof make>, i: number) =>
    transport.send({ endpoint: server.url('/push/x', name(i)), headers, body })

  it('releases each origin after originIdleMs: its connections close and its state goes', async () => {
    const transport = make({ originIdleMs: 1000 })
    const started = performance.now()
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(transport, i)))
    const sent = performance.now()
    expect(server.connections).toBe(50)
    // (On a machine so busy that the sends took most of the idle time, some may be released already.)
    if (sent - started < 500) {
      expect(server.open).toBe(50)
      expect(originCounts(transport)).toEqual({ origins: 50, idle: 50 })
    }
    // Released 1 to 1.25 s after the last request. undici's own keep-alive timeout (4 s) would close
    // HTTP/1.1 connections later; HTTP/2 sessions it never closes.
    expect(await eventually(() => server.open === 0 && originCounts(transport)?.origins === 0, 3000)).toBe(true)
    expect(performance.now() - sent).toBeGreaterThan(700)
    // Sending again opens new connections.
    expect((await send(transport, 0)).status).toBe(201)
    expect(server.connections).toBe(51)
  })

  it('keeps an origin while a request is in flight, however long it takes', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 1000)
    const transport = make({ originIdleMs: 100 })
    const pending = send(transport, 0)
    await sleep(400)
    expect(originCounts(transport)).toEqual({ origins: 1, idle: 0 })
    expect((await pending).status).toBe(201)
    server.handler = (_req, res) => res.writeHead(201).end()
    expect((await send(transport, 0)).status).toBe(201)
    expect(server.connections).toBe(1)
  })

  it('keeps at most maxIdleOrigins idle origins, releasing the least recently used', async () => {
    const transport = make({ maxIdleOrigins: 5 })
    for (let i = 0; i < 5; i++) await send(transport, i)
    await send(transport, 0) // o0 is now the most recently used
    expect(server.connections).toBe(5)
    await send(transport, 5) // one idle origin too many: o1 goes
    expect(originCounts(transport)).toEqual({ origins: 5, idle: 5 })
    expect(await eventually(() => server.open === 5, 2000)).toBe(true)
    await send(transport, 0)
    expect(server.connections).toBe(6)
    await send(transport, 1)
    expect(server.connections).toBe(7)
    for (let i = 6; i < 40; i++) await send(transport, i)
    expect(originCounts(transport)).toEqual({ origins: 5, idle: 5 })
    expect(await eventually(() => server.open === 5, 2000)).toBe(true)
  })

  it('with maxIdleOrigins: 0, releases an origin as soon as its last request is answered', async () => {
    const transport = make({ maxIdleOrigins: 0 })
    for (let i = 0; i < 10; i++) expect((await send(transport, i % 2)).status).toBe(201)
    expect(originCounts(transport)).toEqual({ origins: 0, idle: 0 })
    expect(await eventually(() => server.open === 0, 2000)).toBe(true)
  })

  it('does not count origins with requests in flight as idle', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 500)
    const transport = make({ maxIdleOrigins: 2 })
    const all = Array.from({ length: 10 }, (_, i) => send(transport, i))
    await sleep(50)
    expect(originCounts(transport)).toEqual({ origins: 10, idle: 0 })
    expect((await Promise.all(all)).every((r) => r.status === 201)).toBe(true)
    expect(originCounts(transport)).toEqual({ origins: 2, idle: 2 })
  })
})

describe('the idle options', () => {
  const { make, closeAll } = transports({ allowPrivateNetwork: true })
  afterEach(closeAll)

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000'])('refuses originIdleMs: %s', (value) => {
    expect(() => make({ originIdleMs: value as number })).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT', message: expect.stringMatching(/originIdleMs/) }),
    )
  })

  it.each([-1, 1.5, Number.NaN, '10'])('refuses maxIdleOrigins: %s', (value) => {
    expect(() => make({ maxIdleOrigins: value as number })).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT', message: expect.stringMatching(/maxIdleOrigins/) }),
    )
  })

  it("sweeps with one unref'd timer per transport, stopped when no origin is left", async () => {
    const server = await startServer('http')
    const setSpy = vi.spyOn(globalThis, 'setInterval')
    const clearSpy = vi.spyOn(globalThis, 'clearInterval')
    try {
      const transport = make({ lookup: loopback, originIdleMs: 100 })
      for (let i = 0; i < 5; i++) await transport.send({ endpoint: server.url('/x', name(i)), headers, body })
      expect(setSpy).toHaveBeenCalledTimes(1)
      const timer = setSpy.mock.results[0]?.value as NodeJS.Timeout
      expect(timer.hasRef()).toBe(false)
      expect(await eventually(() => originCounts(transport)?.origins === 0, 3000)).toBe(true)
      expect(await eventually(() => clearSpy.mock.calls.some(([t]) => t === timer), 1000)).toBe(true)
    } finally {
      setSpy.mockRestore()
      clearSpy.mockRestore()
      await closeAll()
      await server.close()
    }
  })
})
