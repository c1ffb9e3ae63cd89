import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPushClient, generateVapidKeys, type SendResult, WebPushError } from '../src/index.js'

const service: PushService = await startPushService()
const allowPrivateNetwork = [new URL(service.url).origin]
const keys = await generateVapidKeys()
const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }
let subs: TestSubscriber[] = []

beforeAll(async () => {
  subs = await Promise.all(
    Array.from({ length: 50 }, () => service.subscribe({ applicationServerKey: keys.publicKey })),
  )
  // requests in flight long enough for close() to come while some are
  service.setFaults([{ delayMs: 30 }])
})
afterAll(async () => {
  await service.close()
})

/** A long lazy source that records how many items it gave and whether it was stopped. */
function source(n: number) {
  const state = { read: 0, stopped: false }
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.read++
        yield subs[i % subs.length]?.subscription
      }
    } finally {
      state.stopped = true
    }
  }
  return { state, items: gen() }
}

describe('close() during a batch', () => {
  it('stops the reading, lets every subscription read be sent, then ends the batch with ERR_WP_CLOSED', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 40 })
    const accepted = service.stats.accepted
    const { state, items } = source(10_000)
    const results: SendResult[] = []
    let closed: Promise<void> | undefined
    let closedAt = 0
    const error = await (async () => {
      for await (const r of client.sendMany(items, 'hi')) {
        results.push(r)
        if (results.length === 100) {
          closed = client.close()
          closedAt = state.read
        }
      }
    })().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WebPushError)
    expect((error as WebPushError).code).toBe('ERR_WP_CLOSED')
    await closed
    expect(state.stopped).toBe(true)
    // nothing read after the close (a read already under way may land)
    expect(state.read - closedAt).toBeLessThanOrEqual(1)
    // one result per subscription read, each sent: what was read was let finish, not aborted
    expect(results).toHaveLength(state.read)
    expect(new Set(results.map((r) => r.index)).size).toBe(state.read)
    expect(results.every((r) => r.ok && r.outcome === 'created')).toBe(true)
    expect(service.stats.accepted - accepted).toBe(state.read)
    expect(state.read).toBeGreaterThan(100)
    expect(state.read).toBeLessThan(10_000)
    // after close, no more batches and no more sends
    expect(() => client.sendMany([], 'x')).toThrow(expect.objectContaining({ code: 'ERR_WP_CLOSED' }))
    await expect(client.send(subs[0]?.subscription as never, 'x')).rejects.toMatchObject({ code: 'ERR_WP_CLOSED' })
  })

  it('settles while the consumer is paused, and the results wait for it', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 20 })
    const accepted = service.stats.accepted
    const { state, items } = source(10_000)
    const it = client.sendMany(items, 'paused')[Symbol.asyncIterator]()
    const first: SendResult[] = []
    for (let i = 0; i < 10; i++) first.push((await it.next()).value as SendResult)
    // the consumer stops reading results; close() still settles once what was read is answered
    const started = Date.now()
    await client.close()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(service.stats.accepted - accepted).toBe(state.read)
    const rest: SendResult[] = []
    const error = await (async () => {
      for (;;) {
        const step = await it.next()
        if (step.done) return undefined
        rest.push(step.value)
      }
    })().catch((e: unknown) => e)
    expect((error as WebPushError).code).toBe('ERR_WP_CLOSED')
    expect(first.length + rest.length).toBe(state.read)
    expect([...first, ...rest].every((r) => r.ok)).toBe(true)
  })

  it('a batch that has not started when the client closes reads nothing and ends with ERR_WP_CLOSED', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork })
    const { state, items } = source(10)
    const batch = client.sendMany(items, 'never')
    await client.close()
    const results: SendResult[] = []
    const error = await (async () => {
      for await (const r of batch) results.push(r)
    })().catch((e: unknown) => e)
    expect((error as WebPushError).code).toBe('ERR_WP_CLOSED')
    expect(results).toEqual([])
    expect(state.read).toBe(0)
  })

  it('lets a single send in flight finish', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork })
    const sent = client.send(subs[1]?.subscription as never, 'in flight')
    const closed = client.close()
    const response = await sent
    expect(response.status).toBe(201)
    await closed
  })
})
