/** Every route of the demo against a real server and its own local push service, all on 127.0.0.1. */
import { request as httpRequest } from 'node:http'
import type { TestSubscriber } from '@wp/push-service'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Demo } from '../src/index.js'
import { call, dump, fakePublicDir, readEvents, startDemo, tempDir } from './helpers.js'

let demo: Demo
let dir: ReturnType<typeof tempDir>
let subscriber: TestSubscriber
let subscriberId: string

/** A syntactically valid subscription whose endpoint is a real push service's: stored, never sent to here. */
const MOZILLA = 'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABexample'

beforeAll(async () => {
  dir = tempDir()
  ;({ demo } = await startDemo({ dataDir: dir.path, publicDir: fakePublicDir(dir.path), maxEventStreams: 3 }))
})

afterAll(async () => {
  await demo?.close()
  dir?.remove()
})

beforeEach(async () => {
  subscriber = await demo.localPushService!.subscribe({ applicationServerKey: demo.applicationServerKey })
  const answer = await call(demo, 'POST', '/api/subscriptions', { body: subscriber.subscription, token: null })
  expect(answer.status).toBe(201)
  subscriberId = (answer.json as { id: string }).id
})

/** Checks that the request is refused with `status` and `code`, and that the database did not change. */
async function refused(
  status: number,
  code: string,
  send: () => Promise<{ status: number; json: unknown }>,
): Promise<void> {
  const before = dump(demo.db)
  const answer = await send()
  expect({ status: answer.status, code: (answer.json as { error?: { code: string } }).error?.code }).toEqual({
    status,
    code,
  })
  const message = (answer.json as { error: { message: string } }).error.message
  expect(typeof message === 'string' && message.length > 0).toBe(true)
  expect(dump(demo.db)).toBe(before)
}

describe('GET /api/config', () => {
  it('gives the application server key and the local service', async () => {
    const answer = await call(demo, 'GET', '/api/config', { token: null })
    expect(answer.status).toBe(200)
    const local = demo.localPushService!
    expect(answer.json).toEqual({
      applicationServerKey: demo.applicationServerKey,
      pushService: 'local',
      localPushService: { url: local.url, webSocketUrl: local.webSocketUrl, firefoxPrefs: local.firefoxPrefs },
    })
  })
})

