/** The transport over `fetch`: the global one, and an injected wrapper, against a real HTTP server. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createFetchTransport,
  createTransport,
  type PushServiceError,
  type Transport,
  type TransportOptions,
} from '../src/index.node.js'
import {
  created,
  freePort,
  rejection,
  reply,
  sequence,
  silent,
  sleep,
  startServer,
  type TestServer,
} from './servers.js'

const body = Uint8Array.from({ length: 256 }, (_, i) => 255 - i)
const headers = { TTL: '60', 'Content-Encoding': 'aes128gcm', Urgency: 'low' }

describe('fetch transport', () => {
  let server: TestServer
  const open: Transport[] = []
  let calls = 0
  const counting: typeof fetch = (input, init) => {
    calls++
    return fetch(input, init)
  }
  const make = (options: TransportOptions = {}, factory = createFetchTransport) => {
    const transport = factory({
      allowPrivateNetwork: true,
      timeoutMs: 2000,
      retry: { baseDelayMs: 10 },
      fetch: counting,
      ...options,
    })
    open.push(transport)
    return transport
  }
  beforeAll(async () => {
    server = await startServer('http')
  })
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()))
    server.reset()
    calls = 0
  })
  afterAll(() => server.close())

  it('delivers exactly the body bytes and headers with the global fetch', async () => {
    const transport = createFetchTransport({ allowPrivateNetwork: true, timeoutMs: 2000 })
    open.push(transport)
    const response = await transport.send({ endpoint: server.url('/push/f?x=1'), headers, body })
    expect(response).toMatchObject({
      status: 201,
      outcome: 'created',
      location: 'https://push.example/m/push/f?x=1',
      attempts: 1,
    })
    const received = server.requests[0]!
    expect(received).toMatchObject({ method: 'POST', path: '/push/f?x=1' })
    expect(new Uint8Array(received.body)).toEqual(body)
    expect(received.headers).toMatchObject({
      ttl: '60',
      'content-encoding': 'aes128gcm',
      urgency: 'low',
      'content-length': '256',
    })
  })

  it('sends a request without body', async () => {
    await make().send({ endpoint: server.url(), headers })
    expect(server.requests[0]!.body.length).toBe(0)
  })

  it('createTransport sends through the given fetch', async () => {
    await make({}, createTransport).send({ endpoint: server.url(), headers, body })
    expect(calls).toBe(1)
    expect(server.requests).toHaveLength(1)
  })

  it.each([
    [404, {}, '', 'gone', 'ERR_WP_SUBSCRIPTION_GONE', undefined],
    [
      410,
      { 'content-type': 'application/json' },
      '{"code":410,"errno":106,"error":"Gone","message":"No such subscription"}',
      'gone',
      'ERR_WP_SUBSCRIPTION_GONE',
      'No such subscription (errno 106)',
    ],
    [413, {}, '', 'too-large', 'ERR_WP_PUSH_SERVICE', undefined],
    [406, { 'x-wns-status': 'channelthrottled' }, '', 'rate-limited', 'ERR_WP_PUSH_SERVICE', 'status channelthrottled'],
    [403, {}, '{"reason":"BadJwtToken"}', 'unauthorized', 'ERR_WP_PUSH_SERVICE', 'BadJwtToken'],
    [
      400,
      { 'content-type': 'text/html' },
      '<html><title>Bad JWT</title></html>',
      'bad-request',
      'ERR_WP_PUSH_SERVICE',
      'Bad JWT',
    ],
  ] as const)('maps %i to its outcome', async (status, extra, text, outcome, code, reason) => {
    server.handler = reply(status, extra, text)
    const error = (await rejection(
      make().send({ endpoint: server.url(), headers, body }),
    )) as unknown as PushServiceError
    expect(error).toMatchObject({ code, outcome, statusCode: status })
    expect(error.reason).toBe(reason)
    // A rate limit (WNS's 406) is retried like 429, twice by default; nothing else here is.
    expect(error.isRetryable).toBe(outcome === 'rate-limited')
    expect(calls).toBe(outcome === 'rate-limited' ? 3 : 1)
  })

  it.each([429, 500, 502, 503, 504])('retries %i and succeeds', async (status) => {
    server.handler = sequence(reply(status), reply(status), created)
    const response = await make({ retry: { retries: 2, baseDelayMs: 10 } }).send({
      endpoint: server.url(),
      headers,
      body,
    })
    expect(response).toMatchObject({ outcome: 'created', attempts: 3 })
    expect(calls).toBe(3)
    expect(server.requests).toHaveLength(3)
  })

  it('rejects with the last service error when the retries run out', async () => {
    server.handler = sequence(reply(500), reply(503))
    const error = await rejection(
      make({ retry: { retries: 1, baseDelayMs: 10 } }).send({ endpoint: server.url(), headers, body }),
    )
    expect(error).toMatchObject({ code: 'ERR_WP_PUSH_SERVICE', statusCode: 503 })
    expect(calls).toBe(2)
  })

  it('honours Retry-After, and does not wait for one above maxDelayMs', async () => {
    server.handler = sequence(reply(429, { 'retry-after': '0' }), created)
    expect(
      (await make({ retry: { baseDelayMs: 10_000 } }).send({ endpoint: server.url(), headers, body })).attempts,
    ).toBe(2)
    server.reset()
    calls = 0
    server.handler = reply(503, { 'retry-after': '600' })
    const error = await rejection(make({ retry: { maxDelayMs: 1000 } }).send({ endpoint: server.url(), headers, body }))
    expect(error).toMatchObject({ outcome: 'server-error', retryAfterMs: 600_000 })
    expect(calls).toBe(1)
  })

  it.each([400, 401, 403, 404, 410, 413])('never retries %i', async (status) => {
    server.handler = reply(status)
    await rejection(make({ retry: { retries: 4, baseDelayMs: 10 } }).send({ endpoint: server.url(), headers, body }))
    expect(calls).toBe(1)
    expect(server.requests).toHaveLength(1)
  })

  it('makes one attempt with retry: false', async () => {
    server.handler = reply(503)
    await rejection(make({ retry: false }).send({ endpoint: server.url(), headers, body }))
    expect(calls).toBe(1)
  })

  it('times out on a server that never answers', async () => {
    server.handler = silent
    const started = performance.now()
    const error = await rejection(make({ timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }))
    expect(error.code).toBe('ERR_WP_TIMEOUT')
    expect(performance.now() - started).toBeLessThan(1200)
    expect(calls).toBe(1)
  })

  it('times out when the body comes slowly', async () => {
    server.handler = (_req, res) => {
      res.writeHead(201, { 'content-length': '10' })
      res.write('x')
    }
    expect((await rejection(make({ timeoutMs: 200 }).send({ endpoint: server.url(), headers, body }))).code).toBe(
      'ERR_WP_TIMEOUT',
    )
  })

  it('aborts mid-request, and never calls fetch with an aborted signal', async () => {
    server.handler = silent
    const controller = new AbortController()
    const transport = make()
    const pending = transport.send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 100)
    expect((await rejection(pending)).code).toBe('ERR_WP_ABORTED')
    expect(calls).toBe(1)
    const error = await rejection(
      transport.send({ endpoint: server.url(), headers, body }, { signal: AbortSignal.abort() }),
    )
    expect(error.code).toBe('ERR_WP_ABORTED')
    expect(calls).toBe(1)
  })

  it('fails with ERR_WP_NETWORK on a refused connection, without retrying (fetch cannot say what was written)', async () => {
    const port = await freePort()
    const error = await rejection(
      make({ retry: { retries: 3, baseDelayMs: 10 } }).send({ endpoint: `http://127.0.0.1:${port}/`, headers, body }),
    )
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(calls).toBe(1)
  })

  it('fails with ERR_WP_NETWORK when the connection breaks mid-answer', async () => {
    server.handler = (req, res) => {
      res.writeHead(201, { 'content-length': '100' })
      res.write('x')
      setTimeout(() => req.socket.destroy(), 20)
    }
    const error = await rejection(
      make({ retry: { retries: 3, baseDelayMs: 10 } }).send({ endpoint: server.url(), headers, body }),
    )
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(calls).toBe(1)
  })

  it('fails with ERR_WP_NETWORK when the server resets after reading the request', async () => {
    server.handler = (req) => req.socket.destroy()
    const error = await rejection(
      make({ retry: { retries: 3, baseDelayMs: 10 } }).send({ endpoint: server.url(), headers, body }),
    )
    expect(error.code).toBe('ERR_WP_NETWORK')
    expect(server.requests).toHaveLength(1)
  })

  it('close() lets in-flight requests finish, then refuses new ones', async () => {
    server.handler = (_req, res) => setTimeout(() => res.writeHead(201).end(), 200)
    const transport = make()
    const inflight = [1, 2, 3].map(() => transport.send({ endpoint: server.url(), headers, body }))
    await sleep(50)
    const closing = transport.close()
    expect((await rejection(transport.send({ endpoint: server.url(), headers, body }))).code).toBe('ERR_WP_CLOSED')
    expect((await Promise.all(inflight)).map((r) => r.outcome)).toEqual(['created', 'created', 'created'])
    await closing
    expect(calls).toBe(3)
  })

  it('reports no protocol: fetch does not say which HTTP version it spoke', async () => {
    const response = await make().send({ endpoint: server.url(), headers, body })
    expect(response.outcome).toBe('created')
    expect(response.protocol).toBeUndefined()
    expect('protocol' in response).toBe(false)
  })

  it('does not follow redirects', async () => {
    server.handler = reply(307, { location: '/elsewhere' })
    const error = await rejection(make().send({ endpoint: server.url(), headers, body }))
    expect(error).toMatchObject({ code: 'ERR_WP_PUSH_SERVICE', statusCode: 307 })
    expect(server.requests).toHaveLength(1)
  })
})
