/** `maxAttempts` and `maxRetryDelayMs` bound the retries; the last refusal is the final result. */
import type { FaultRule, TestSubscriber } from '@wp/push-service'
import { PushServiceError } from '@wp/transport'
import type { SendResult } from '@wp/webpush'
import { describe, expect, it } from 'vitest'
import type { PushWorkerOptions } from '../src/index.js'
import { type Attempt, collect, recordingTransport, subscribers, useQueue } from './queue-fixtures.js'

const suite = await useQueue({ name: 'attempts', chunkSize: 5 })

/**
 * A batch to `n` subscribers, sent by a worker started with `extra` while the service answers with
 * `faults`: the batch's id and results, and every attempt the worker made.
 */
async function sendRefused(
  n: number,
  faults: FaultRule,
  extra: Partial<PushWorkerOptions>,
): Promise<{ id: string; pool: TestSubscriber[]; results: SendResult[]; attempts: Attempt[] }> {
  const { world, queue, keys } = suite
  const pool = await subscribers(world.service, keys.publicKey, n)
  const { transport, attempts } = recordingTransport()
  world.service.setFaults(faults)
  try {
    return await suite.withWorker({ transport, ...extra }, async () => {
      const id = await queue.enqueueMany(pool.map((s) => s.subscription))
      return { id, pool, results: await collect(queue.results(id)), attempts }
    })
  } finally {
    await transport.close()
  }
}

describe('bounded retries', () => {
  it('a service that always answers 503: exactly maxAttempts requests per message, then server-error', async () => {
    const { id, pool, results, attempts } = await sendRefused(
      10,
      { status: 503, retryAfterSeconds: 0 },
      { maxAttempts: 3 },
    )
    expect(results).toHaveLength(10)
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, outcome: 'server-error', response: { status: 503 } })
      expect(result.error).toBeInstanceOf(PushServiceError)
    }
    for (const s of pool) expect(attempts.filter((a) => a.endpoint === s.subscription.endpoint)).toHaveLength(3)
    expect(await suite.queue.batch(id)).toEqual({
      total: 10,
      completed: 10,
      byOutcome: { 'server-error': 10 },
      finished: true,
    })
  })

  it('a Retry-After past maxRetryDelayMs is final at once', async () => {
    const { results, attempts } = await sendRefused(
      3,
      { status: 429, retryAfterSeconds: 30 },
      { maxRetryDelayMs: 10_000 },
    )
    for (const result of results)
      expect(result).toMatchObject({ outcome: 'rate-limited', response: { status: 429, retryAfterMs: 30_000 } })
    expect(attempts).toHaveLength(3)
  })
})