describe('POST /api/subscriptions', () => {
  it('201 with a string id, then 200 with the same id for the same endpoint', async () => {
    expect(subscriberId).toMatch(/^\d+$/)
    const again = await call(demo, 'POST', '/api/subscriptions', { body: subscriber.subscription, token: null })
    expect(again.status).toBe(200)
    expect(again.json).toEqual({ id: subscriberId })
  })

  it("accepts a real push service's https: endpoint in local mode", async () => {
    const { keys } = subscriber.subscription
    const answer = await call(demo, 'POST', '/api/subscriptions', { body: { endpoint: MOZILLA, keys }, token: null })
    expect(answer.status).toBe(201)
    const list = await call(demo, 'GET', '/api/subscriptions')
    expect((list.json as { endpoint: string }[]).map((s) => s.endpoint)).toContain(MOZILLA)
    await call(demo, 'DELETE', '/api/subscriptions', { body: { endpoint: MOZILLA }, token: null })
  })

  const keys = () => subscriber.subscription.keys
  const localOther = () => {
    const url = new URL(demo.localPushService!.url)
    url.port = String(Number(url.port) === 65535 ? 1 : Number(url.port) + 1)
    return `${url.origin}/push/x`
  }
  const point = () => subscriber.subscription.keys.p256dh
  const cases: [string, number, string, () => { raw?: string; body?: unknown; type?: string | null }][] = [
    [
      'no content type',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ raw: JSON.stringify(subscriber.subscription), type: null }),
    ],
    [
      'text/plain',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ raw: JSON.stringify(subscriber.subscription), type: 'text/plain' }),
    ],
    ['bad JSON', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ raw: '{"endpoint":' })],
    ['an empty body', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ raw: '' })],
    ['not UTF-8', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ raw: '"\udc00"' })],
    ['null', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: null })],
    ['an array', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: [subscriber.subscription] })],
    ['no endpoint', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: { keys: keys() } })],
    ['a relative endpoint', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: { endpoint: '/push/x', keys: keys() } })],
    [
      'an http: public endpoint',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ body: { endpoint: 'http://push.example.com/x', keys: keys() } }),
    ],
    [
      'an endpoint on loopback',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://127.0.0.1/x', keys: keys() } }),
    ],
    [
      'an endpoint on localhost',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://localhost/x', keys: keys() } }),
    ],
    [
      'an endpoint on a private IPv4',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://10.1.2.3/x', keys: keys() } }),
    ],
    [
      'an endpoint on IPv4 in hex',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://0x7f000001/x', keys: keys() } }),
    ],
    [
      'an endpoint on IPv6 loopback',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://[::1]/x', keys: keys() } }),
    ],
    [
      'an endpoint on link-local metadata',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://169.254.169.254/x', keys: keys() } }),
    ],
    [
      'an endpoint on a .internal name',
      400,
      'ERR_WP_ENDPOINT_FORBIDDEN',
      () => ({ body: { endpoint: 'https://db.internal/x', keys: keys() } }),
    ],
    ['another local port', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: { endpoint: localOther(), keys: keys() } })],
    [
      'credentials in the endpoint',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ body: { endpoint: 'https://u:p@push.example.com/x', keys: keys() } }),
    ],
    [
      'an endpoint of 3000 characters',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ body: { endpoint: `https://push.example.com/${'a'.repeat(3000)}`, keys: keys() } }),
    ],
    ['no keys', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ body: { endpoint: MOZILLA } })],
    [
      'p256dh as a number',
      400,
      'ERR_WP_INVALID_ARGUMENT',
      () => ({ body: { endpoint: MOZILLA, keys: { ...keys(), p256dh: 5 } } }),
    ],
    [
      'p256dh of 64 bytes',
      400,
      'ERR_WP_KEY_LENGTH',
      () => ({ body: { endpoint: MOZILLA, keys: { ...keys(), p256dh: point().slice(0, 86) } } }),
    ],
    [
      'p256dh off the curve',
      400,
      'ERR_WP_INVALID_POINT',
      () => ({ body: { endpoint: MOZILLA, keys: { ...keys(), p256dh: `BA${'A'.repeat(85)}` } } }),
    ],
    [
      'p256dh in standard base64',
      400,
      'ERR_WP_BASE64URL',
      () => ({ body: { endpoint: MOZILLA, keys: { ...keys(), p256dh: `+${point().slice(1)}` } } }),
    ],
    [
      'auth of 12 bytes',
      400,
      'ERR_WP_KEY_LENGTH',
      () => ({ body: { endpoint: MOZILLA, keys: { ...keys(), auth: 'AAAAAAAAAAAAAAAA' } } }),
    ],
    [
      'a body over 64 KB',
      413,
      'ERR_WP_BODY_TOO_LARGE',
      () => ({ body: { endpoint: MOZILLA, keys: keys(), pad: 'x'.repeat(70_000) } }),
    ],
  ]
  for (const [name, status, code, make] of cases)
    it(`${status} ${code} for ${name}, nothing stored`, async () => {
      await refused(status, code, () => call(demo, 'POST', '/api/subscriptions', { ...make(), token: null }))
    })

  it('refuses a body over 64 KB while it arrives, without waiting for its end', async () => {
    const before = dump(demo.db)
    const url = new URL(`${demo.url}/api/subscriptions`)
    // Chunked (no Content-Length): the 413 must come while the request is still open.
    const answer = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0
      const req = httpRequest(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }))
      })
      req.on('error', reject)
      const chunk = `"${'x'.repeat(8190)}"`
      const timer = setInterval(() => {
        // Never ends by itself: 8 KB every 10 ms, at most 2 MB, so only the server's refusal settles it.
        if (sent >= 2 * 1024 * 1024) {
          clearInterval(timer)
          reject(new Error('no answer after 2 MB'))
          return
        }
        sent += chunk.length
        req.write(chunk)
      }, 10)
      req.on('response', () => clearInterval(timer))
      req.on('close', () => clearInterval(timer))
    })
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body).error.code).toBe('ERR_WP_BODY_TOO_LARGE')
    expect(answer.sent).toBeLessThan(256 * 1024)
    expect(dump(demo.db)).toBe(before)
  })

  it('refuses a declared Content-Length over 64 KB before reading', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${demo.url}/api/subscriptions`,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024) } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.write('{')
    })
    expect(answer).toBe(413)
  })
})

describe('DELETE /api/subscriptions', () => {
  it('204 for a known endpoint, which is then gone; 404 after', async () => {
    const { endpoint } = subscriber.subscription
    const answer = await call(demo, 'DELETE', '/api/subscriptions', { body: { endpoint }, token: null })
    expect(answer.status).toBe(204)
    const list = (await call(demo, 'GET', '/api/subscriptions')).json as { id: string }[]
    expect(list.map((s) => s.id)).not.toContain(subscriberId)
    await refused(404, 'ERR_WP_NOT_FOUND', () =>
      call(demo, 'DELETE', '/api/subscriptions', { body: { endpoint }, token: null }),
    )
  })

  for (const [name, raw] of [
    ['no endpoint', '{}'],
    ['a numeric endpoint', '{"endpoint":5}'],
    ['bad JSON', '{'],
    ['an array', '[]'],
  ] as const)
    it(`400 for ${name}`, async () => {
      await refused(400, 'ERR_WP_INVALID_ARGUMENT', () =>
        call(demo, 'DELETE', '/api/subscriptions', { raw, token: null }),
      )
    })
})

describe('the admin token', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/subscriptions'],
    ['GET', '/api/deliveries'],
    ['POST', '/api/notify', { title: 'x', body: 'y', to: 'all' }],
    ['GET', '/api/events'],
  ]
  for (const [method, path, body] of routes) {
    it(`${method} ${path}: 401 without it, with a wrong one, or in another scheme`, async () => {
      for (const headers of [
        {},
        { Authorization: 'Bearer wrong-token-000000000' },
        { Authorization: `Basic ${demo.token}` },
      ])
        await refused(401, 'ERR_WP_UNAUTHORIZED', () =>
          call(demo, method, path, { token: null, headers, ...(body === undefined ? {} : { body }) }),
        )
      expect(subscriber.pending).toBe(0)
    })
  }

  it('is accepted with the scheme in any case; ?token= only on the event stream', async () => {
    const ok = await call(demo, 'GET', '/api/subscriptions', {
      token: null,
      headers: { Authorization: `bearer ${demo.token}` },
    })
    expect(ok.status).toBe(200)
    const query = await call(demo, 'GET', `/api/subscriptions?token=${demo.token}`, { token: null })
    expect(query.status).toBe(401)
  })

  it('answers 401 with WWW-Authenticate', async () => {
    const answer = await call(demo, 'GET', '/api/deliveries', { token: null })
    expect(answer.headers.get('www-authenticate')).toBe('Bearer')
  })
})

describe('POST /api/notify', () => {
  it('sends the exact title and body to a subscriber of the local service and records the delivery', async () => {
    const answer = await call(demo, 'POST', '/api/notify', {
      body: {
        title: 'Hello ✓',
        body: 'From the demo',
        url: '/inbox',
        to: subscriberId,
        ttl: 60,
        urgency: 'high',
        topic: 'greeting',
      },
    })
    expect(answer.status).toBe(200)
    const json = answer.json as { batchId: string }
    expect(json).toEqual({
      batchId: expect.stringMatching(/^\d+$/),
      total: 1,
      byOutcome: { created: 1 },
      results: [{ subscriptionId: subscriberId, outcome: 'created', status: 201, reason: null }],
    })
    const push = await subscriber.next({ timeoutMs: 5000 })
    expect(JSON.parse(push.text)).toEqual({ title: 'Hello ✓', body: 'From the demo', url: '/inbox' })
    expect(push.text).toBe('{"title":"Hello ✓","body":"From the demo","url":"/inbox"}')
    expect(push.headers).toMatchObject({ ttl: '60', urgency: 'high', topic: 'greeting' })
    expect(push.claims?.sub).toBe('mailto:webpush-demo@example.com')
    const deliveries = (await call(demo, 'GET', '/api/deliveries?limit=1')).json as unknown[]
    expect(deliveries).toEqual([
      {
        id: expect.stringMatching(/^\d+$/),
        batchId: json.batchId,
        subscriptionId: subscriberId,
        endpoint: subscriber.subscription.endpoint,
        outcome: 'created',
        status: 201,
        reason: null,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    ])
  })

  it("reports an unsubscribed subscriber 'gone' with the service's reason and deletes it at once", async () => {
    await subscriber.unsubscribe()
    const answer = await call(demo, 'POST', '/api/notify', { body: { title: 'Bye', body: '', to: subscriberId } })
    expect(answer.status).toBe(200)
    const result = (answer.json as { results: { outcome: string; status: number; reason: string | null }[] })
      .results[0]!
    expect(result).toMatchObject({ outcome: 'gone', status: 410 })
    expect(typeof result.reason).toBe('string')
    const list = (await call(demo, 'GET', '/api/subscriptions')).json as { id: string }[]
    expect(list.map((s) => s.id)).not.toContain(subscriberId)
    const again = await call(demo, 'POST', '/api/notify', { body: { title: 'Bye', body: '', to: subscriberId } })
    expect(again.status).toBe(404)
  })

  it('sends to everyone: one result per subscription, by outcome', async () => {
    const other = await demo.localPushService!.subscribe({ applicationServerKey: demo.applicationServerKey })
    await call(demo, 'POST', '/api/subscriptions', { body: other.subscription, token: null })
    await other.unsubscribe()
    const total = (await call(demo, 'GET', '/api/subscriptions')).json as unknown[]
    const answer = await call(demo, 'POST', '/api/notify', { body: { title: 'All', body: 'of you', to: 'all' } })
    const json = answer.json as { total: number; byOutcome: Record<string, number>; results: unknown[] }
    expect(json.total).toBe(total.length)
    expect(json.results).toHaveLength(total.length)
    expect(json.byOutcome.gone).toBeGreaterThanOrEqual(1)
    expect(json.byOutcome.created).toBeGreaterThanOrEqual(1)
    expect(JSON.parse((await subscriber.next({ timeoutMs: 5000 })).text)).toEqual({ title: 'All', body: 'of you' })
  })

  const base = () => ({ title: 'Hello', body: 'World', to: subscriberId })
  const cases: [string, number, string, () => unknown][] = [
    ['no to', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ title: 'x', body: 'y' })],
    ['a numeric to', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), to: Number(subscriberId) })],
    ['to of another shape', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), to: 'everyone' })],
    ['an empty title', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), title: '' })],
    ['a title of 201 characters', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), title: 'x'.repeat(201) })],
    ['a numeric title', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), title: 1 })],
    ['no body', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ title: 'x', to: subscriberId })],
    ['a negative ttl', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), ttl: -1 })],
    ['a fractional ttl', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), ttl: 1.5 })],
    ['a ttl as text', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), ttl: '60' })],
    ['a ttl over 2^31 - 1', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), ttl: 2 ** 31 })],
    ['an unknown urgency', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), urgency: 'urgent' })],
    ['a topic of 33 characters', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), topic: 'a'.repeat(33) })],
    ['a topic outside base64url', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), topic: 'a=b' })],
    ['a javascript: url', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), url: 'javascript:alert(1)' })],
    ['a protocol-relative url', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), url: '//evil.example/' })],
    ['an unknown field', 400, 'ERR_WP_INVALID_ARGUMENT', () => ({ ...base(), sound: 'ding' })],
    ['a payload of 3994 bytes', 413, 'ERR_WP_PAYLOAD_TOO_LARGE', () => ({ ...base(), body: 'x'.repeat(3994 - 27) })],
    ['a body over 64 KB', 413, 'ERR_WP_BODY_TOO_LARGE', () => ({ ...base(), body: 'x'.repeat(70_000) })],
    ['an unknown subscription id', 404, 'ERR_WP_NOT_FOUND', () => ({ ...base(), to: '999999' })],
  ]
  for (const [name, status, code, make] of cases)
    it(`${status} ${code} for ${name}: nothing sent, nothing stored`, async () => {
      await refused(status, code, () => call(demo, 'POST', '/api/notify', { body: make() }))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(subscriber.pending).toBe(0)
    })

  it('sends a payload of exactly 3993 bytes', async () => {
    const body = 'x'.repeat(3993 - 27)
    const payload = JSON.stringify({ title: 'Hello', body })
    expect(new TextEncoder().encode(payload).byteLength).toBe(3993)
    const answer = await call(demo, 'POST', '/api/notify', { body: { title: 'Hello', body, to: subscriberId } })
    expect(answer.status).toBe(200)
    expect((await subscriber.next({ timeoutMs: 5000 })).text).toBe(payload)
  })

  it('400 for bad JSON and the wrong content type', async () => {
    await refused(400, 'ERR_WP_INVALID_ARGUMENT', () => call(demo, 'POST', '/api/notify', { raw: '{"title":' }))
    await refused(400, 'ERR_WP_INVALID_ARGUMENT', () =>
      call(demo, 'POST', '/api/notify', { raw: JSON.stringify(base()), type: 'text/plain' }),
    )
  })
})

describe('GET /api/deliveries', () => {
  it('newest first, at most limit', async () => {
    for (const title of ['one', 'two'])
      await call(demo, 'POST', '/api/notify', { body: { title, body: '', to: subscriberId } })
    const rows = (await call(demo, 'GET', '/api/deliveries?limit=2')).json as { id: string }[]
    expect(rows).toHaveLength(2)
    expect(Number(rows[0]!.id)).toBeGreaterThan(Number(rows[1]!.id))
  })

  for (const limit of ['0', '-1', 'abc', '1001', '1.5', ''])
    it(`400 for limit=${limit}`, async () => {
      await refused(400, 'ERR_WP_INVALID_ARGUMENT', () => call(demo, 'GET', `/api/deliveries?limit=${limit}`))
    })
})

describe('GET /api/events', () => {
  it('streams one delivery event per delivery, its data the delivery row', async () => {
    const response = await fetch(`${demo.url}/api/events?token=${demo.token}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reading = readEvents(response.body!, (e) => e.event === 'delivery')
    const sent = await call(demo, 'POST', '/api/notify', { body: { title: 'Live', body: '', to: subscriberId } })
    expect(sent.status).toBe(200)
    const events = await reading
    const delivery = events.find((e) => e.event === 'delivery')
    expect(delivery).toBeDefined()
    const [newest] = (await call(demo, 'GET', '/api/deliveries?limit=1')).json as unknown[]
    expect(JSON.parse(delivery!.data)).toEqual(newest)
  })

  it('refuses streams past the limit with 503', async () => {
    const open = await Promise.all(
      [0, 1, 2].map(() => fetch(`${demo.url}/api/events`, { headers: { Authorization: `Bearer ${demo.token}` } })),
    )
    try {
      expect(open.map((r) => r.status)).toEqual([200, 200, 200])
      const extra = await call(demo, 'GET', '/api/events')
      expect(extra.status).toBe(503)
      expect((extra.json as { error: { code: string } }).error.code).toBe('ERR_WP_TOO_MANY_STREAMS')
    } finally {
      await Promise.all(open.map((r) => r.body?.cancel()))
    }
    // A cancelled stream frees its place.
    for (let i = 0; i < 50; i++) {
      const again = await fetch(`${demo.url}/api/events?token=${demo.token}`)
      await again.body?.cancel()
      if (again.status === 200) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('the cancelled streams were not released')
  })
})

