/** Retries against a real server: which statuses, Retry-After in both forms, maxDelayMs, backoff. */
import { beforeAll, describe, expect, it } from 'vitest'
import { isRetryableStatus, outcomeOf, PushServiceError, parseRetryAfter } from '../src/index.node.js'
import {
  created,
  rejection,
  reply,
  sequence,
  serverLifecycle,
  sleep,
  startServer,
  type TestServer,
  transports,
} from './servers.js'

const body = new Uint8Array([1, 2, 3])
const headers = { TTL: '60' }

describe('retries', () => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 3000, retry: { baseDelayMs: 10 } })
  beforeAll(async () => {
    server = await startServer('http')
  })
  serverLifecycle(() => server, closeAll)
  const send = (options = {}) => make(options).send({ endpoint: server.url(), headers, body })
  const gap = (a: number, b: number) => (server.requests[b]?.at ?? 0) - (server.requests[a]?.at ?? 0)

  it('honours Retry-After in seconds: 429 then 201', async () => {
    server.handler = sequence(reply(429, { 'retry-after': '1' }), created)
    const response = await send()
    expect(response).toMatchObject({ outcome: 'created', attempts: 2 })
    expect(server.requests).toHaveLength(2)
    expect(gap(0, 1)).toBeGreaterThanOrEqual(950)
    expect(gap(0, 1)).toBeLessThan(2000)
  })

  it('honours Retry-After as an HTTP-date: 503 then 201', async () => {
    let wait = 0
    server.handler = sequence((_req, res) => {
      // The next whole second at least 300 ms away: a wait between 0.3 and 1.3 seconds.
      const date = new Date((Math.floor((Date.now() + 300) / 1000) + 1) * 1000)
      wait = date.getTime() - Date.now()
      res.writeHead(503, { 'retry-after': date.toUTCString() }).end()
    }, created)
    const response = await send()
    expect(response).toMatchObject({ outcome: 'created', attempts: 2 })
    expect(gap(0, 1)).toBeGreaterThanOrEqual(wait - 50)
  })

  it.each([
    ['seconds', () => '120', 120_000],
    ['an HTTP-date', () => new Date(Date.now() + 3_600_000).toUTCString(), 3_600_000],
  ])('does not wait for a Retry-After (%s) above maxDelayMs: the error carries retryAfterMs', async (_, value, ms) => {
    server.handler = (_req, res) => res.writeHead(429, { 'retry-after': value() }).end()
    const started = performance.now()
    const error = (await rejection(
      send({ retry: { maxDelayMs: 1000, baseDelayMs: 10 } }),
    )) as unknown as PushServiceError
    expect(performance.now() - started).toBeLessThan(500)
    expect(error.code).toBe('ERR_WP_PUSH_SERVICE')
    expect(error.outcome).toBe('rate-limited')
    expect(error.retryAfterMs).toBeGreaterThan(ms - 2000)
    expect(error.retryAfterMs).toBeLessThanOrEqual(ms)
    expect(server.requests).toHaveLength(1)
  })

  it('retries at once on Retry-After: 0', async () => {
    server.handler = sequence(reply(503, { 'retry-after': '0' }), created)
    expect((await send({ retry: { baseDelayMs: 5000 } })).attempts).toBe(2)
    expect(gap(0, 1)).toBeLessThan(500)
  })

  it.each([429, 500, 502, 503, 504])('retries %i, then rejects with the service error', async (status) => {
    server.handler = reply(status)
    const error = (await rejection(send({ retry: { retries: 2, baseDelayMs: 10 } }))) as unknown as PushServiceError
    expect(error.code).toBe('ERR_WP_PUSH_SERVICE')
    expect(error.statusCode).toBe(status)
    expect(error.response.attempts).toBe(3)
    expect(server.requests).toHaveLength(3)
  })

  it('rejects with the last answer when the retries run out', async () => {
    server.handler = sequence(reply(503), reply(500), reply(429, {}, '{"reason":"TooManyRequests"}'))
    const error = (await rejection(send({ retry: { retries: 2, baseDelayMs: 10 } }))) as unknown as PushServiceError
    expect(error).toMatchObject({
      code: 'ERR_WP_PUSH_SERVICE',
      statusCode: 429,
      outcome: 'rate-limited',
      reason: 'TooManyRequests',
    })
    expect(server.requests).toHaveLength(3)
  })

  it('succeeds when a retry is accepted', async () => {
    server.handler = sequence(reply(503), reply(502), created)
    const response = await send({ retry: { retries: 2, baseDelayMs: 10 } })
    expect(response).toMatchObject({ outcome: 'created', attempts: 3 })
  })

  it.each([
    [400, {}],
    [401, {}],
    [403, {}],
    [404, {}],
    [406, {}],
    [410, {}],
    [413, {}],
    [501, {}],
    [505, {}],
  ])('never retries %i', async (status, extra) => {
    server.handler = reply(status, extra)
    const error = await rejection(send({ retry: { retries: 5, baseDelayMs: 10 } }))
    expect(error.statusCode).toBe(status)
    expect(error.isRetryable).toBe(false)
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it("retries WNS's 406 (a rate limit) like 429, as isRetryable says", async () => {
    server.handler = sequence(reply(406, { 'x-wns-status': 'channelthrottled' }), created)
    expect(await send({ retry: { retries: 2, baseDelayMs: 10 } })).toMatchObject({ outcome: 'created', attempts: 2 })
    server.reset()
    server.handler = reply(406, { 'x-wns-status': 'channelthrottled' })
    const error = (await rejection(send({ retry: { retries: 2, baseDelayMs: 10 } }))) as unknown as PushServiceError
    expect(error).toMatchObject({ outcome: 'rate-limited', isRetryable: true })
    expect(error.response.attempts).toBe(3)
    expect(server.requests).toHaveLength(3)
  })

  it('makes one attempt with retry: false', async () => {
    server.handler = reply(503, { 'retry-after': '0' })
    const error = await rejection(send({ retry: false }))
    expect(error).toMatchObject({ code: 'ERR_WP_PUSH_SERVICE', outcome: 'server-error' })
    expect(server.requests).toHaveLength(1)
  })

  it('makes one attempt with retries: 0', async () => {
    server.handler = reply(429)
    await rejection(send({ retry: { retries: 0 } }))
    expect(server.requests).toHaveLength(1)
  })

  it('backs off with jitter below baseDelayMs * 2^n', async () => {
    server.handler = sequence(reply(503), reply(503), reply(503), created)
    const response = await send({ retry: { retries: 3, baseDelayMs: 40 } })
    expect(response.attempts).toBe(4)
    // Full jitter: each wait is at most 40, 80, 160 ms (plus the time to send).
    expect(gap(0, 1)).toBeLessThan(40 + 100)
    expect(gap(1, 2)).toBeLessThan(80 + 100)
    expect(gap(2, 3)).toBeLessThan(160 + 100)
  })

  it('caps the backoff at maxDelayMs', async () => {
    server.handler = sequence(reply(503), reply(503), created)
    await send({ retry: { retries: 2, baseDelayMs: 60_000, maxDelayMs: 50 } })
    expect(gap(0, 2)).toBeLessThan(100 + 200)
  })

  it('stops waiting for a retry when the signal aborts', async () => {
    server.handler = reply(429, { 'retry-after': '2' })
    const controller = new AbortController()
    const pending = make().send({ endpoint: server.url(), headers, body }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 200)
    const started = performance.now()
    expect((await rejection(pending)).code).toBe('ERR_WP_ABORTED')
    expect(performance.now() - started).toBeLessThan(1000)
    expect(server.requests).toHaveLength(1)
  })

  it('does not retry a timeout (the request may have been taken)', async () => {
    server.handler = () => {}
    const error = await rejection(send({ timeoutMs: 150, retry: { retries: 3, baseDelayMs: 10 } }))
    expect(error.code).toBe('ERR_WP_TIMEOUT')
    await sleep(100)
    expect(server.requests).toHaveLength(1)
  })
})

