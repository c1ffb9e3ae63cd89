/**
 * `worker.close()` in the process that started it, while Redis is away: it settles within the drain
 * deadline plus its grace, and leaves no connection behind that would come back with Redis.
 */
import { startPushService } from '@wp/push-service'
import { generateVapidKeys } from '@wp/webpush'
import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { createPushQueue, startPushWorker } from '../src/index.js'
import { waitForCompleted, waitUntilRefused } from './fixtures/scene.js'
import { startRedis, type TestRedis } from './redis.js'

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
})

async function clientNames(redis: TestRedis): Promise<string[]> {
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  try {
    const list = (await admin.call('CLIENT', 'LIST')) as string
    return list
      .trim()
      .split('\n')
      .map((line) => `${/ name=(\S*)/.exec(line)?.[1]} ${/ cmd=(\S*)/.exec(line)?.[1]}`)
  } finally {
    admin.disconnect()
  }
}

it('close() while Redis is away settles within the drain deadline and its grace, and no connection comes back', async () => {
  const redis = await startRedis()
  cleanups.push(() => redis.stop())
  const service = await startPushService({ faults: [{ delayMs: 300 }] })
  cleanups.push(() => service.close())
  const keys = await generateVapidKeys()
  const subscribers = await Promise.all(
    Array.from({ length: 300 }, () => service.subscribe({ applicationServerKey: keys.publicKey })),
  )
  const queue = createPushQueue({ connection: redis.url, name: 'close' })
  const worker = await startPushWorker({
    connection: redis.url,
    name: 'close',
    vapid: { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' },
    allowPrivateNetwork: true,
    concurrency: 20,
    drainTimeoutMs: 2000,
  })
  cleanups.push(() => worker.close())
  const id = await queue.enqueueMany(
    subscribers.map((s) => s.subscription),
    'x',
    { ttl: 60 },
  )
  await waitForCompleted(queue, id, 20, 30_000)
  await queue.close()
  const restarting = redis.restart(6000)
  await waitUntilRefused(redis.port, 10_000)
  const started = performance.now()
  await worker.close()
  const tookMs = performance.now() - started
  expect(tookMs).toBeLessThan(2000 + 2500)
  await restarting
  await new Promise((resolve) => setTimeout(resolve, 3000))
  expect((await clientNames(redis)).filter((c) => !c.endsWith(' client|list'))).toEqual([])
}, 60_000)
