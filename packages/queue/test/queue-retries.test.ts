/** Retries wait in Redis as delayed jobs: other work goes on meanwhile, and the asked delay is kept. */
import { createTransport, PushServiceError, type Transport } from '@wp/transport'
import type { SendResult } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import { drain, recordingTransport, subscribers, until, useQueue, within } from './queue-fixtures.js'

const suite = await useQueue({ name: 'retries', chunkSize: 20 })

/** Reads `id`'s results, noting when each arrived. */
async function timed(id: string): Promise<{ result: SendResult; at: number }[]> {
  const out: { result: SendResult; at: number }[] = []
  for await (const result of suite.queue.results(id)) out.push({ result, at: Date.now() })
  return out
}

describe('retries', () => {
  it('503 with Retry-After: 2 waits as a delayed job: a second batch finishes first, and no retry comes early', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 80)
    const first = pool.slice(0, 40)
    const second = pool.slice(40)
    const { transport, attempts } = recordingTransport()
    // Two chunk slots (concurrency 100): were a retry to sleep in the worker, the first batch's two
    // chunks would hold both and the second batch would wait for them.
    const worker = await suite.startWorker({ transport })
    try {
      world.service.setFaults({ status: 503, retryAfterSeconds: 2, rate: 0.5 })
      const firstId = await queue.enqueueMany(
        first.map((s) => s.subscription),
        'first',
      )
      const firstResults = timed(firstId)
      await until(() => attempts.length >= 40, 10_000, "the first batch's first attempts")
      world.service.setFaults(undefined)
      const refused = new Set(attempts.filter((a) => a.status === 503).map((a) => a.endpoint))
      const endpoints = first.map((s) => s.subscription.endpoint)
      // Both chunks of the first batch have a message waiting (a 1 in 10^6 draw would not).
      expect([...refused].some((e) => endpoints.indexOf(e) < 20)).toBe(true)
      expect([...refused].some((e) => endpoints.indexOf(e) >= 20)).toBe(true)

      const secondId = await queue.enqueueMany(
        second.map((s) => s.subscription),
        'second',
      )
      const [a, b] = await within(Promise.all([firstResults, timed(secondId)]), 30_000, 'both batches')
      expect(a.map((r) => r.result.outcome)).toEqual(Array(40).fill('created'))
      expect(b.map((r) => r.result.outcome)).toEqual(Array(40).fill('created'))
      const retried = a.filter((r) => refused.has((r.result.subscription as { endpoint: string }).endpoint))
      const secondDone = Math.max(...b.map((r) => r.at))
      for (const r of retried) expect(r.at).toBeGreaterThan(secondDone)

      const waits: number[] = []
      for (const endpoint of refused) {
        const mine = attempts.filter((x) => x.endpoint === endpoint).sort((x, y) => x.sentAt - y.sentAt)
        expect(mine.length).toBeGreaterThanOrEqual(2)
        expect(mine.at(-1)?.status).toBe(201)
        for (let i = 1; i < mine.length; i++) {
          const waited = (mine[i]?.sentAt ?? 0) - (mine[i - 1]?.answeredAt ?? 0)
          // Asked 2 s; a few ms of clock rounding allowed, and an upper bound so a lost retry shows.
          waits.push(waited)
          expect(waited).toBeGreaterThanOrEqual(1990)
          expect(waited).toBeLessThan(12_000)
        }
      }
      expect(await Promise.all(first.map((s) => drain(s, 200)))).toEqual(first.map(() => ['first']))
      expect(await Promise.all(second.map((s) => drain(s, 200)))).toEqual(second.map(() => ['second']))
    } finally {
      world.service.setFaults(undefined)
      await worker.close()
      await transport.close()
    }
  })

  it('a long Retry-After does not hold back a short one in the same chunk: each waits as asked', async () => {
    const { world, queue, keys } = suite
    const pool = await subscribers(world.service, keys.publicKey, 20) // one chunk
    const endpoints = pool.map((s) => s.subscription.endpoint)
    const long = new Set(endpoints.slice(0, 5))
    const short = new Set(endpoints.slice(5, 10))
    // A stand-in for two push services behind one chunk: the first attempt of five messages is
    // refused with 429 and Retry-After: 6, of five others with 503 and Retry-After: 1.
    const inner = createTransport({ retry: false, allowPrivateNetwork: true })
    const tried = new Map<string, number[]>()
    const transport: Transport = {
      async send(request, options) {
        const times = tried.get(request.endpoint) ?? []
        times.push(Date.now())
        tried.set(request.endpoint, times)
        if (times.length === 1 && (long.has(request.endpoint) || short.has(request.endpoint))) {
          const isLong = long.has(request.endpoint)
          throw new PushServiceError(request.endpoint, {
            status: isLong ? 429 : 503,
            headers: {},
            body: '',
            outcome: isLong ? 'rate-limited' : 'server-error',
            retryAfterMs: isLong ? 6000 : 1000,
          })
        }
        return inner.send(request, options)
      },
      close: () => inner.close(),
    }
    const worker = await suite.startWorker({ transport })
    try {
      const started = Date.now()
      const id = await queue.enqueueMany(
        pool.map((s) => s.subscription),
        'as asked',
      )
      const results = await within(timed(id), 30_000, 'the batch')
      expect(results.map((r) => r.result.outcome)).toEqual(Array(20).fill('created'))
      const at = (set: Set<string>) =>
        results.filter((r) => set.has((r.result.subscription as { endpoint: string }).endpoint)).map((r) => r.at)
      // The short waits end after about 1 s, long before the long ones' 6 s.
      expect(Math.max(...at(short)) - started).toBeLessThan(4500)
      expect(Math.min(...at(long)) - started).toBeGreaterThanOrEqual(5900)
      for (const endpoint of long) {
        const [first, second] = tried.get(endpoint) ?? []
        expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(5900)
      }
      for (const endpoint of short) {
        const [first, second] = tried.get(endpoint) ?? []
        expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(990)
      }
      expect(await Promise.all(pool.map((s) => drain(s, 200)))).toEqual(pool.map(() => ['as asked']))
    } finally {
      await worker.close()
      await transport.close()
    }
  })
})
