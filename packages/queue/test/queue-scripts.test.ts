/** The result-writing script, driven directly: exact counts, and a resent write answered as the first was. */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchKeys } from '../src/internal/keys.js'
import { withScripts } from '../src/internal/scripts.js'
import { startRedis, type TestRedis } from './redis.js'

let redis: TestRedis
let client: Redis

beforeAll(async () => {
  redis = await startRedis()
  client = new Redis(redis.url)
})
afterAll(async () => {
  client?.disconnect()
  await redis?.stop()
})

describe('the record script', () => {
  it('a write sent again with its receipt gets the same reply; another write of the same results gets 0s', async () => {
    const scripted = withScripts(client)
    const keys = batchKeys('scripts', '00000000-0000-4000-8000-000000000001')
    await client.hset(keys.meta, { created: Date.now(), retention: 60, completed: 0, total: 3 })
    const args = [0, '{"o":"gone"}', 'gone', 1, '{"o":"created"}', 'created']
    const receipt = keys.receipt('first')
    expect(await scripted.wpRecord(keys.meta, keys.results, keys.stream, receipt, Date.now(), ...args)).toEqual([1, 1])
    // The same write again (its reply was lost and the client resent it): the same answer, nothing counted twice.
    expect(await scripted.wpRecord(keys.meta, keys.results, keys.stream, receipt, Date.now(), ...args)).toEqual([1, 1])
    // Another writer (a chunk re-run) with the same results: not the first.
    const other = keys.receipt('second')
    expect(await scripted.wpRecord(keys.meta, keys.results, keys.stream, other, Date.now(), ...args)).toEqual([0, 0])
    expect(await client.hget(keys.meta, 'completed')).toBe('2')
    expect(await client.xlen(keys.stream)).toBe(2)
    expect(await client.ttl(receipt)).toBeGreaterThan(500)
    // The last result finishes the batch, once.
    const last = keys.receipt('third')
    expect(
      await scripted.wpRecord(keys.meta, keys.results, keys.stream, last, Date.now(), 2, '{"o":"created"}', 'created'),
    ).toEqual([1])
    expect(await client.hmget(keys.meta, 'completed', 'finished', 'o:created', 'o:gone')).toEqual(['3', '1', '2', '1'])
    expect(await client.ttl(keys.results)).toBeGreaterThan(50)
  })

  it('a batch that is gone is answered -1 and nothing is written', async () => {
    const scripted = withScripts(client)
    const keys = batchKeys('scripts', '00000000-0000-4000-8000-000000000002')
    const reply = await scripted.wpRecord(
      keys.meta,
      keys.results,
      keys.stream,
      keys.receipt('x'),
      Date.now(),
      0,
      '{}',
      'created',
    )
    expect(reply).toBe(-1)
    expect(await client.exists(keys.meta, keys.results, keys.stream, keys.receipt('x'))).toBe(0)
  })

  it('an unsealed batch expires with its meta; sealing stops the clock until the batch finishes', async () => {
    const scripted = withScripts(client)
    const keys = batchKeys('scripts', '00000000-0000-4000-8000-000000000003')
    await client.hset(keys.meta, { created: Date.now(), retention: 60, completed: 0 })
    await client.expire(keys.meta, 30) // what enqueueMany does until it seals
    await scripted.wpRecord(keys.meta, keys.results, keys.stream, keys.receipt('a'), Date.now(), 0, '{}', 'invalid')
    for (const key of [keys.results, keys.stream]) {
      const ttl = await client.pttl(key)
      expect(ttl).toBeGreaterThan(25_000)
      expect(ttl).toBeLessThanOrEqual(30_000)
    }
    await scripted.wpSeal(keys.meta, keys.results, keys.stream, 2, Date.now())
    for (const key of [keys.meta, keys.results, keys.stream]) expect(await client.ttl(key)).toBe(-1)
    // A result after sealing leaves them without expiry; the last one starts the retention clock.
    await scripted.wpRecord(keys.meta, keys.results, keys.stream, keys.receipt('b'), Date.now(), 1, '{}', 'created')
    for (const key of [keys.meta, keys.results, keys.stream]) {
      const ttl = await client.ttl(key)
      expect(ttl).toBeGreaterThan(50)
      expect(ttl).toBeLessThanOrEqual(60)
    }
  })
})