describe('the retry table', () => {
  const retryable = new Set([429, 500, 502, 503, 504])
  const wns = { 'x-wns-status': 'channelthrottled' }
  const answer = (status: number, headers: Record<string, string> = {}, host = '') => ({
    status,
    headers,
    body: '',
    outcome: outcomeOf(status, headers, host),
  })

  it('isRetryableStatus is true for 429, 500, 502, 503 and 504 only (not 501, 505 or any 4xx)', () => {
    for (let status = 100; status < 600; status++)
      expect(isRetryableStatus(status), String(status)).toBe(retryable.has(status))
  })

  it("with the answer's headers or host, WNS's 406 is retryable too, and no other 406", () => {
    expect(isRetryableStatus(406, wns)).toBe(true)
    expect(isRetryableStatus(406, {}, 'hk2.notify.windows.com')).toBe(true)
    expect(isRetryableStatus(406)).toBe(false)
    expect(isRetryableStatus(406, {}, 'push.example')).toBe(false)
  })

  it('PushServiceError.isRetryable reads the same table, for every status, WNS or not', () => {
    const endpoint = 'https://push.example/p'
    for (let status = 300; status < 600; status++)
      for (const headers of [{}, wns]) {
        const error = new PushServiceError(endpoint, answer(status, headers))
        expect(error.isRetryable, `${status} ${JSON.stringify(headers)}`).toBe(isRetryableStatus(status, headers))
      }
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
  it.each([
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['Wed, 21 Oct 2015 07:28:30 GMT', 30_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['Wednesday, 21-Oct-15 07:29:00 GMT', 60_000],
    ['Wed Oct 21 07:28:05 2015', undefined],
  ] as const)('%j → %j', (value, expected) => {
    const got = parseRetryAfter(value, now)
    // asctime has no zone: engines read it as local time; only check it parses to a number.
    if (value.startsWith('Wed Oct')) expect(typeof got).toBe('number')
    else expect(got).toBe(expected)
  })
  it.each(['', 'soon', '-1', '1.5', 'NaN'])('%j → undefined', (value) =>
    expect(parseRetryAfter(value, now)).toBeUndefined(),
  )
  it('is undefined when absent', () => expect(parseRetryAfter(undefined)).toBeUndefined())
})
