/** `maxAttempts` and `maxRetryDelayMs` bound the retries; the last refusal is the final result. */
import { PushServiceError } from '@wp/transport'
import { generateVapidKeys } from '@wp/webpush'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPushQueue, type PushQueue, startPushWorker } from '../src/index.js'
import { collect, recordingTransport, startWorld, subscribers, type World } from './queue-fixtures.js'

let world: World
let queue: PushQueue
const keys = await generateVapidKeys()
const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }

beforeAll(async () => {
  world = await startWorld()
  queue = createPushQueue({ connection: world.redis.url, name: 'attempts', chunkSize: 5 })
})
afterAll(async () => {
  await queue?.close()
  await world?.close()
})

describe('bounded retries', () => {
  it('a service that always answers 503: exactly maxAttempts requests per message, then server-error', async () => {
    const pool = await subscribers(world.service, keys.publicKey, 10)
    const { transport, attempts } = recordingTransport()
    world.service.setFaults({ status: 503, retryAfterSeconds: 0 })
    const worker = await startPushWorker({
      connection: world.redis.url,
      name: 'attempts',
      vapid,
      transport,
      allowPrivateNetwork: true,
      maxAttempts: 3,
    })
    try {
      const id = await queue.enqueueMany(pool.map((s) => s.subscription))
      const results = await collect(queue.results(id))
      expect(results).toHaveLength(10)
      for (const result of results) {
        expect(result).toMatchObject({ ok: false, outcome: 'server-error', response: { status: 503 } })
        expect(result.error).toBeInstanceOf(PushServiceError)
      }
      for (const s of pool) expect(attempts.filter((a) => a.endpoint === s.subscription.endpoint)).toHaveLength(3)
      expect(await queue.batch(id)).toEqual({
        total: 10,
        completed: 10,
        byOutcome: { 'server-error': 10 },
        finished: true,
      })
    } finally {
      world.service.setFaults(undefined)
      await worker.close()
      await transport.close()
    }
  })

  it('a Retry-After past maxRetryDelayMs is final at once', async () => {
    const pool = await subscribers(world.service, keys.publicKey, 3)
    const { transport, attempts } = recordingTransport()
    world.service.setFaults({ status: 429, retryAfterSeconds: 30 })
    const worker = await startPushWorker({
      connection: world.redis.url,
      name: 'attempts',
      vapid,
      transport,
      allowPrivateNetwork: true,
      maxRetryDelayMs: 10_000,
    })
    try {
      const id = await queue.enqueueMany(pool.map((s) => s.subscription))
      const results = await collect(queue.results(id))
      for (const result of results)
        expect(result).toMatchObject({ outcome: 'rate-limited', response: { status: 429, retryAfterMs: 30_000 } })
      expect(attempts).toHaveLength(3)
    } finally {
      world.service.setFaults(undefined)
      await worker.close()
      await transport.close()
    }
  })
})
