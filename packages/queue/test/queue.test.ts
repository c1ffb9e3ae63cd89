import { type PushService, startPushService } from '@wp/push-service'
import { generateVapidKeys, type SendResult, WebPushError } from '@wp/webpush'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPushQueue, type PushQueue, startPushWorker } from '../src/index.js'
import { startRedis, type TestRedis } from './redis.js'

let redis: TestRedis
let service: PushService
let queue: PushQueue
const keys = await generateVapidKeys()
const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }

beforeAll(async () => {
  redis = await startRedis()
  service = await startPushService()
  queue = createPushQueue({ connection: redis.url, name: 'basic', chunkSize: 20 })
})
afterAll(async () => {
  await queue.close()
  await service.close()
  await redis.stop()
})

async function collect(iterable: AsyncIterable<SendResult>): Promise<SendResult[]> {
  const out: SendResult[] = []
  for await (const r of iterable) out.push(r)
  return out
}

describe('a queue and one worker', () => {
  it('sends a batch: one result per subscription, bad ones invalid, delivered and decrypted', async () => {
    const subscribers = []
    for (let i = 0; i < 50; i++) subscribers.push(await service.subscribe({ applicationServerKey: keys.publicKey }))
    const items: unknown[] = subscribers.map((s) => s.subscription)
    items.splice(10, 0, { endpoint: 'nope' })
    items.splice(30, 0, null)
    const gone = subscribers[40]
    await gone?.unsubscribe()
    const goneSeen: unknown[] = []
    const worker = await startPushWorker({
      connection: redis.url,
      name: 'basic',
      vapid,
      allowPrivateNetwork: true,
      onGone: (s) => goneSeen.push(s),
    })
    try {
      const id = await queue.enqueueMany(items, 'hello queue', { ttl: 60 })
      const results = await collect(queue.results(id))
      expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(items.map((_, i) => i))
      expect(results.find((r) => r.index === 10)?.outcome).toBe('invalid')
      expect(results.find((r) => r.index === 30)).toMatchObject({ outcome: 'invalid', subscription: null })
      const goneIndex = items.indexOf(gone?.subscription)
      expect(results.find((r) => r.index === goneIndex)?.outcome).toBe('gone')
      expect(goneSeen).toEqual([gone?.subscription])
      expect(results.filter((r) => r.ok)).toHaveLength(49)
      for (const s of subscribers) if (s !== gone) expect((await s.next()).text).toBe('hello queue')
      const status = await queue.batch(id)
      expect(status).toEqual({
        total: 52,
        completed: 52,
        byOutcome: { created: 49, invalid: 2, gone: 1 },
        finished: true,
      })
    } finally {
      await worker.close()
    }
  })

  it('an unknown batch id rejects with ERR_WP_BATCH_NOT_FOUND', async () => {
    await expect(queue.batch('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'ERR_WP_BATCH_NOT_FOUND',
    })
    await expect(queue.batch('../etc')).rejects.toBeInstanceOf(WebPushError)
    await expect(collect(queue.results('00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({
      code: 'ERR_WP_BATCH_NOT_FOUND',
    })
  })

  it('a worker without a key refuses to start, naming it', async () => {
    await expect(startPushWorker({ connection: redis.url } as never)).rejects.toThrow(/vapid\.privateKey/)
  })
})
