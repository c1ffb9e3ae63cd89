/** `createPushQueue()`: batches of any size put on a BullMQ queue in chunks, and their results read back. */
import { randomUUID } from 'node:crypto'
import { WebPushError } from '@wp/ece'
import { base64Encode, describeValue } from '@wp/ece/utils'
import { checkMessage, checkSubscription, type MessageOptions, type SendOutcome, type SendResult } from '@wp/webpush'
import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { decodeResult, encodeResult } from './internal/codec.js'
import { BATCH_ID, batchKeys } from './internal/keys.js'
import { checkName, checkOptionNames, positiveInteger } from './internal/options.js'
import { connect, disconnect, invalid, type RedisConnection } from './internal/redis.js'
import { type ScriptedRedis, withScripts } from './internal/scripts.js'

/** Options of {@link createPushQueue}. */
export interface PushQueueOptions {
  /** Redis: a `redis://` URL or ioredis options. */
  connection: RedisConnection
  /** The queue's name (default `'wp-push'`); workers started with the same name take its chunks. */
  name?: string
  /** Subscriptions per job (default 500). */
  chunkSize?: number
  /** How long a finished batch's results are kept, in seconds (default 604800: 7 days). */
  retentionSeconds?: number
  /** Called with errors of the connections to Redis (they reconnect by themselves; commands wait meanwhile). */
  onError?: (error: Error) => void
}

/** Where a batch stands. */
export interface BatchStatus {
  /** Subscriptions enqueued so far (all of them once `enqueueMany` has resolved). */
  total: number
  /** Subscriptions with their final result. */
  completed: number
  /** Final results by outcome. */
  byOutcome: Partial<Record<SendOutcome, number>>
  /** True once every subscription has its final result. */
  finished: boolean
}

/** A queue of push batches: enqueue here, send with workers (`startPushWorker`) anywhere. */
export interface PushQueue {
  /** Enqueues one message; resolves to its batch id (a batch of one). */
  enqueue(subscription: unknown, data?: unknown, options?: MessageOptions): Promise<string>
  /**
   * Enqueues `data` for every subscription of `subscriptions` (an array or any (async) iterable of
   * any size, read lazily and added in chunks). A bad subscription never rejects the batch: it gets
   * an `'invalid'` result. Bad `data` or options reject before anything is enqueued.
   * @returns the batch id, once every subscription is enqueued
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` (or `checkMessage`'s code) for bad data, options
   *   or a source that is not iterable, before anything is enqueued. When the source itself throws,
   *   the batch is sealed with the items read so far (they are sent) and that error is rejected
   *   with, carrying the batch id as `batchId` (when it is an object that can take it).
   * @throws WebPushError `ERR_WP_CLOSED` when the queue is closed, before or during the reading (then
   *   the batch is sealed with the items read, and the error carries `batchId`)
   */
  enqueueMany(
    subscriptions: Iterable<unknown> | AsyncIterable<unknown>,
    data?: unknown,
    options?: MessageOptions,
  ): Promise<string>
  /**
   * Where batch `id` stands.
   * @throws WebPushError `ERR_WP_BATCH_NOT_FOUND` for an unknown or expired id
   */
  batch(id: string): Promise<BatchStatus>
  /**
   * The batch's results, one per subscription, in completion order; follows an unfinished batch
   * until it finishes. `index` is the position in `enqueueMany`'s iterable.
   * @throws WebPushError `ERR_WP_BATCH_NOT_FOUND` (from the first `next()`) for an unknown or expired id
   */
  results(id: string): AsyncIterable<SendResult>
  /**
   * Closes the queue's connections; open `results()` iterations end. An `enqueueMany` under way
   * stops reading its source, seals its batch with the items read (they are sent) and rejects with
   * `ERR_WP_CLOSED` carrying `batchId`.
   */
  close(): Promise<void>
}

const QUEUE_OPTIONS = ['connection', 'name', 'chunkSize', 'retentionSeconds', 'onError']
/** Jobs added to Redis in one round trip. */
const JOBS_PER_ADD = 20
/** What `close()` waits for an `enqueueMany` under way to seal its batch, in ms. */
const SEAL_WAIT_MS = 5000
/** How long a source may keep `enqueueMany` waiting before what was read goes on the queue, in ms. */
const SLOW_SOURCE_MS = 100
/** What a slow source's `next()` loses a race against. */
const IDLE: unique symbol = Symbol('idle')
/** What a source's `next()` loses a race against when the queue closes. */
const CLOSED: unique symbol = Symbol('closed')
/** Retries of a chunk whose processing threw (Redis away, a worker bug): one second apart. */
export const CHUNK_ATTEMPTS = 50

