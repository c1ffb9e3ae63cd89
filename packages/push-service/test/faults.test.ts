/** Injected faults: statuses with Retry-After, delays and dropped connections, at a rate or for a count. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FaultRule, type PushService, startPushService, type TestSubscriber, WebPushError } from '../src/index.js'
import { details, expectError, send, vapidKeys } from './helpers.js'

const vapid = vapidKeys()
let service: PushService
let subscriber: TestSubscriber

beforeAll(async () => {
  service = await startPushService()
  subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
})
afterEach(() => service.setFaults(undefined))
afterAll(() => service.close())

const push = (text: string) => send(details(subscriber.subscription, text, vapid))

describe('faults', () => {
  it('a 503 with Retry-After at rate 1 for a count of 1, then normal service', async () => {
    service.setFaults({ status: 503, retryAfterSeconds: 7, rate: 1, count: 1 })
    const refused = await push('first')
    expect(refused.headers.get('retry-after')).toBe('7')
    await expectError(refused, 503)
    expect(subscriber.pending).toBe(0)
    expect((await push('second')).status).toBe(201)
    expect((await subscriber.next()).text).toBe('second')
  })

  it('a 429 with Retry-After for every request while the rule is set', async () => {
    service.setFaults({ status: 429, retryAfterSeconds: 30 })
    for (let i = 0; i < 3; i++) {
      const refused = await push(`try ${i}`)
      expect(refused.headers.get('retry-after')).toBe('30')
      await expectError(refused, 429)
    }
    service.setFaults(undefined)
    expect((await push('after')).status).toBe(201)
    expect((await subscriber.next()).text).toBe('after')
  })

  it('a 500 without Retry-After', async () => {
    service.setFaults({ status: 500, count: 1 })
    const refused = await push('x')
    expect(refused.headers.get('retry-after')).toBeNull()
    await expectError(refused, 500)
  })

  it('a fault comes before validation: even an invalid request gets it', async () => {
    service.setFaults({ status: 503, count: 1 })
    await expectError(await send(details(subscriber.subscription, 'x', vapid), { headers: { TTL: undefined } }), 503)
    await expectError(
      await send(details(subscriber.subscription, 'x', vapid), { headers: { TTL: undefined } }),
      400,
      111,
    )
  })

  it('a delay, after which the request is handled', async () => {
    service.setFaults({ delayMs: 300, count: 1 })
    const started = performance.now()
    expect((await push('slow')).status).toBe(201)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect((await subscriber.next()).text).toBe('slow')
    const again = performance.now()
    expect((await push('fast')).status).toBe(201)
    expect(performance.now() - again).toBeLessThan(250)
    await subscriber.next()
  })

  it('a delay before an injected status', async () => {
    service.setFaults({ delayMs: 200, status: 503, retryAfterSeconds: 1, count: 1 })
    const started = performance.now()
    await expectError(await push('x'), 503)
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  it('a dropped connection: the client sees a connection error and nothing is delivered', async () => {
    service.setFaults({ drop: true, count: 1 })
    const error = await push('dropped').then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TypeError) // fetch failed
    const code = ((error as Error).cause as { code?: string } | undefined)?.code
    expect(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']).toContain(code)
    expect(subscriber.pending).toBe(0)
    expect((await push('after the drop')).status).toBe(201)
    expect((await subscriber.next()).text).toBe('after the drop')
  })

  it('rate 0 never applies', async () => {
    service.setFaults({ status: 503, rate: 0 })
    for (let i = 0; i < 5; i++) expect((await push(`m${i}`)).status).toBe(201)
    for (let i = 0; i < 5; i++) await subscriber.next()
  })

  it('a rate between 0 and 1 applies to some requests, not all', async () => {
    service.setFaults({ status: 503, rate: 0.5 })
    const statuses: number[] = []
    for (let i = 0; i < 60; i++) {
      const response = await push(`r${i}`)
      await response.arrayBuffer()
      statuses.push(response.status)
    }
    const refused = statuses.filter((s) => s === 503).length
    // 60 draws at 0.5: outside 10..50 has a probability below 1e-7.
    expect(refused).toBeGreaterThan(10)
    expect(refused).toBeLessThan(50)
    expect(statuses.filter((s) => s === 201)).toHaveLength(60 - refused)
    for (let i = 0; i < 60 - refused; i++) await subscriber.next()
  })

  it('rules given to startPushService, applied in turn with their own counts', async () => {
    const faulty = await startPushService({
      faults: [
        { status: 503, retryAfterSeconds: 2, count: 1 },
        { status: 429, count: 1 },
      ],
    })
    try {
      const sub = await faulty.subscribe({ applicationServerKey: vapid.publicKey })
      const first = await send(details(sub.subscription, 'a', vapid))
      await expectError(first, 503)
      await expectError(await send(details(sub.subscription, 'b', vapid)), 429)
      expect((await send(details(sub.subscription, 'c', vapid))).status).toBe(201)
      expect((await sub.next()).text).toBe('c')
      expect(faulty.stats.requests).toBe(3)
      expect(faulty.stats.accepted).toBe(1)
    } finally {
      await faulty.close()
    }
  })

  it('setFaults refuses a rate outside 0..1 with ERR_WP_INVALID_ARGUMENT', () => {
    for (const rate of [1.5, -0.1]) {
      const error = thrown(() => service.setFaults({ status: 503, rate }))
      expect(WebPushError.is(error) && error.code).toBe('ERR_WP_INVALID_ARGUMENT')
      expect((error as Error).message).toMatch(/^faults\.rate must be/)
    }
  })

  const BAD_RULES: { name: string; faults: unknown; field: RegExp }[] = [
    { name: 'a rule that is not an object', faults: [503], field: /^faults\[0\] must be an object/ },
    { name: 'a null rule', faults: null, field: /^faults must be an object/ },
    { name: 'a field of another name', faults: { stauts: 503 }, field: /^faults\.stauts is not a field/ },
    { name: 'a rate that is a string', faults: { rate: '0.5' }, field: /^faults\.rate must be/ },
    { name: 'a rate that is NaN', faults: { rate: Number.NaN }, field: /^faults\.rate must be/ },
    { name: 'a negative count', faults: { status: 503, count: -1 }, field: /^faults\.count must be/ },
    { name: 'a fractional count', faults: { status: 503, count: 1.5 }, field: /^faults\.count must be/ },
    { name: 'an interim status', faults: { status: 100 }, field: /^faults\.status must be/ },
    { name: 'a status past 599', faults: { status: 600 }, field: /^faults\.status must be/ },
    { name: 'a status that is a string', faults: { status: '503' }, field: /^faults\.status must be/ },
    {
      name: 'a negative Retry-After',
      faults: [{ status: 200 }, { status: 503, retryAfterSeconds: -1 }],
      field: /^faults\[1\]\.retryAfterSeconds must be/,
    },
    { name: 'a negative delay', faults: { delayMs: -5 }, field: /^faults\.delayMs must be/ },
    { name: 'a delay past what a timer takes', faults: { delayMs: 2 ** 31 }, field: /^faults\.delayMs must be/ },
    { name: 'a drop that is not a boolean', faults: { drop: 'yes' }, field: /^faults\.drop must be/ },
  ]

  for (const c of BAD_RULES)
    it(`setFaults and startPushService refuse ${c.name} (ERR_WP_INVALID_ARGUMENT), and the rules in force stay`, async () => {
      service.setFaults({ status: 503, count: 1 })
      const error = thrown(() => service.setFaults(c.faults as FaultRule))
      expect(WebPushError.is(error) && error.code).toBe('ERR_WP_INVALID_ARGUMENT')
      expect((error as Error).message).toMatch(c.field)
      await expectError(await push('still faulty'), 503)

      const started = await startPushService({ faults: c.faults as FaultRule }).then(
        (other) => other.close(),
        (e: unknown) => e,
      )
      expect(WebPushError.is(started) && started.code).toBe('ERR_WP_INVALID_ARGUMENT')
    })
})

/** What `fn` throws (undefined if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}
