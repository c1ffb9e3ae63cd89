/**
 * The Guarantees of the README under real faults: real Redis, real `wp-push-worker` processes (the
 * built command) and a real push service with injected faults. The scenarios run at once, each with
 * its own Redis and push service, so their waits (locks expiring, Redis restarting) overlap.
 */
import type { SendResult } from '@wp/webpush'
import { afterAll, describe, expect, it } from 'vitest'
import { collect, delta, type Scene, startScene, waitForCompleted, waitUntilRefused } from './fixtures/scene.js'
import { killAll } from './fixtures/workers.js'

const scenes: Scene[] = []
afterAll(async () => {
  await killAll()
  await Promise.all(scenes.map((scene) => scene.close()))
})

async function scene(name: string, size: number): Promise<Scene> {
  const made = await startScene(name, size)
  scenes.push(made)
  return made
}

/** Indices 0..n-1, each exactly once, and `batch(id)`'s counts the results' own. */
async function expectOneResultEach(s: Scene, id: string, results: SendResult[], n: number): Promise<void> {
  expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
  const byOutcome: Record<string, number> = {}
  for (const r of results) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1
  expect(await s.queue.batch(id)).toEqual({ total: n, completed: n, byOutcome, finished: true })
}

/** The endpoints reported `'created'` are exactly those that received at least one message. */
function expectCreatedIsAccepted(results: SendResult[], received: Map<string, number>): void {
  const created = new Set(
    results.filter((r) => r.outcome === 'created').map((r) => (r.subscription as { endpoint: string }).endpoint),
  )
  const accepted = new Set([...received].filter(([, count]) => count > 0).map(([endpoint]) => endpoint))
  expect(created.size).toBe(results.filter((r) => r.outcome === 'created').length)
  expect([...accepted].filter((e) => !created.has(e))).toEqual([])
  expect([...created].filter((e) => !accepted.has(e))).toEqual([])
}

function twice(received: Map<string, number>): number {
  return [...received.values()].filter((count) => count > 1).length
}

/**
 * Every one of the `n` items of batch `id` delivered: one result each, all `'created'`, and those
 * exactly the endpoints that received. Returns how many messages each endpoint received since `before`.
 */
async function expectAllDelivered(
  s: Scene,
  id: string,
  results: SendResult[],
  n: number,
  before: Map<string, number>,
): Promise<Map<string, number>> {
  await expectOneResultEach(s, id, results, n)
  const received = delta(before, s.received())
  expectCreatedIsAccepted(results, received)
  expect(results.every((r) => r.outcome === 'created')).toBe(true)
  return received
}

