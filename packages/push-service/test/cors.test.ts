/**
 * CORS on `POST /push/<id>` (the Fetch standard's CORS protocol): a page may send pushes, as it may
 * to the real push services. The preflight `OPTIONS` allows POST with the headers a Web Push request
 * carries; every answer of the push endpoint, refusals included, lets any origin read it and the
 * `Location` of the message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PushService, startPushService, type TestSubscriber } from '../src/index.js'
import { details, expectError, messageId, send, vapidKeys } from './helpers.js'

const vapid = vapidKeys()
const ORIGIN = 'http://127.0.0.1:8123'
let service: PushService
let subscriber: TestSubscriber

beforeAll(async () => {
  service = await startPushService()
  subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
})
afterAll(() => service.close())

/** The preflight a browser sends before a cross-origin Web Push request. */
const preflight = (endpoint: string, requestHeaders: string): Promise<Response> =>
  fetch(endpoint, {
    method: 'OPTIONS',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
    signal: AbortSignal.timeout(5000),
  })

/** The names of a comma-separated header, in lowercase. */
const names = (value: string | null): string[] => (value ?? '').split(',').map((name) => name.trim().toLowerCase())

describe('CORS on the push endpoint', () => {
  it('answers the preflight: any origin, POST, the Web Push request headers, cached', async () => {
    const requested = 'authorization,content-encoding,content-type,crypto-key,encryption,topic,ttl,urgency'
    const response = await preflight(subscriber.subscription.endpoint, requested)
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(names(response.headers.get('access-control-allow-methods'))).toContain('post')
    // Each header a Web Push request may carry; `*` would not cover Authorization (Fetch §3.2.3).
    const allowed = names(response.headers.get('access-control-allow-headers'))
    for (const name of requested.split(',')) expect(allowed).toContain(name)
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThanOrEqual(600)
    expect(await response.text()).toBe('')
  })

  it('answers the preflight of an unknown subscription too, and counts no request', async () => {
    const before = service.stats.requests
    const response = await preflight(`${service.url}/push/unknown`, 'ttl')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(service.stats.requests).toBe(before)
  })

  it('lets any origin read a cross-origin POST and its Location', async () => {
    const response = await send(details(subscriber.subscription, 'from a page', vapid), {
      headers: { origin: ORIGIN },
    })
    expect(response.status).toBe(201)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(names(response.headers.get('access-control-expose-headers'))).toContain('location')
    messageId(response, service.url)
    expect((await subscriber.next({ timeoutMs: 5000 })).text).toBe('from a page')
  })

  it('lets any origin read a refusal', async () => {
    const response = await send(details(subscriber.subscription, 'no TTL', vapid), {
      headers: { origin: ORIGIN, ttl: undefined },
    })
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    await expectError(response, 400, 111)
    const unknown = await fetch(`${service.url}/push/unknown`, {
      method: 'POST',
      headers: { origin: ORIGIN, ttl: '60' },
      signal: AbortSignal.timeout(5000),
    })
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*')
    await expectError(unknown, 404, 102)
  })

  it('still refuses other methods on the push endpoint, and adds no CORS elsewhere', async () => {
    const put = await fetch(subscriber.subscription.endpoint, { method: 'PUT', signal: AbortSignal.timeout(5000) })
    await expectError(put, 405, 102)
    const root = await fetch(`${service.url}/`, { headers: { origin: ORIGIN }, signal: AbortSignal.timeout(5000) })
    expect(root.status).toBe(200)
    expect(root.headers.get('access-control-allow-origin')).toBeNull()
    await root.body?.cancel()
  })
})
