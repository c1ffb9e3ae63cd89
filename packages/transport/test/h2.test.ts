/** HTTP/2 over TLS against real node:http2 servers, and the choice between HTTP/2 and HTTP/1.1. */
import type { ServerHttp2Stream } from 'node:http2'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  makeCert,
  rejection,
  serverLifecycle,
  silent,
  sleep,
  startServer,
  type TestServer,
  transports,
} from './servers.js'

const body = Uint8Array.from({ length: 4000 }, (_, i) => (i * 13) % 256)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm', Urgency: 'normal', Topic: 'news' }

describe('HTTP/2 over TLS', () => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    server = await startServer('h2')
  })
  serverLifecycle(() => server, closeAll)
  const ca = () => makeCert().cert

  it('delivers exactly the body bytes and headers over h2', async () => {
    const response = await make({ ca: ca() }).send({ endpoint: server.url('/push/h2?q=1'), headers, body })
    expect(response).toMatchObject({ status: 201, outcome: 'created', protocol: 'h2', attempts: 1 })
    expect(response.location).toBe('https://push.example/m/push/h2?q=1')
    const received = server.requests[0]!
    expect(received).toMatchObject({ method: 'POST', path: '/push/h2?q=1', httpVersion: '2.0' })
    expect(new Uint8Array(received.body)).toEqual(body)
    expect(received.headers).toMatchObject({
      ttl: '60',
      'content-encoding': 'aes128gcm',
      urgency: 'normal',
      topic: 'news',
      'content-length': '4000',
      'user-agent': 'wp-transport',
    })
    expect(server.alpn).toEqual(['h2'])
  })

  it('sends a request without body', async () => {
    await make({ ca: ca() }).send({ endpoint: server.url(), headers: { TTL: '0' } })
    expect(server.requests[0]!.body.length).toBe(0)
    expect(server.requests[0]!.headers['content-length']).toBe('0')
  })

  it.each(['auto', true] as const)(
    'multiplexes 100 concurrent requests over one connection (http2: %s)',
    async (http2) => {
      server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 10)
      const transport = make({ ca: ca(), http2 })
      const all = Array.from({ length: 100 }, (_, i) =>
        transport.send({ endpoint: server.url(`/push/${i}`), headers, body }),
      )
      const responses = await Promise.all(all)
      expect(responses.every((r) => r.outcome === 'created' && r.protocol === 'h2')).toBe(true)
      expect(server.requests).toHaveLength(100)
      expect(server.connections).toBe(1)
    },
  )

  it.each(['auto', true] as const)(
    "one caller's abort does not fail another request waiting for the same new connection (http2: %s)",
    async (http2) => {
      const transport = make({ ca: ca(), http2, retry: false })
      const controller = new AbortController()
      const first = transport.send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
      const second = transport.send({ endpoint: server.url(), headers, body })
      setImmediate(() => controller.abort())
      expect((await rejection(first)).code).toBe('ERR_WP_ABORTED')
      expect((await second).outcome).toBe('created')
      expect(server.connections).toBe(1)
    },
  )

  it('reuses the session for sequential requests', async () => {
    const transport = make({ ca: ca() })
    for (let i = 0; i < 50; i++) await transport.send({ endpoint: server.url(`/push/${i}`), headers, body })
    expect(server.connections).toBe(1)
  })

  it('times out on a server that never answers', async () => {
    server.handler = silent
    const started = performance.now()
    const error = await rejection(make({ ca: ca(), timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(1200)
    expect(server.requests).toHaveLength(1)
  })

  it('times out the whole attempt when the headers come fast and the body slowly', async () => {
    server.handler = (_req, res) => {
      res.writeHead(201, { 'content-length': '100' })
      res.write('x')
    }
    const error = await rejection(make({ ca: ca(), timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_TIMEOUT')
  })

  it('keeps the session usable after a stream timed out', async () => {
    const transport = make({ ca: ca(), timeoutMs: 200 })
    server.handler = silent
    expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_TIMEOUT')
    server.handler = (_req, res) => res.writeHead(201).end()
    expect((await transport.send({ endpoint: server.url(), headers, body })).outcome).toBe('created')
    expect(server.connections).toBe(1)
  })

  it('rejects with ERR_WP_ABORTED when the signal aborts mid-request', async () => {
    server.handler = silent
    const controller = new AbortController()
    const pending = make({ ca: ca() }).send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    expect((await rejection(pending)).code).toBe('ERR_WP_ABORTED')
  })

  it('never connects with an already-aborted signal', async () => {
    const error = await rejection(
      make({ ca: ca() }).send({ endpoint: server.url(), headers, body }, { signal: AbortSignal.abort() }),
    )
    expect(error.code).toBe('ERR_WP_ABORTED')
    await sleep(50)
    expect(server.connections).toBe(0)
  })

  it('does not retry when the session is destroyed after the request was written', async () => {
    server.handler = (req) => (req as unknown as { stream: ServerHttp2Stream }).stream.session?.destroy()
    const transport = make({ ca: ca(), retry: { retries: 3, baseDelayMs: 10 } })
    const error = await rejection(transport.send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(server.requests).toHaveLength(1)
    server.handler = (_req, res) => res.writeHead(201).end()
    expect((await transport.send({ endpoint: server.url(), headers, body })).outcome).toBe('created')
  })

  it('close() lets in-flight streams finish, then refuses new requests', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 200)
    const transport = make({ ca: ca() })
    const inflight = Array.from({ length: 5 }, () => transport.send({ endpoint: server.url(), headers, body }))
    await sleep(50)
    const closing = transport.close()
    expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_CLOSED')
    expect((await Promise.all(inflight)).map((r) => r.outcome)).toEqual(Array(5).fill('created'))
    await closing
    expect(server.requests).toHaveLength(5)
  })

  it('opens a new session after the server closed the previous one', async () => {
    const transport = make({ ca: ca() })
    server.handler = (req, res) => {
      const session = (req as unknown as { stream: ServerHttp2Stream }).stream.session
      res.writeHead(201).end()
      // GOAWAY once the answer is out.
      setTimeout(() => session?.close(), 10)
    }
    await transport.send({ endpoint: server.url(), headers, body })
    await sleep(100)
    server.handler = (_req, res) => res.writeHead(201).end()
    expect((await transport.send({ endpoint: server.url(), headers, body })).outcome).toBe('created')
    expect(server.connections).toBe(2)
  })
})

describe('choosing the protocol', () => {
  let h2: TestServer
  let h2and1: TestServer
  let h1: TestServer
  let h1NoAlpn: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    ;[h2, h2and1, h1, h1NoAlpn] = await Promise.all([
      startServer('h2'),
      startServer('h2', { allowHTTP1: true }),
      startServer('https', { alpn: ['http/1.1'] }),
      startServer('https'),
    ])
  })
  afterEach(closeAll)
  afterAll(() => Promise.all([h2, h2and1, h1, h1NoAlpn].map((s) => s.close())))
  const ca = () => makeCert().cert
  const send = (server: TestServer, http2: 'auto' | boolean) =>
    make({ ca: ca(), http2 }).send({ endpoint: server.url(), headers, body })

  it("'auto' picks h2 against an h2 server, on the probe's connection", async () => {
    h2.reset()
    expect((await send(h2, 'auto')).protocol).toBe('h2')
    expect(h2.connections).toBe(1)
    expect(h2.requests[0]!.httpVersion).toBe('2.0')
  })

  it("'auto' picks h2 against an h2 server that also speaks HTTP/1.1", async () => {
    h2and1.reset()
    expect((await send(h2and1, 'auto')).protocol).toBe('h2')
    expect(h2and1.requests[0]!.httpVersion).toBe('2.0')
  })

  it.each([
    ['with ALPN http/1.1', () => h1],
    ['without ALPN', () => h1NoAlpn],
  ])("'auto' picks HTTP/1.1 against an https HTTP/1.1 server %s and keeps the probe's connection", async (_, which) => {
    const server = which()
    server.reset()
    const transport = make({ ca: ca() })
    for (let i = 0; i < 10; i++) {
      const response = await transport.send({ endpoint: server.url(), headers, body })
      expect(response.protocol).toBe('http/1.1')
    }
    expect(server.requests.every((r) => r.httpVersion === '1.1')).toBe(true)
    expect(server.connections).toBe(1)
  })

  it('http2: false forces HTTP/1.1 against an h2 server that allows HTTP/1.1', async () => {
    h2and1.reset()
    expect((await send(h2and1, false)).protocol).toBe('http/1.1')
    expect(h2and1.requests[0]!.httpVersion).toBe('1.1')
    expect(h2and1.alpn).toEqual(['http/1.1'])
  })

  it('http2: true uses h2 against an h2 server', async () => {
    h2.reset()
    expect((await send(h2, true)).protocol).toBe('h2')
  })

  it.each([
    ['with ALPN http/1.1', () => h1],
    ['without ALPN', () => h1NoAlpn],
  ])('http2: true fails with ERR_WP_NETWORK against an HTTP/1.1-only server %s', async (_, which) => {
    const server = which()
    server.reset()
    const error = await rejection(send(server, true))
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(server.requests).toHaveLength(0)
  })

  it('http2: false fails against an h2-only server without sending', async () => {
    h2.reset()
    const error = await rejection(
      make({ ca: ca(), http2: false, retry: false }).send({ endpoint: h2.url(), headers, body }),
    )
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(h2.requests).toHaveLength(0)
  })
})
