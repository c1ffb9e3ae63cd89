import type { TestSubscriber } from '@wp/push-service'
import { WebPushError } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import { startPushWorker } from '../src/index.js'
import { collect, useQueue } from './queue-fixtures.js'

const suite = await useQueue({ name: 'basic', chunkSize: 20 })

describe('a queue and one worker', () => {
  it('sends a batch: one result per subscription, bad ones invalid, delivered and decrypted', async () => {
    const { world, queue, keys } = suite
    const subscribers: TestSubscriber[] = []
    for (let i = 0; i < 50; i++)
      subscribers.push(await world.service.subscribe({ applicationServerKey: keys.publicKey }))
    const items: unknown[] = subscribers.map((s) => s.subscription)
    items.splice(10, 0, { endpoint: 'nope' })
    items.splice(30, 0, null)
    const gone = subscribers[40]
    await gone?.unsubscribe()
    const goneSeen: unknown[] = []
    await suite.withWorker({ onGone: (s) => goneSeen.push(s) }, async () => {
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
    })
  })

  it('an unknown batch id rejects with ERR_WP_BATCH_NOT_FOUND', async () => {
    const { queue } = suite
    await expect(queue.batch('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'ERR_WP_BATCH_NOT_FOUND',
    })
    await expect(queue.batch('../etc')).rejects.toBeInstanceOf(WebPushError)
    await expect(collect(queue.results('00000000-0000-4000-8000-000000000000'))).rejects.toMatchObject({
      code: 'ERR_WP_BATCH_NOT_FOUND',
    })
  })

  it('a worker without a key refuses to start, naming it', async () => {
    await expect(startPushWorker({ connection: suite.world.redis.url } as never)).rejects.toThrow(/vapid\.privateKey/)
  })
})
