/** Closing: the queue ends its readers at once; a worker records what is in flight and gives back the rest. */
import { WebPushError } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import { createPushQueue, type PushWorker } from '../src/index.js'
import { collect, drain, recordingTransport, subscribers, until, useQueue, within } from './queue-fixtures.js'

const suite = await useQueue({ name: 'close', chunkSize: 10 })

describe('close', () => {
  it("the queue's close() ends an open results() iteration promptly", async () => {
    const { world, keys } = suite
    const closing = createPushQueue({ connection: world.redis.url, name: 'closing' })
    const pool = await subscribers(world.service, keys.publicKey, 2)
    const id = await closing.enqueueMany(pool.map((s) => s.subscription))
    let ended = false
    const reading = collect(closing.results(id)).finally(() => {
      ended = true
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(ended).toBe(false)
    const start = Date.now()
    await within(closing.close(), 5000, 'close()')
    expect(await within(reading, 5000, 'the iteration to end')).toEqual([])
    // XREAD blocks for 2 s at a time: ending well before that shows close() cut it.
    expect(Date.now() - start).toBeLessThan(1500)
    await expect(closing.batch(id)).rejects.toMatchObject({ code: 'ERR_WP_CLOSED' })
    await expect(closing.enqueueMany([])).rejects.toMatchObject({ code: 'ERR_WP_CLOSED' })
    await expect(collect(closing.results(id))).rejects.toMatchObject({ code: 'ERR_WP_CLOSED' })
    await closing.close() // a second close() is harmless
  })

  it('close() during enqueueMany stops reading the source and seals the batch, which rejects ERR_WP_CLOSED with its id', async () => {
    const { world, keys } = suite
    const closing = createPushQueue({ connection: world.redis.url, name: 'sealing', chunkSize: 2 })
    const pool = await subscribers(world.service, keys.publicKey, 5)
    let read = 0
    let returned = false
    // Five items, then a next() that never settles: only close() can end this enqueue.
    const source: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          read < pool.length
            ? Promise.resolve({ done: false, value: pool[read++]?.subscription })
            : new Promise<IteratorResult<unknown>>(() => {}),
        return: async () => {
          returned = true
          return { done: true, value: undefined }
        },
      }),
    }
    const enqueuing = closing.enqueueMany(source, 'sealed').then(
      () => undefined,
      (error: unknown) => error,
    )
    await until(() => read === pool.length, 5000, 'the source to be read')
    const start = Date.now()
    await within(closing.close(), 5000, 'close()')
    expect(Date.now() - start).toBeLessThan(3000)
    const failure = (await within(enqueuing, 1000, 'enqueueMany to settle')) as { code?: string; batchId?: string }
    expect(failure).toBeInstanceOf(WebPushError)
    expect(failure.code).toBe('ERR_WP_CLOSED')
    expect(returned).toBe(true)
    const id = failure.batchId as string
    const reader = createPushQueue({ connection: world.redis.url, name: 'sealing' })
    try {
      await suite.withWorker({ name: 'sealing' }, async () => {
        const results = await collect(reader.results(id))
        expect(results.map((r) => r.outcome)).toEqual(Array(5).fill('created'))
        expect(await reader.batch(id)).toMatchObject({ total: 5, completed: 5, finished: true })
        expect(await Promise.all(pool.map((s) => drain(s, 200)))).toEqual(pool.map(() => ['sealed']))
      })
    } finally {
      await reader.close()
    }
  })

  it("a worker's close() records the messages in flight and requeues the rest; a second worker finishes, nothing sent twice", async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 30)
    const one = recordingTransport()
    const two = recordingTransport()
    let second: PushWorker | undefined
    world.service.setFaults({ delayMs: 1000 })
    const first = await suite.startWorker({ transport: one.transport, concurrency: 4 })
    try {
      const id = await queue.enqueueMany(
        pool.map((s) => s.subscription),
        'once',
      )
      await until(() => one.started() >= 4, 10_000, 'four messages in flight')
      const start = Date.now()
      await within(first.close(), 15_000, "the first worker's close()")
      const closedIn = Date.now() - start
      // In flight for about a second; close() waited for them, well within drainTimeoutMs (8 s).
      expect(closedIn).toBeGreaterThan(300)
      expect(closedIn).toBeLessThan(7000)
      expect(one.started()).toBe(4)
      expect(one.attempts.map((a) => a.status)).toEqual([201, 201, 201, 201])
      expect(await queue.batch(id)).toMatchObject({
        total: 30,
        completed: 4,
        byOutcome: { created: 4 },
        finished: false,
      })

      world.service.setFaults(undefined)
      second = await suite.startWorker({ transport: two.transport })
      const results = await collect(queue.results(id))
      expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(pool.map((_, i) => i))
      expect(results.every((r) => r.outcome === 'created')).toBe(true)
      expect(one.attempts.length + two.attempts.length).toBe(30)
      const sentTo = [...one.attempts, ...two.attempts].map((a) => a.endpoint)
      expect(new Set(sentTo).size).toBe(30)
      expect(await Promise.all(pool.map((s) => drain(s, 200)))).toEqual(pool.map(() => ['once']))
    } finally {
      world.service.setFaults(undefined)
      await first.close()
      await second?.close()
      await one.transport.close()
      await two.transport.close()
    }
  })
})
