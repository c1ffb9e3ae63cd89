import { describe, expect, it } from 'vitest'
import { createPushQueue } from '../src/index.js'
import { startRedis } from './redis.js'

describe('connection errors', () => {
  it('go to onError, never to the console, while Redis is away', async () => {
    const redis = await startRedis()
    const url = redis.url
    await redis.stop() // nothing listens there now
    const errors: Error[] = []
    const printed: unknown[] = []
    const original = console.error
    console.error = (...args: unknown[]) => printed.push(args)
    const queue = createPushQueue({ connection: url, onError: (error) => errors.push(error) })
    try {
      await new Promise((resolve) => setTimeout(resolve, 700))
      expect(errors.length).toBeGreaterThan(0)
      expect(errors.every((e) => /ECONNREFUSED/.test(e.message))).toBe(true)
      expect(printed).toEqual([])
    } finally {
      console.error = original
      await queue.close()
    }
  })

  it('onError must be a function', () => {
    expect(() => createPushQueue({ connection: 'redis://127.0.0.1:1', onError: 1 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
    )
  })
})