/** A chunk job's data: the batch id and the items `[index, subscription as enqueued]`. */
export interface ChunkData {
  b: string
  items: [number, unknown][]
  /** Attempts made so far, by index, for items waiting to be retried. */
  a?: Record<string, number>
  /** Chunks split off this one so far (their job ids end `~0`, `~1`, ...). */
  s?: number
}

/** The options of every chunk job: removed when done, kept `retention` seconds when failed, retried a second apart. */
export function chunkJobOptions(retention: number): {
  removeOnComplete: true
  removeOnFail: { age: number }
  attempts: number
  backoff: { type: 'fixed'; delay: number }
} {
  return {
    removeOnComplete: true,
    removeOnFail: { age: retention },
    attempts: CHUNK_ATTEMPTS,
    backoff: { type: 'fixed', delay: 1000 },
  }
}

/** Puts `batchId` on a thrown object (not on a primitive, nor on a frozen object: nowhere to put it). */
function withBatchId(error: unknown, id: string): void {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return
  try {
    Object.defineProperty(error, 'batchId', { value: id, enumerable: true, configurable: true, writable: true })
  } catch {
    // frozen
  }
}

/** An unknown or expired batch, named: a batch id is no secret (anything else is only described). */
function notFound(id: unknown): WebPushError {
  const named =
    typeof id === 'string' && BATCH_ID.test(id)
      ? id
      : `${describeValue(id)}, which is not a batch id (a UUID, as enqueueMany gives)`
  return new WebPushError('ERR_WP_BATCH_NOT_FOUND', `no batch ${named}: unknown, or its results expired`)
}

/** Reads `source` as an async iterator (arrays and sync iterables included). */
function toIterator(source: unknown): AsyncIterator<unknown> | Iterator<unknown> {
  if (source !== null && typeof source === 'object') {
    const s = source as {
      [Symbol.asyncIterator]?: () => AsyncIterator<unknown>
      [Symbol.iterator]?: () => Iterator<unknown>
    }
    if (typeof s[Symbol.asyncIterator] === 'function')
      return (s[Symbol.asyncIterator] as () => AsyncIterator<unknown>)()
    if (typeof s[Symbol.iterator] === 'function') return (s[Symbol.iterator] as () => Iterator<unknown>)()
  }
  throw invalid(`subscriptions must be an array or an (async) iterable, got ${describeValue(source)}`)
}

/**
 * The subscription as it will be stored, sent and given back (its JSON round trip, so what is
 * checked is what a worker will send), or the error that makes it `'invalid'` and the form its
 * result keeps (`null` when JSON cannot hold it). Endpoints on private networks pass here: each
 * worker's own guard judges them.
 */
function admit(item: unknown): { subscription: unknown } | { error: unknown; stored: unknown } {
  let json: string | undefined
  try {
    json = JSON.stringify(item)
  } catch {
    // A cycle, a BigInt, a getter that throws: nothing a worker could be given. The thrown error
    // itself is not kept: its message may quote the item.
    return {
      error: invalid('subscription must be JSON data { endpoint, keys }, got an object JSON.stringify cannot write'),
      stored: null,
    }
  }
  const stored = json === undefined ? null : (JSON.parse(json) as unknown)
  try {
    checkSubscription(json === undefined ? item : stored, { allowPrivateNetwork: true })
    return { subscription: stored }
  } catch (error) {
    return { error, stored }
  }
}

/**
 * Creates a push queue on Redis. Nothing secret goes into Redis: the message's data and options
 * and the subscriptions, never a private key (workers hold their own).
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options
 * @example
 * const queue = createPushQueue({ connection: 'redis://127.0.0.1:6379' })
 * const id = await queue.enqueueMany(subscriptions, { title: 'Hello' })
 * for await (const result of queue.results(id)) if (result.outcome === 'gone') forget(result.subscription)
 */
