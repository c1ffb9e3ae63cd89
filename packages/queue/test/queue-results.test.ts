/** Reading a batch back: `results()` follows it, reads again, counts match, and results expire. */
import { PushServiceError } from '@wp/transport'
import type { SendResult } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import { createPushQueue, type PushWorker } from '../src/index.js'
import { batchKeys } from '../src/internal/keys.js'
import { collect, drain, subscribers, until, useQueue } from './queue-fixtures.js'

const suite = await useQueue({ name: 'results', chunkSize: 5, retentionSeconds: 60 })

async function ttls(name: string, id: string): Promise<number[]> {
  const { admin } = suite.world
  const k = batchKeys(name, id)
  return Promise.all([admin.ttl(k.meta), admin.ttl(k.results), admin.ttl(k.stream)])
}

function byOutcome(results: SendResult[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1
  return counts
}

describe('results', () => {
  it('follows an unfinished batch, ends when it finishes, reads again from the start; counts and TTLs match', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 12)
    await pool[3]?.unsubscribe()
    const items: unknown[] = pool.map((s) => s.subscription)
    items.splice(7, 0, { endpoint: 'https://push.example/x' })
    const id = await queue.enqueueMany(items, 'follow')
    let ended = false
    const reading = collect(queue.results(id)).finally(() => {
      ended = true
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(ended).toBe(false)
    expect(await queue.batch(id)).toEqual({ total: 13, completed: 1, byOutcome: { invalid: 1 }, finished: false })
    // Nothing expires before the batch finishes.
    expect((await ttls('results', id)).map((t) => t < 0)).toEqual([true, true, true])

    await suite.withWorker({}, async () => {
      const results = await reading
      expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(items.map((_, i) => i))
      for (const r of results) expect(r.subscription).toEqual(items[r.index])
      expect(await queue.batch(id)).toEqual({ total: 13, completed: 13, byOutcome: byOutcome(results), finished: true })
      expect(byOutcome(results)).toEqual({ created: 11, gone: 1, invalid: 1 })
      // A refusal comes back as the PushServiceError it was, status and all.
      const gone = results.find((r) => r.outcome === 'gone')
      expect(gone?.error).toBeInstanceOf(PushServiceError)
      expect(gone?.error).toMatchObject({ code: 'ERR_WP_SUBSCRIPTION_GONE', statusCode: 410 })
      expect(gone?.response?.status).toBe(410)
      for (const ttl of await ttls('results', id)) {
        expect(ttl).toBeGreaterThan(50)
        expect(ttl).toBeLessThanOrEqual(60)
      }
      const again = await collect(queue.results(id))
      expect(again.map((r) => [r.index, r.outcome])).toEqual(results.map((r) => [r.index, r.outcome]))
      const texts = await Promise.all(pool.map((s) => drain(s, 200)))
      expect(texts.filter((t) => t.length > 0)).toEqual(Array(11).fill(['follow']))
    })
  })

  it('an empty batch is finished at once', async () => {
    const { queue } = suite
    const id = await queue.enqueueMany([])
    expect(await collect(queue.results(id), 5000)).toEqual([])
    expect(await queue.batch(id)).toEqual({ total: 0, completed: 0, byOutcome: {}, finished: true })
  })

  it('after retentionSeconds, batch and results reject ERR_WP_BATCH_NOT_FOUND', async () => {
    const { world, keys } = suite
    const brief = createPushQueue({ connection: world.redis.url, name: 'brief', retentionSeconds: 1 })
    let worker: PushWorker | undefined
    try {
      const pool = await subscribers(world.service, keys.publicKey, 2)
      const id = await brief.enqueueMany(pool.map((s) => s.subscription))
      worker = await suite.startWorker({ name: 'brief' })
      expect(await collect(brief.results(id))).toHaveLength(2)
      await until(
        async () => (await world.admin.exists(...Object.values(batchKeys('brief', id)))) === 0,
        5000,
        'expiry',
      )
      // The id is named (a batch id is no secret), so a log says which batch is gone.
      await expect(brief.batch(id)).rejects.toMatchObject({
        code: 'ERR_WP_BATCH_NOT_FOUND',
        message: expect.stringContaining(id),
      })
      await expect(brief.batch('batch-7')).rejects.toMatchObject({
        code: 'ERR_WP_BATCH_NOT_FOUND',
        message: expect.stringMatching(/not a batch id.*UUID/),
      })
      await expect(collect(brief.results(id))).rejects.toMatchObject({ code: 'ERR_WP_BATCH_NOT_FOUND' })
      await Promise.all(pool.map((s) => drain(s, 100)))
    } finally {
      await worker?.close()
      await brief.close()
    }
  })
})

describe('one message, and gone subscriptions', () => {
  it('enqueue: a batch of one, round trip', async () => {
    const { world, queue, keys } = suite
    const [subscriber] = await subscribers(world.service, keys.publicKey, 1)
    if (subscriber === undefined) throw new Error('no subscriber')
    await suite.withWorker({}, async () => {
      const id = await queue.enqueue(subscriber.subscription, { title: 'one' }, { ttl: 30, urgency: 'high' })
      const [result, ...rest] = await collect(queue.results(id))
      expect(rest).toEqual([])
      expect(result).toMatchObject({ index: 0, ok: true, outcome: 'created', subscription: subscriber.subscription })
      expect(result?.response?.status).toBe(201)
      const push = await subscriber.next({ timeoutMs: 5000 })
      expect(push.text).toBe('{"title":"one"}')
      expect(push.headers).toMatchObject({ ttl: '30', urgency: 'high' })
      expect(await queue.batch(id)).toEqual({ total: 1, completed: 1, byOutcome: { created: 1 }, finished: true })
    })
  })

  it('onGone is called once per gone subscription, even when its chunk runs again', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 10)
    const gone = [pool[0], pool[4], pool[8]]
    for (const s of gone) await s?.unsubscribe()
    const seen: unknown[] = []
    // Refusals make chunks run again (as delayed jobs) with their gone items already recorded.
    world.service.setFaults({ status: 503, retryAfterSeconds: 0, count: 4 })
    await suite.withWorker({ onGone: (s) => seen.push(s) }, async () => {
      const id = await queue.enqueueMany(pool.map((s) => s.subscription))
      const results = await collect(queue.results(id))
      expect(byOutcome(results)).toEqual({ created: 7, gone: 3 })
      expect(seen).toHaveLength(3)
      expect(new Set(seen.map((s) => (s as { endpoint: string }).endpoint))).toEqual(
        new Set(gone.map((s) => s?.subscription.endpoint)),
      )
      await Promise.all(pool.map((s) => drain(s, 100)))
    })
  })
})
