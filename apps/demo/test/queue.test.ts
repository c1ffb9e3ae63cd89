/**
 * The demo with `REDIS_URL`: batches go through @wp/queue (a real redis-server on 127.0.0.1) and the
 * worker beside the demo, and give the same deliveries as the in-process path; both publish the
 * batch's progress on the event stream.
 */
import { execFileSync } from 'node:child_process'
import type { TestSubscriber } from '@wp/push-service'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveryRow, Demo } from '../src/index.js'
import { call, fakePublicDir, readEvents, startDemo, tempDir } from './helpers.js'
import { startRedis, type TestRedis } from './redis.js'

let redis: TestRedis
let queued: Demo
let inProcess: Demo
const dirs: ReturnType<typeof tempDir>[] = []
const logs: string[] = []

function dir(): string {
  const d = tempDir()
  dirs.push(d)
  return d.path
}

beforeAll(async () => {
  redis = await startRedis()
  const [q, p] = await Promise.all([
    startDemo({ dataDir: dir(), publicDir: fakePublicDir(dir()), redisUrl: redis.url, progressIntervalMs: 0 }),
    startDemo({ dataDir: dir(), publicDir: fakePublicDir(dir()), progressIntervalMs: 0 }),
  ])
  queued = q.demo
  inProcess = p.demo
  logs.push(...q.logs)
}, 30_000)

afterAll(async () => {
  await Promise.allSettled([queued?.close(), inProcess?.close()])
  await redis?.stop()
  for (const d of dirs) d.remove()
})

interface Progress {
  batchId: string
  total: number
  completed: number
  byOutcome: Record<string, number>
  finished: boolean
}

/** Subscribes `live + gone` virtual user agents to the demo, then unsubscribes the last `gone` at the push service only. */
async function subscribers(demo: Demo, live: number, gone: number): Promise<{ s: TestSubscriber; id: string }[]> {
  const all = await Promise.all(
    Array.from({ length: live + gone }, async () => {
      const s = await demo.localPushService!.subscribe({ applicationServerKey: demo.applicationServerKey })
      const answer = await call(demo, 'POST', '/api/subscriptions', { body: s.subscription, token: null })
      expect(answer.status).toBe(201)
      return { s, id: (answer.json as { id: string }).id }
    }),
  )
  for (const { s } of all.slice(live)) await s.unsubscribe()
  return all
}

/** Sends to everyone with the event stream open; the answer, the batch's rows and the events. */
async function sendToAll(demo: Demo, title: string) {
  const stream = await fetch(`${demo.url}/api/events?token=${demo.token}`)
  expect(stream.status).toBe(200)
  let batchId = ''
  const reading = readEvents(
    stream.body!,
    (e) => e.event === 'progress' && (JSON.parse(e.data) as Progress).finished,
    30_000,
  )
  const answer = await call(demo, 'POST', '/api/notify', { body: { title, body: 'to all', to: 'all' } })
  expect(answer.status).toBe(200)
  const json = answer.json as {
    batchId: string
    total: number
    byOutcome: Record<string, number>
    results: { subscriptionId: string; outcome: string; status: number | null; reason: string | null }[]
  }
  batchId = json.batchId
  const events = await reading
  const rows = demo.store.listDeliveries(1000).filter((r) => r.batchId === batchId)
  const progress = events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data) as Progress)
  const deliveries = events.filter((e) => e.event === 'delivery').map((e) => JSON.parse(e.data) as DeliveryRow)
  return { json, rows, progress, deliveries }
}

/** What must be equal across the two paths: each subscription's outcome, status and whether a reason came. */
function shape(rows: { subscriptionId: string; outcome: string; status: number | null; reason: string | null }[]) {
  return rows.map((r) => [r.outcome, r.status, r.reason === null ? null : typeof r.reason]).sort()
}