export function createPushQueue(options: PushQueueOptions): PushQueue {
  if (typeof options !== 'object' || options === null)
    throw invalid(`options must be an object { connection, ... }, got ${describeValue(options)}`)
  checkOptionNames(options, QUEUE_OPTIONS)
  if (options.connection === undefined) throw invalid('connection is required: a redis:// URL or ioredis options')
  const name = checkName(options.name)
  const chunkSize = positiveInteger(options.chunkSize, 'chunkSize', 500)
  const retention = positiveInteger(options.retentionSeconds, 'retentionSeconds', 604_800)
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw invalid(`onError must be a function, got ${describeValue(options.onError)}`)
  const onError = options.onError ?? (() => {})
  const redis: ScriptedRedis = withScripts(connect(options.connection))
  redis.on('error', onError)
  const queueConnection = redis.duplicate()
  queueConnection.on('error', onError)
  const queue = new Queue<ChunkData>(name, {
    connection: queueConnection,
    defaultJobOptions: chunkJobOptions(retention),
  })
  queue.on('error', onError)
  const readers = new Set<Redis>()
  let closed = false
  /** Wakes each `enqueueMany` waiting on its source with CLOSED: `close()` calls them. */
  const wakers = new Set<(value: typeof CLOSED) => void>()
  /**
   * `next` unless the queue closes first. The waiter is made per call and dropped after it: one
   * promise for the queue's life would keep a callback for every item ever read.
   */
  const unlessClosed = <T>(next: T | PromiseLike<T>): Promise<T | typeof CLOSED> => {
    let wake: (value: typeof CLOSED) => void = () => {}
    const closing = new Promise<typeof CLOSED>((resolve) => {
      wake = resolve
    })
    wakers.add(wake)
    return Promise.race([next, closing]).finally(() => wakers.delete(wake))
  }
  /** `enqueueMany` calls under way: `close()` lets each seal its batch before the connections go. */
  const enqueuing = new Set<Promise<string>>()

  const checkOpen = (): void => {
    if (closed) throw new WebPushError('ERR_WP_CLOSED', 'the queue is closed')
  }

  function enqueueMany(
    subscriptions: Iterable<unknown> | AsyncIterable<unknown>,
    data?: unknown,
    messageOptions?: MessageOptions,
  ): Promise<string> {
    const running = enqueueBatch(subscriptions, data, messageOptions)
    enqueuing.add(running)
    void running.catch(() => {}).finally(() => enqueuing.delete(running))
    return running
  }

  async function enqueueBatch(
    subscriptions: Iterable<unknown> | AsyncIterable<unknown>,
    data?: unknown,
    messageOptions?: MessageOptions,
  ): Promise<string> {
    checkOpen()
    const payload = checkMessage(data, messageOptions)
    const iterator = toIterator(subscriptions)
    const id = randomUUID()
    const keys = batchKeys(name, id)
    // Until it is sealed, a batch lives as long as its enqueuer shows signs of life: every flush
    // renews this, and a batch whose enqueuing process died expires instead of waiting for ever.
    await redis
      .multi()
      .hset(keys.meta, {
        created: Date.now(),
        retention,
        completed: 0,
        payload: payload === undefined ? '' : base64Encode(payload),
        hasPayload: payload === undefined ? 0 : 1,
        options: JSON.stringify(messageOptions ?? {}),
      })
      .expire(keys.meta, retention)
      .exec()
    let index = 0
    let chunkNo = 0
    let chunk: [number, unknown][] = []
    let jobs: { name: string; data: ChunkData; opts: { jobId: string } }[] = []
    let refused: (string | number)[] = []
    const flush = async (): Promise<void> => {
      if (chunk.length > 0) {
        jobs.push({ name: 'chunk', data: { b: id, items: chunk }, opts: { jobId: `${id}-${chunkNo++}` } })
        chunk = []
      }
      if (jobs.length > 0) {
        await queue.addBulk(jobs)
        jobs = []
      }
      if (refused.length > 0) {
        await redis.wpRecord(keys.meta, keys.results, keys.stream, keys.receipt(randomUUID()), Date.now(), ...refused)
        refused = []
      }
      await redis
        .multi()
        .expire(keys.meta, retention)
        .expire(keys.results, retention)
        .expire(keys.stream, retention)
        .exec()
    }
    const isAsync = typeof (subscriptions as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    /**
     * The source's next item, or CLOSED. An async source that keeps us waiting (a cursor on its
     * next page) first has what was read put on the queue, so workers send it meanwhile; a sync
     * source cannot keep us waiting, and its items skip the timer.
     */
    const nextItem = async (): Promise<IteratorResult<unknown> | typeof CLOSED> => {
      if (!isAsync) return (iterator as Iterator<unknown>).next()
      const next = (iterator as AsyncIterator<unknown>).next()
      if (chunk.length === 0 && jobs.length === 0 && refused.length === 0) return unlessClosed(next)
      let timer: NodeJS.Timeout | undefined
      const idle = new Promise<typeof IDLE>((resolve) => {
        timer = setTimeout(resolve, SLOW_SOURCE_MS, IDLE)
      })
      try {
        const first = await unlessClosed(Promise.race([next, idle]))
        if (first !== IDLE) return first
      } finally {
        clearTimeout(timer)
      }
      await flush()
      return unlessClosed(next)
    }
    try {
      for (;;) {
        // Closing stops the reading (a source may never end) and seals what was read, so the batch
        // still finishes; else it would stay unsealed in Redis for ever.
        const step = closed ? CLOSED : await nextItem()
        if (step === CLOSED) {
          Promise.resolve()
            .then(() => iterator.return?.())
            .catch(() => {})
          throw new WebPushError(
            'ERR_WP_CLOSED',
            `the queue was closed while enqueueMany read its source: the batch is sealed with the ${index} items read`,
          )
        }
        if (step.done === true) break
        const admitted = admit(step.value)
        if ('subscription' in admitted) {
          chunk.push([index, admitted.subscription])
          if (chunk.length >= chunkSize) {
            jobs.push({ name: 'chunk', data: { b: id, items: chunk }, opts: { jobId: `${id}-${chunkNo++}` } })
            chunk = []
            if (jobs.length >= JOBS_PER_ADD) await flush()
          }
        } else {
          const stored = encodeResult(admitted.stored, { outcome: 'invalid', ok: false, error: admitted.error })
          refused.push(index, stored, 'invalid')
          if (refused.length >= 3 * chunkSize) await flush()
        }
        index++
      }
    } catch (error) {
      // The batch exists (sealed below, its items sent): the caller learns its id from the error.
      withBatchId(error, id)
      throw error
    } finally {
      // What was read is enqueued and the batch sealed at that size, even when the source threw:
      // a batch always finishes.
      await flush()
      await redis.wpSeal(keys.meta, keys.results, keys.stream, index, Date.now())
    }
    return id
  }

  async function status(id: string): Promise<BatchStatus> {
    checkOpen()
    if (typeof id !== 'string' || !BATCH_ID.test(id)) throw notFound(id)
    const meta = await redis.hgetall(batchKeys(name, id).meta)
    if (meta.created === undefined) throw notFound(id)
    const byOutcome: Partial<Record<SendOutcome, number>> = {}
    for (const [field, value] of Object.entries(meta))
      if (field.startsWith('o:')) byOutcome[field.slice(2) as SendOutcome] = Number(value)
    const completed = Number(meta.completed ?? 0)
    // `total` is set when the batch is sealed, before its id is returned: unset only mid-enqueue.
    const total = Number(meta.total ?? completed)
    return { total, completed, byOutcome, finished: meta.finished === '1' }
  }

  async function* results(id: string): AsyncGenerator<SendResult> {
    checkOpen()
    if (typeof id !== 'string' || !BATCH_ID.test(id)) throw notFound(id)
    const keys = batchKeys(name, id)
    if ((await redis.exists(keys.meta)) === 0) throw notFound(id)
    // A connection of its own: XREAD BLOCK holds it.
    const reader = redis.duplicate()
    reader.on('error', onError)
    readers.add(reader)
    try {
      let cursor = '0'
      for (;;) {
        if (closed) return
        const reply = (await reader.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', keys.stream, cursor)) as
          | [string, [string, string[]][]][]
          | null
        if (reply === null) {
          if ((await reader.exists(keys.meta)) === 0) throw notFound(id)
          continue
        }
        const entries = reply[0]?.[1] ?? []
        const indices: string[] = []
        let ended = false
        for (const [entryId, fields] of entries) {
          cursor = entryId
          if (fields[0] === 'i' && fields[1] !== undefined) indices.push(fields[1])
          else if (fields[0] === 'end') ended = true
        }
        if (indices.length > 0) {
          const stored = await reader.hmget(keys.results, ...indices)
          for (let i = 0; i < indices.length; i++) {
            const json = stored[i]
            if (json !== null && json !== undefined) yield decodeResult(Number(indices[i]), json)
          }
        }
        if (ended) return
      }
    } catch (error) {
      if (closed) return
      throw error
    } finally {
      readers.delete(reader)
      reader.disconnect()
    }
  }

  return {
    enqueue: (subscription, data, messageOptions) => enqueueMany([subscription], data, messageOptions),
    enqueueMany,
    batch: status,
    results,
    async close() {
      if (closed) return
      closed = true
      for (const wake of wakers) wake(CLOSED)
      for (const reader of readers) reader.disconnect()
      if (enqueuing.size > 0) {
        // Batches being enqueued seal first; bounded, since Redis may be away.
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          Promise.allSettled(enqueuing),
          new Promise((resolve) => {
            timer = setTimeout(resolve, SEAL_WAIT_MS)
          }),
        ])
        clearTimeout(timer)
      }
      await queue.close()
      await disconnect(queueConnection)
      await disconnect(redis)
    },
  }
}
