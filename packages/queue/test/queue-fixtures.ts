/**
 * What the in-process queue tests share: a Redis and a push service per file, a queue and workers
 * of it, a pool of test subscribers, a transport that notes every attempt, and readers of
 * everything Redis holds.
 */
import { type PushService, startPushService, type TestSubscriber } from '@wp/push-service'
import { createTransport, type Transport } from '@wp/transport'
import { generateVapidKeys, type SendResult, WebPushError } from '@wp/webpush'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect } from 'vitest'
import {
  createPushQueue,
  type PushQueue,
  type PushQueueOptions,
  type PushWorker,
  type PushWorkerOptions,
  startPushWorker,
} from '../src/index.js'
import { startRedis, type TestRedis } from './redis.js'

/** Every result of `iterable`, failing after `timeoutMs` rather than hanging the suite. */
export async function collect(iterable: AsyncIterable<SendResult>, timeoutMs = 30_000): Promise<SendResult[]> {
  const out: SendResult[] = []
  await within(
    (async () => {
      for await (const result of iterable) out.push(result)
    })(),
    timeoutMs,
    `results() did not end within ${timeoutMs} ms (${out.length} read)`,
  )
  return out
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(what)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` every 20 ms until it is true, for at most `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface World {
  redis: TestRedis
  service: PushService
  /** A plain client for looking into Redis. */
  admin: Redis
  close(): Promise<void>
}

/** A Redis of the test's own and a push service, both on 127.0.0.1. */
export async function startWorld(): Promise<World> {
  const redis = await startRedis()
  let service: PushService | undefined
  try {
    service = await startPushService()
  } catch (error) {
    await redis.stop()
    throw error
  }
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  return {
    redis,
    service,
    admin,
    async close() {
      admin.disconnect()
      await service.close()
      await redis.stop()
    },
  }
}

/** A test file's world, its queue, and workers of that queue with the file's VAPID key. */
export interface QueueSuite {
  /** The world (set up by `beforeAll`). */
  readonly world: World
  /** The queue (set up by `beforeAll`). */
  readonly queue: PushQueue
  keys: { publicKey: string; privateKey: string }
  vapid: { privateKey: string; subject: string }
  /** A worker of the queue, sending to 127.0.0.1, with `extra` options on top. */
  startWorker(extra?: Partial<PushWorkerOptions>): Promise<PushWorker>
  /**
   * `fn` with a worker of the queue started with `extra`; after it, even on failure, the push
   * service's faults are cleared (so a test's faults end with it) and the worker is closed.
   */
  withWorker<T>(extra: Partial<PushWorkerOptions>, fn: (worker: PushWorker) => Promise<T>): Promise<T>
}

/**
 * Registers `beforeAll`/`afterAll` for a world and a queue named `options.name` in it, and makes
 * the file's VAPID keys.
 */
export async function useQueue(options: Omit<PushQueueOptions, 'connection'> & { name: string }): Promise<QueueSuite> {
  const keys = await generateVapidKeys()
  const vapid = { privateKey: keys.privateKey, subject: 'mailto:ops@example.com' }
  let world: World | undefined
  let queue: PushQueue | undefined
  beforeAll(async () => {
    world = await startWorld()
    queue = createPushQueue({ ...options, connection: world.redis.url })
  })
  afterAll(async () => {
    await queue?.close()
    await world?.close()
  })
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} is used before beforeAll made it`)
    return value
  }
  const suite: QueueSuite = {
    get world() {
      return ready(world, 'world')
    },
    get queue() {
      return ready(queue, 'queue')
    },
    keys,
    vapid,
    startWorker: (extra = {}) =>
      startPushWorker({
        connection: suite.world.redis.url,
        name: options.name,
        vapid,
        allowPrivateNetwork: true,
        ...extra,
      }),
    async withWorker(extra, fn) {
      const worker = await suite.startWorker(extra)
      try {
        return await fn(worker)
      } finally {
        suite.world.service.setFaults(undefined)
        await worker.close()
      }
    },
  }
  return suite
}

/** The code of the `WebPushError` that `fn` throws (or rejects with); fails if it is none. */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn()
  } catch (error) {
    expect(error).toBeInstanceOf(WebPushError)
    return (error as WebPushError).code
  }
  throw new Error('it did not throw')
}

/**
 * `n` subscribers of `service` for `publicKey`, made once and handed out again: a test that reads
 * every message it sends leaves them empty for the next.
 */
export async function subscribers(service: PushService, publicKey: string, n: number): Promise<TestSubscriber[]> {
  return Promise.all(Array.from({ length: n }, () => service.subscribe({ applicationServerKey: publicKey })))
}

/** Messages that arrived at `subscriber`, read until none comes for `quietMs`. */
export async function drain(subscriber: TestSubscriber, quietMs = 300): Promise<string[]> {
  const texts: string[] = []
  for (;;) {
    try {
      texts.push((await subscriber.next({ timeoutMs: quietMs })).text)
    } catch {
      return texts
    }
  }
}

/** One attempt as the worker made it: when it left, when its answer came, and the status (0: none). */
export interface Attempt {
  endpoint: string
  sentAt: number
  answeredAt: number
  status: number
}

/** A transport (loopback allowed, no retries of its own) that notes every attempt, and counts those started. */
export function recordingTransport(): { transport: Transport; attempts: Attempt[]; started: () => number } {
  const inner = createTransport({ retry: false, allowPrivateNetwork: true })
  const attempts: Attempt[] = []
  let started = 0
  const transport: Transport = {
    async send(request, options) {
      started++
      const sentAt = Date.now()
      const note = (status: number): void => {
        attempts.push({ endpoint: request.endpoint, sentAt, answeredAt: Date.now(), status })
      }
      try {
        const response = await inner.send(request, options)
        note(response.status)
        return response
      } catch (error) {
        note((error as { response?: { status?: number } }).response?.status ?? 0)
        throw error
      }
    },
    close: () => inner.close(),
  }
  return { transport, attempts, started: () => started }
}

/** Every key of the Redis, by SCAN. */
export async function scanKeys(admin: Redis, match = '*'): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', match, 'COUNT', 1000)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  return keys
}

/** Every key and every value of the Redis, whatever its type, as text (names and values). */
export async function dumpRedis(admin: Redis): Promise<string> {
  const parts: string[] = []
  for (const key of await scanKeys(admin)) {
    const type = await admin.type(key)
    if (type === 'none') continue // removed since the scan (a job done meanwhile)
    parts.push(key)
    if (type === 'string') parts.push((await admin.get(key)) ?? '')
    else if (type === 'hash') parts.push(...Object.entries(await admin.hgetall(key)).flat())
    else if (type === 'list') parts.push(...(await admin.lrange(key, 0, -1)))
    else if (type === 'set') parts.push(...(await admin.smembers(key)))
    else if (type === 'zset') parts.push(...(await admin.zrange(key, 0, -1, 'WITHSCORES')))
    else if (type === 'stream') for (const [id, fields] of await admin.xrange(key, '-', '+')) parts.push(id, ...fields)
    else throw new Error(`key ${key} has a type the dump does not read: ${type}`)
  }
  return parts.join('\n')
}
