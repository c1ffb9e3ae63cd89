import { type PushService, startPushService } from '@wp/push-service'
import { afterAll, describe, expect, it } from 'vitest'
import { createPushClient, generateVapidKeys, type SendResult, WebPushError } from '../src/index.js'

const service: PushService = await startPushService()
const slowService: PushService = await startPushService()
const allowPrivateNetwork = [new URL(service.url).origin, new URL(slowService.url).origin]
const keys = await generateVapidKeys()
const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }

afterAll(async () => {
  await service.close()
  await slowService.close()
})

async function collect<S>(batch: AsyncIterable<SendResult<S>>): Promise<SendResult<S>[]> {
  const out: SendResult<S>[] = []
  for await (const r of batch) out.push(r)
  return out
}

async function subscribers(on: PushService, n: number) {
  const subs = []
  for (let i = 0; i < n; i++) subs.push(await on.subscribe({ applicationServerKey: keys.publicKey }))
  return subs
}

describe('sendMany', () => {
  it('one result per subscription under faults; accepted equals sent; nothing delivered twice', async () => {
    const subs = await subscribers(service, 1500)
    const gone = new Set<number>()
    for (let i = 0; i < subs.length; i += 25) {
      await subs[i]?.unsubscribe()
      gone.add(i)
    }
    const items: unknown[] = []
    const invalidAt = new Set<number>()
    subs.forEach((s, i) => {
      items.push(s.subscription)
      if (i % 100 === 50) {
        invalidAt.add(items.length)
        items.push({ endpoint: s.subscription.endpoint })
      }
    })
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 50 })
    const before = service.stats.accepted
    service.setFaults([
      { status: 429, retryAfterSeconds: 0, rate: 0.03 },
      { status: 503, retryAfterSeconds: 0, rate: 0.03 },
      { drop: true, rate: 0.01 },
    ])
    const progress: number[] = []
    let lastTotal: number | undefined
    try {
      const results = await collect(
        client.sendMany(items, (_s, i) => ({ n: i }), {
          ttl: 60,
          onProgress: (p) => {
            progress.push(p.done)
            lastTotal = p.total
          },
        }),
      )
      service.setFaults(undefined)
      expect(results.length).toBe(items.length)
      expect(new Set(results.map((r) => r.index)).size).toBe(items.length)
      for (const r of results) {
        expect(r.subscription).toBe(items[r.index])
        if (invalidAt.has(r.index)) expect(r.outcome).toBe('invalid')
        else expect(r.outcome).not.toBe('invalid')
        expect(r.ok).toBe(r.outcome === 'created')
      }
      const sentIndices = new Set(results.filter((r) => r.ok).map((r) => r.index))
      // an unsubscribed endpoint answers 410 unless an injected fault got in first; never sent
      const goneIndices = new Set([...gone].map((i) => items.indexOf(subs[i]?.subscription)))
      const goneResults = results.filter((r) => r.outcome === 'gone')
      for (const r of goneResults) expect(goneIndices.has(r.index)).toBe(true)
      for (const i of goneIndices) expect(sentIndices.has(i)).toBe(false)
      expect(goneResults.length).toBeGreaterThan(gone.size * 0.7)
      expect(service.stats.accepted - before).toBe(sentIndices.size)
      expect(sentIndices.size).toBeGreaterThan(items.length * 0.8)
      expect(progress.at(-1)).toBe(items.length)
      expect(lastTotal).toBe(items.length)
      // each accepted message arrives once, with its own data
      const deadline = Date.now() + 10_000
      const sentBySub = new Map(results.filter((r) => r.ok).map((r) => [r.subscription, r.index]))
      for (const s of subs) {
        const index = sentBySub.get(s.subscription)
        if (index === undefined) {
          expect(s.pending).toBe(0)
          continue
        }
        const push = await s.next({ timeoutMs: Math.max(1, deadline - Date.now()) })
        expect(push.text).toBe(JSON.stringify({ n: index }))
        expect(s.pending).toBe(0)
      }
    } finally {
      service.setFaults(undefined)
      await client.close()
    }
  }, 120_000)

  it('abort halfway: reading stops, requests in flight are aborted, every item read gets its result', async () => {
    const [sub] = await subscribers(service, 1)
    let read = 0
    let returned = false
    async function* source() {
      try {
        for (let i = 0; i < 400; i++) {
          read++
          yield i === 3 ? { endpoint: 'nope' } : sub?.subscription
        }
      } finally {
        returned = true
      }
    }
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 8 })
    service.setFaults({ delayMs: 300 })
    const controller = new AbortController()
    const before = service.stats.requests
    try {
      const results: SendResult[] = []
      for await (const r of client.sendMany(source(), 'x', { signal: controller.signal })) {
        results.push(r)
        if (results.length === 20) controller.abort()
      }
      expect(returned).toBe(true)
      expect(read).toBeLessThan(400)
      expect(results.length).toBe(read)
      expect(new Set(results.map((r) => r.index)).size).toBe(read)
      expect(results.find((r) => r.index === 3)?.outcome).toBe('invalid')
      const aborted = results.filter((r) => r.outcome === 'aborted')
      expect(aborted.length).toBeGreaterThan(0)
      for (const r of aborted) expect(r.ok).toBe(false)
      for (const r of results) expect(['created', 'aborted', 'invalid']).toContain(r.outcome)
      // nothing more reaches the service after the batch ended
      const requests = service.stats.requests
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(service.stats.requests).toBe(requests)
      expect(requests - before).toBeLessThan(read)
    } finally {
      service.setFaults(undefined)
      await client.close()
    }
  }, 30_000)

  it('an aborted signal before the start reports the items read as aborted without I/O', async () => {
    const [sub] = await subscribers(service, 1)
    const client = createPushClient({ vapid, allowPrivateNetwork })
    const before = service.stats.requests
    try {
      const results = await collect(
        client.sendMany([sub?.subscription, sub?.subscription], 'x', { signal: AbortSignal.abort() }),
      )
      for (const r of results) expect(r.outcome).toBe('aborted')
      expect(service.stats.requests).toBe(before)
    } finally {
      await client.close()
    }
  })

  it('a source that throws: the results of the items read, then the error', async () => {
    const [sub] = await subscribers(service, 1)
    const boom = new Error('source failed')
    async function* source() {
      for (let i = 0; i < 30; i++) yield sub?.subscription
      throw boom
    }
    const client = createPushClient({ vapid, allowPrivateNetwork })
    try {
      const results: SendResult[] = []
      await expect(
        (async () => {
          for await (const r of client.sendMany(source(), 'x')) results.push(r)
        })(),
      ).rejects.toBe(boom)
      expect(results.length).toBe(30)
      expect(results.every((r) => r.ok)).toBe(true)
    } finally {
      await client.close()
    }
  })

  it('reads an async generator lazily: never more ahead than the concurrency needs', async () => {
    const subs = await subscribers(service, 5)
    let read = 0
    let maxAhead = 0
    let done = 0
    async function* source() {
      for (let i = 0; i < 200; i++) {
        read++
        maxAhead = Math.max(maxAhead, read - done)
        yield subs[i % subs.length]?.subscription
      }
    }
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 4 })
    service.setFaults({ delayMs: 20 })
    try {
      let ok = 0
      for await (const r of client.sendMany(source(), undefined)) {
        done++
        if (r.ok) ok++
      }
      expect(done).toBe(200)
      expect(ok).toBe(200)
      expect(maxAhead).toBeLessThanOrEqual(4 * 2 + 1)
    } finally {
      service.setFaults(undefined)
      await client.close()
    }
  }, 30_000)

  it('a slow origin does not hold back a fast one', async () => {
    const fast = await subscribers(service, 1)
    const slow = await subscribers(slowService, 1)
    slowService.setFaults({ delayMs: 1000 })
    const items: unknown[] = []
    for (let i = 0; i < 40; i++) {
      items.push(fast[0]?.subscription)
      if (i < 12) items.push(slow[0]?.subscription)
    }
    const client = createPushClient({ vapid, allowPrivateNetwork, concurrency: 8, perOriginConcurrency: 4 })
    try {
      const results = await collect(client.sendMany(items, 'x'))
      expect(results.every((r) => r.ok)).toBe(true)
      const isSlow = (r: SendResult) => r.subscription === slow[0]?.subscription
      let lastFast = -1
      results.forEach((r, i) => {
        if (!isSlow(r)) lastFast = i
      })
      const slowPositions = results.flatMap((r, i) => (isSlow(r) ? [i] : []))
      // the first round of slow answers (4 at a time) comes after every fast one
      expect(lastFast).toBeLessThan(slowPositions[4] as number)
      expect(lastFast).toBeLessThan(slowPositions[0] as number)
    } finally {
      slowService.setFaults(undefined)
      await client.close()
    }
  }, 30_000)

  it('reports timeouts and dropped connections as outcomes, with counts in onProgress', async () => {
    const subs = await subscribers(slowService, 4)
    const client = createPushClient({ vapid, allowPrivateNetwork, transport: { timeoutMs: 300, retry: false } })
    let last: Partial<Record<string, number>> = {}
    try {
      slowService.setFaults({ delayMs: 2000 })
      const slow = await collect(
        client.sendMany(
          subs.map((s) => s.subscription),
          'x',
          { onProgress: (p) => (last = p.byOutcome) },
        ),
      )
      expect(slow.map((r) => r.outcome)).toEqual(['timeout', 'timeout', 'timeout', 'timeout'])
      expect(slow[0]?.error).toMatchObject({ code: 'ERR_WP_TIMEOUT' })
      expect(last).toEqual({ timeout: 4 })
      slowService.setFaults({ drop: true })
      const dropped = await collect(client.sendMany([subs[0]?.subscription, { endpoint: 1 }], 'x'))
      expect(dropped.map((r) => r.outcome).sort()).toEqual(['invalid', 'network'])
      expect(last).toEqual({ timeout: 4 })
    } finally {
      slowService.setFaults(undefined)
      await client.close()
    }
  }, 30_000)

  it('refuses bad options synchronously, and after close()', async () => {
    const client = createPushClient({ vapid, allowPrivateNetwork })
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as WebPushError).code
      }
      return undefined
    }
    expect(code(() => client.sendMany([], 'x', { concurrency: 0 }))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(code(() => client.sendMany([], 'x', { nope: 1 } as never))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(code(() => client.sendMany(42 as never, 'x'))).toBe('ERR_WP_INVALID_ARGUMENT')
    expect(code(() => client.sendMany([], 'x', { ttl: -1 }))).toBe('ERR_WP_INVALID_ARGUMENT')
    await client.close()
    expect(code(() => client.sendMany([], 'x'))).toBe('ERR_WP_CLOSED')
    expect(WebPushError).toBeDefined()
  })
})