describe('the page', () => {
  const files: [string, string][] = [
    ['/', 'text/html; charset=utf-8'],
    ['/sw.js', 'text/javascript; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/favicon.ico', 'image/x-icon'],
  ]
  for (const [path, type] of files)
    it(`GET ${path}: ${type}, Cache-Control: no-cache`, async () => {
      const response = await fetch(demo.url + path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(type)
      expect(response.headers.get('cache-control')).toBe('no-cache')
      expect(response.headers.get('service-worker-allowed')).toBeNull()
      const etag = response.headers.get('etag')!
      const again = await fetch(demo.url + path, { headers: { 'If-None-Match': etag } })
      expect(again.status).toBe(304)
    })

  for (const path of [
    '/secret.txt',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/.hidden.js',
    '/nope.js',
    '/index.html%00',
  ])
    it(`404 for ${path}`, async () => {
      const response = await fetch(demo.url + path)
      expect(response.status).toBe(404)
      expect(await response.text()).not.toContain('outside the public folder')
    })

  it('404 with a JSON error for an unknown API route', async () => {
    const answer = await call(demo, 'GET', '/api/nothing')
    expect(answer.status).toBe(404)
    expect((answer.json as { error: { code: string } }).error.code).toBe('ERR_WP_NOT_FOUND')
  })
})

describe('public mode', () => {
  it('has no local service, takes https: public endpoints only', async () => {
    const other = tempDir()
    const { demo: pub } = await startDemo({ dataDir: other.path, pushService: 'public' })
    try {
      expect(pub.localPushService).toBeUndefined()
      const config = (await call(pub, 'GET', '/api/config', { token: null })).json
      expect(config).toEqual({ applicationServerKey: pub.applicationServerKey, pushService: 'public' })
      const before = dump(pub.db)
      const local = await call(pub, 'POST', '/api/subscriptions', { body: subscriber.subscription, token: null })
      expect(local.status).toBe(400)
      expect(dump(pub.db)).toBe(before)
      const real = await call(pub, 'POST', '/api/subscriptions', {
        body: { endpoint: MOZILLA, keys: subscriber.subscription.keys },
        token: null,
      })
      expect(real.status).toBe(201)
    } finally {
      await pub.close()
      other.remove()
    }
  })
})