describe.concurrent('worker processes under faults', () => {
  it('three workers share 30,000 subscriptions with 503s, dropped connections, gone and invalid ones', async () => {
    const s = await scene('faults', 30_050)
    const batch = s.subscribers.slice(0, 30_000)
    const spare = s.subscribers.slice(30_000)
    // 1% unsubscribed: the service answers 410.
    const gone = batch.filter((_, i) => i % 100 === 37)
    await Promise.all(gone.map((g) => g.unsubscribe()))
    // ~50 invalid items of several kinds; those with an endpoint point at a spare subscriber, which
    // must receive nothing.
    const bad = (i: number): unknown => {
      const { endpoint, keys } = (spare[i] as (typeof spare)[number]).subscription
      switch (i % 7) {
        case 0:
          return null
        case 1:
          return { endpoint, keys: { p256dh: keys.p256dh } }
        case 2:
          return { endpoint, keys: { p256dh: 'not-a-point', auth: keys.auth } }
        case 3:
          return { endpoint: endpoint.replace('http:', 'ftp:'), keys }
        case 4:
          return { endpoint, keys: { p256dh: keys.p256dh, auth: 'AAAA' } }
        case 5:
          return `${endpoint}`
        default:
          return { keys }
      }
    }
    const items: unknown[] = batch.map((b) => b.subscription)
    const invalidAt = new Set<number>()
    for (let i = 0; i < 50; i++) {
      const at = 17 + i * 601
      items.splice(at, 0, bad(i))
      invalidAt.add(at)
    }
    s.service.setFaults([
      { status: 503, retryAfterSeconds: 1, rate: 0.05 },
      { drop: true, rate: 0.02 },
    ])
    const before = s.received()
    const started = performance.now()
    const workers = [s.worker(), s.worker(), s.worker()]
    await Promise.all(workers.map((w) => w.ready()))
    const id = await s.queue.enqueueMany(items, 'under faults', { ttl: 600 })
    const results = await collect(s.queue, id, 150_000)
    const seconds = (performance.now() - started) / 1000
    console.log(`30,050 items, 3 workers, faults: ${seconds.toFixed(1)} s, service stats`, s.service.stats)

    await expectOneResultEach(s, id, results, items.length)
    const received = delta(before, s.received())
    expectCreatedIsAccepted(results, received)
    expect(twice(received)).toBe(0) // no worker died: nothing runs twice
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(30_000 - gone.length)
    // Gone: each reported once, across the three workers' output.
    const goneEndpoints = gone.map((g) => g.subscription.endpoint).sort()
    expect(
      results
        .filter((r) => r.outcome === 'gone')
        .map((r) => (r.subscription as { endpoint: string }).endpoint)
        .sort(),
    ).toEqual(goneEndpoints)
    expect(workers.flatMap((w) => w.gone()).sort()).toEqual(goneEndpoints)
    // Invalid: their own result, and nothing reached the service for them.
    for (const r of results) expect(r.outcome === 'invalid').toBe(invalidAt.has(r.index))
    for (const sub of spare) expect(received.get(sub.subscription.endpoint)).toBe(0)
  }, 170_000)

  it('a worker SIGKILLed mid-batch: the batch completes, at most its concurrency sent twice', async () => {
    const s = await scene('kill', 3000)
    // Slow answers, so the killed worker has messages in flight.
    s.service.setFaults([{ delayMs: 30 }])
    const victimConcurrency = 50
    const workers = [
      s.worker({ concurrency: victimConcurrency, lockDuration: 3000 }),
      s.worker({ concurrency: 50, lockDuration: 3000 }),
      s.worker({ concurrency: 50, lockDuration: 3000 }),
    ]
    await Promise.all(workers.map((w) => w.ready()))
    const before = s.received()
    const items = s.subscribers.map((sub) => sub.subscription)
    const id = await s.queue.enqueueMany(items, 'killed', { ttl: 600 })
    await waitForCompleted(s.queue, id, 800, 60_000)
    workers[0]?.child.kill('SIGKILL')
    await workers[0]?.exited(5000)
    const results = await collect(s.queue, id, 60_000)
    const received = await expectAllDelivered(s, id, results, items.length, before)
    const dup = twice(received)
    console.log(`SIGKILL: ${dup} of ${items.length} delivered twice (the victim's concurrency: ${victimConcurrency})`)
    expect(dup).toBeLessThanOrEqual(victimConcurrency)
    expect(Math.max(...received.values())).toBeLessThanOrEqual(2)
  }, 120_000)

  it('a Redis restart mid-batch: the batch completes, one result each, nothing lost', async () => {
    const s = await scene('restart', 2000)
    const workers = [s.worker({ lockDuration: 3000 }), s.worker({ lockDuration: 3000 })]
    await Promise.all(workers.map((w) => w.ready()))
    s.service.setFaults([{ delayMs: 20 }])
    const before = s.received()
    const items = s.subscribers.map((sub) => sub.subscription)
    const id = await s.queue.enqueueMany(items, 'restarted', { ttl: 600 })
    const reading = collect(s.queue, id, 90_000)
    await waitForCompleted(s.queue, id, 500, 60_000)
    await s.redis.restart(1000)
    const received = await expectAllDelivered(s, id, await reading, items.length, before)
    console.log(`Redis restart: ${twice(received)} of ${items.length} delivered twice`)
  }, 120_000)

  it('SIGTERM with messages in flight: exit 0 within 10 s, nothing lost, nothing sent twice', async () => {
    const s = await scene('sigterm', 1500)
    // Every answer takes 500 ms: a worker always has its whole concurrency in flight.
    s.service.setFaults([{ delayMs: 500 }])
    // The default 30 s lock: the rest of its chunks must go back at once, not when their locks expire.
    const first = s.worker({ concurrency: 100 })
    await first.ready()
    const before = s.received()
    const items = s.subscribers.map((sub) => sub.subscription)
    const id = await s.queue.enqueueMany(items, 'drained', { ttl: 600 })
    await waitForCompleted(s.queue, id, 150, 60_000)
    const completedAtSignal = (await s.queue.batch(id)).completed
    const signalled = performance.now()
    first.child.kill('SIGTERM')
    const exit = await first.exited(10_000)
    const tookMs = performance.now() - signalled
    console.log(`SIGTERM: exited ${exit.code} in ${tookMs.toFixed(0)} ms`)
    expect(exit).toEqual({ code: 0, signal: null })
    // What was in flight finished and was recorded before the exit.
    expect((await s.queue.batch(id)).completed).toBeGreaterThan(completedAtSignal)
    const second = s.worker({ concurrency: 200 })
    await second.ready()
    const results = await collect(s.queue, id, 25_000)
    const received = await expectAllDelivered(s, id, results, items.length, before)
    expect(twice(received)).toBe(0)
  }, 120_000)

  it('SIGTERM while Redis is away: exit 0 within 10 s; the batch finishes once Redis is back', async () => {
    const s = await scene('away', 800)
    s.service.setFaults([{ delayMs: 200 }])
    const first = s.worker({ concurrency: 50, lockDuration: 3000 })
    await first.ready()
    const before = s.received()
    const items = s.subscribers.map((sub) => sub.subscription)
    const id = await s.queue.enqueueMany(items, 'away', { ttl: 600 })
    await waitForCompleted(s.queue, id, 100, 60_000)
    // Down for longer than the worker may take to stop, so it must stop without Redis.
    const restarting = s.redis.restart(12_000)
    await waitUntilRefused(s.redis.port, 10_000)
    const signalled = performance.now()
    first.child.kill('SIGTERM')
    const exit = await first.exited(15_000)
    const tookMs = performance.now() - signalled
    console.log(`SIGTERM without Redis: exited ${exit.code ?? exit.signal} in ${tookMs.toFixed(0)} ms`)
    expect(exit).toEqual({ code: 0, signal: null })
    expect(tookMs).toBeLessThan(10_000)
    await restarting
    const second = s.worker({ concurrency: 100, lockDuration: 3000 })
    await second.ready()
    const results = await collect(s.queue, id, 60_000)
    const received = await expectAllDelivered(s, id, results, items.length, before)
    // Results that could not be written run again: at most the first worker's concurrency.
    expect(twice(received)).toBeLessThanOrEqual(50)
  }, 120_000)
})