describe('REDIS_URL: sending through @wp/queue', () => {
  it('sends to everyone through the queue: same deliveries as in-process, gone removed, progress up to the total', async () => {
    const live = 12
    const gone = 3
    const [q, p] = await Promise.all([subscribers(queued, live, gone), subscribers(inProcess, live, gone)])
    const [viaQueue, local] = await Promise.all([sendToAll(queued, 'Queued'), sendToAll(inProcess, 'Local')])

    for (const [run, subs, title] of [
      [viaQueue, q, 'Queued'],
      [local, p, 'Local'],
    ] as const) {
      const { json, rows, progress, deliveries } = run
      expect(json.total).toBe(live + gone)
      expect(json.byOutcome).toEqual({ created: live, gone })
      expect(json.results).toHaveLength(live + gone)
      // Every subscriber got the message, decrypted, signed with the demo's subject.
      for (const { s } of subs.slice(0, live)) {
        const push = await s.next({ timeoutMs: 10_000 })
        expect(push.text).toBe(`{"title":"${title}","body":"to all"}`)
        expect(push.claims?.sub).toBe('mailto:webpush-demo@example.com')
      }
      // One row per subscription, as the answer says; the event stream carried exactly those rows.
      expect(rows).toHaveLength(live + gone)
      const byId = new Map(rows.map((r) => [r.subscriptionId, r]))
      for (const [k, { id, s }] of subs.entries()) {
        const row = byId.get(id)
        expect(row).toMatchObject({ endpoint: s.subscription.endpoint, outcome: k < live ? 'created' : 'gone' })
        expect(row?.status).toBe(k < live ? 201 : 410)
      }
      expect(deliveries.sort((a, b) => Number(a.id) - Number(b.id))).toEqual(
        [...rows].sort((a, b) => Number(a.id) - Number(b.id)),
      )
      // Gone ones are removed; the others stay.
      const left = (
        (await call(run === viaQueue ? queued : inProcess, 'GET', '/api/subscriptions')).json as {
          id: string
        }[]
      ).map((s) => s.id)
      for (const [k, { id }] of subs.entries()) expect(left.includes(id)).toBe(k < live)
      // Progress: from 0, never down, up to the total, finished last.
      const mine = progress.filter((e) => e.batchId === json.batchId)
      expect(mine[0]).toMatchObject({ completed: 0, finished: false })
      expect(mine.length).toBeGreaterThanOrEqual(3)
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.completed).toBeGreaterThanOrEqual(mine[i - 1]!.completed)
      expect(mine.at(-1)).toEqual({
        batchId: json.batchId,
        total: live + gone,
        completed: live + gone,
        byOutcome: { created: live, gone },
        finished: true,
      })
      expect(mine.slice(0, -1).every((e) => !e.finished)).toBe(true)
    }
    expect(shape(viaQueue.rows)).toEqual(shape(local.rows))
    expect(shape(viaQueue.json.results)).toEqual(shape(local.json.results))

    // It went through Redis: the demo's queue has keys there, the in-process demo none.
    expect(queued.queueName).toMatch(/^wp-demo-[0-9a-f]{16}$/)
    expect(inProcess.queueName).toBeUndefined()
    const keys = execFileSync('redis-cli', ['-u', redis.url, '--scan', '--pattern', `*${queued.queueName}*`], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(keys.trim().split('\n').length).toBeGreaterThan(0)
    expect(keys).toContain(queued.queueName)
    expect(logs.join('\n')).toContain(`queue ${queued.queueName}`)
  })

  it('sends to one subscription with its options, and an empty batch to nobody ends at once', async () => {
    const [{ s, id }] = (await subscribers(queued, 1, 0)) as [{ s: TestSubscriber; id: string }]
    const answer = await call(queued, 'POST', '/api/notify', {
      body: { title: 'One', body: 'just you', to: id, ttl: 60, urgency: 'high', topic: 'greeting' },
    })
    expect(answer.json).toEqual({
      batchId: expect.stringMatching(/^\d+$/),
      total: 1,
      byOutcome: { created: 1 },
      results: [{ subscriptionId: id, outcome: 'created', status: 201, reason: null }],
    })
    const push = await s.next({ timeoutMs: 10_000 })
    expect(push.text).toBe('{"title":"One","body":"just you"}')
    expect(push.headers).toMatchObject({ ttl: '60', urgency: 'high', topic: 'greeting' })

    const empty = await startDemo({ dataDir: dir(), publicDir: fakePublicDir(dir()), redisUrl: redis.url })
    try {
      const started = Date.now()
      const none = await call(empty.demo, 'POST', '/api/notify', { body: { title: 'x', body: '', to: 'all' } })
      expect(none.json).toMatchObject({ total: 0, byOutcome: {}, results: [] })
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      await empty.demo.close()
    }
  })

  it('close() during a batch in flight returns within 4 s: the worker drains and the queue closes', async () => {
    const { demo } = await startDemo({ dataDir: dir(), publicDir: fakePublicDir(dir()), redisUrl: redis.url })
    let closed = false
    try {
      await subscribers(demo, 5, 0)
      // Every answer takes 20 s: the batch is still in flight when the demo closes.
      demo.localPushService!.setFaults([{ delayMs: 20_000 }])
      const stream = await fetch(`${demo.url}/api/events?token=${demo.token}`)
      const started = readEvents(stream.body!, (e) => e.event === 'progress', 10_000)
      const sending = call(demo, 'POST', '/api/notify', { body: { title: 'Slow', body: '', to: 'all' } }).catch(
        () => undefined,
      )
      expect((await started).some((e) => e.event === 'progress')).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 300)) // the worker has taken the chunk
      const t0 = Date.now()
      await demo.close()
      closed = true
      const ms = Date.now() - t0
      expect(ms).toBeLessThan(4000)
      await sending
    } finally {
      if (!closed) await demo.close()
    }
  })

  it('refuses to start, naming REDIS_URL, when nothing answers there', async () => {
    const { freePort } = await import('./helpers.js')
    const url = `redis://127.0.0.1:${await freePort()}`
    const started = Date.now()
    await expect(
      startDemo({ dataDir: dir(), publicDir: fakePublicDir(dir()), redisUrl: url, redisTimeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'ERR_WP_NETWORK', message: expect.stringMatching(/REDIS_URL/) })
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
