/** HTTP/1.1 against real servers on 127.0.0.1, in plain text and over TLS. */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  makeCert,
  rejection,
  reply,
  serverLifecycle,
  silent,
  sleep,
  startServer,
  type TestServer,
  transports,
} from './servers.js'

const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm', Urgency: 'high', Authorization: 'vapid t=a.b.c, k=BAAA' }

describe.each(['http', 'https'] as const)('HTTP/1.1 over %s', (kind) => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    server = await startServer(kind)
  })
  serverLifecycle(() => server, closeAll)
  const options = () => ({ ca: makeCert().cert })

  it('delivers exactly the body bytes and headers', async () => {
    const response = await make(options()).send({ endpoint: server.url('/push/x?y=1'), headers, body })
    expect(response).toMatchObject({ status: 201, outcome: 'created', protocol: 'http/1.1', attempts: 1 })
    expect(response.location).toBe('https://push.example/m/push/x?y=1')
    expect(server.requests).toHaveLength(1)
    const received = server.requests[0]!
    expect(received).toMatchObject({ method: 'POST', path: '/push/x?y=1', httpVersion: '1.1' })
    expect(new Uint8Array(received.body)).toEqual(body)
    expect(received.headers).toMatchObject({
      ttl: '60',
      'content-encoding': 'aes128gcm',
      urgency: 'high',
      authorization: 'vapid t=a.b.c, k=BAAA',
      'content-length': '300',
      'user-agent': 'wp-transport',
    })
    if (kind === 'https') expect(server.alpn).toEqual(['http/1.1'])
  })

  it('sends a request without body with Content-Length: 0', async () => {
    await make(options()).send({ endpoint: server.url(), headers: { TTL: '0' } })
    expect(server.requests[0]!.body.length).toBe(0)
    expect(server.requests[0]!.headers['content-length']).toBe('0')
  })

  it('sends one User-Agent: the request own, else the option, else the default', async () => {
    const transport = make({ ...options(), userAgent: 'my-app/1' })
    await transport.send({ endpoint: server.url(), headers: { 'User-Agent': 'mine/2' } })
    await transport.send({ endpoint: server.url(), headers: {} })
    expect(server.requests.map((r) => r.names.filter((n) => n.toLowerCase() === 'user-agent').length)).toEqual([1, 1])
    expect(server.requests.map((r) => r.headers['user-agent'])).toEqual(['mine/2', 'my-app/1'])
  })

  it('reuses one connection for 200 sequential requests', async () => {
    const transport = make(options())
    for (let i = 0; i < 200; i++) await transport.send({ endpoint: server.url(`/push/${i}`), headers, body })
    expect(server.requests).toHaveLength(200)
    expect(server.connections).toBe(1)
  })

  it('opens at most maxConnectionsPerOrigin connections for 100 concurrent requests', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 5)
    const transport = make({ ...options(), maxConnectionsPerOrigin: 4 })
    const all = Array.from({ length: 100 }, (_, i) =>
      transport.send({ endpoint: server.url(`/push/${i}`), headers, body }),
    )
    const responses = await Promise.all(all)
    expect(responses.every((r) => r.outcome === 'created')).toBe(true)
    expect(server.requests).toHaveLength(100)
    expect(server.connections).toBeGreaterThan(1)
    expect(server.connections).toBeLessThanOrEqual(4)
  })

  it('reconnects when the server closed an idle connection', async () => {
    const idle = await startServer(kind, { keepAliveTimeout: 100 })
    try {
      const transport = make(options())
      await transport.send({ endpoint: idle.url(), headers, body })
      await sleep(300)
      const second = await transport.send({ endpoint: idle.url(), headers, body })
      expect(second.outcome).toBe('created')
      expect(idle.requests).toHaveLength(2)
      expect(idle.connections).toBe(2)
    } finally {
      await idle.close()
    }
  })

  it('waits for a slow server within the timeout', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 150)
    const response = await make(options()).send({ endpoint: server.url(), headers, body })
    expect(response.outcome).toBe('created')
  })

  it('times out on a server that never answers, without retrying', async () => {
    server.handler = silent
    const started = performance.now()
    const error = await rejection(
      make({ ...options(), timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }),
    )
    const elapsed = performance.now() - started
    expect(error.code).toBe('ERR_WP_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(1200)
    expect(server.requests).toHaveLength(1)
  })

  it('times out the whole attempt when the headers come fast and the body slowly', async () => {
    server.handler = (_req, res) => {
      res.writeHead(201, { 'content-length': '100' })
      res.write('x')
    }
    const started = performance.now()
    const error = await rejection(
      make({ ...options(), timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }),
    )
    expect(error.code).toBe('ERR_WP_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(1200)
  })

  it('rejects with ERR_WP_ABORTED when the signal aborts mid-request', async () => {
    server.handler = silent
    const controller = new AbortController()
    const pending = make(options()).send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    const started = performance.now()
    expect((await rejection(pending)).code).toBe('ERR_WP_ABORTED')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(server.requests).toHaveLength(1)
  })

  it("one caller's abort does not fail another request waiting for the same new connection", async () => {
    const transport = make({ ...options(), retry: false })
    const controller = new AbortController()
    const first = transport.send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
    const second = transport.send({ endpoint: server.url(), headers, body })
    setImmediate(() => controller.abort())
    expect((await rejection(first)).code).toBe('ERR_WP_ABORTED')
    expect((await second).outcome).toBe('created')
  })

  it('never connects with an already-aborted signal', async () => {
    const error = await rejection(
      make(options()).send({ endpoint: server.url(), headers, body }, { signal: AbortSignal.abort() }),
    )
    expect(error.code).toBe('ERR_WP_ABORTED')
    await sleep(50)
    expect(server.connections).toBe(0)
  })

  it('does not retry when the connection is reset after the request was written', async () => {
    server.handler = (req) => req.socket.destroy()
    const error = await rejection(
      make({ ...options(), retry: { retries: 3, baseDelayMs: 10 } }).send({ endpoint: server.url(), headers, body }),
    )
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(server.requests).toHaveLength(1)
  })

  it('retries a refused connection: nothing was written', async () => {
    const port = await freePort()
    const transport = make({ ...options(), retry: { retries: 20, baseDelayMs: 10, maxDelayMs: 100 } })
    const scheme = kind === 'http' ? 'http' : 'https'
    const pending = transport.send({ endpoint: `${scheme}://127.0.0.1:${port}/push/late`, headers, body })
    await sleep(60)
    const late = await startServer(kind, { port })
    try {
      const response = await pending
      expect(response.outcome).toBe('created')
      expect(response.attempts).toBeGreaterThan(1)
      expect(late.requests).toHaveLength(1)
    } finally {
      await late.close()
    }
  })

  it('gives up on a refused connection with ERR_WP_NETWORK after the retries', async () => {
    const port = await freePort()
    const scheme = kind === 'http' ? 'http' : 'https'
    const transport = make({ ...options(), retry: false })
    const error = await rejection(transport.send({ endpoint: `${scheme}://127.0.0.1:${port}/`, headers, body }))
    expect(error.code).toBe('ERR_WP_NETWORK')
  })

  it('close() lets in-flight requests finish, then refuses new ones', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 150)
    const transport = make(options())
    const inflight = Array.from({ length: 5 }, () => transport.send({ endpoint: server.url(), headers, body }))
    await sleep(50)
    const closing = transport.close()
    const late = await rejection(transport.send({ endpoint: server.url(), headers, body }))
    expect(late.code).toBe('ERR_WP_CLOSED')
    const responses = await Promise.all(inflight)
    expect(responses.map((r) => r.outcome)).toEqual(Array(5).fill('created'))
    await closing
    expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_CLOSED')
    expect(server.requests).toHaveLength(5)
  })

  // Only TLS has certificates to refuse.
  if (kind === 'https')
    it('does not take TLS certificates it was not told to trust', async () => {
      const error = await rejection(make({ retry: false }).send({ endpoint: server.url(), headers, body }))
      expect(error.code).toBe('ERR_WP_NETWORK')
      expect(server.requests).toHaveLength(0)
    })

  it('reads the answer to a failed request and rejects', async () => {
    server.handler = reply(400, { 'content-type': 'text/plain' }, 'bad')
    const error = await rejection(make(options()).send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_PUSH_SERVICE')
    expect(error.outcome).toBe('bad-request')
    expect(error.reason).toBe('bad')
  })
})
