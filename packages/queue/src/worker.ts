/** `startPushWorker()`: takes a queue's chunks and sends them, in as many processes as needed. */
import { setMaxListeners } from 'node:events'
import { WebPushError } from '@wp/ece'
import { base64Decode, describeValue } from '@wp/ece/utils'
import { type PushResponse, PushServiceError, type Transport, type TransportOptions } from '@wp/transport'
import { loadVapidKey, type VapidKey, type VapidKeyInput } from '@wp/vapid'
import { createPushClient, type MessageOptions, outcomeOf, type PushClient, type SendOutcome } from '@wp/webpush'
import { DelayedError, type Job, Queue, WaitingError, Worker } from 'bullmq'
import { encodeResult, type ItemResult } from './internal/codec.js'
import { type BatchKeys, batchKeys } from './internal/keys.js'
import { checkName, checkOptionNames, positiveInteger } from './internal/options.js'
import { Recorder } from './internal/recorder.js'
import { connect, disconnect, invalid, type RedisConnection } from './internal/redis.js'
import { withScripts } from './internal/scripts.js'
import { Slots } from './internal/slots.js'
import { type ChunkData, chunkJobOptions } from './queue.js'

/** Options of {@link startPushWorker}. */
export interface PushWorkerOptions {
  /** Redis: a `redis://` URL or ioredis options. */
  connection: RedisConnection
  /** The queue's name (default `'wp-push'`). */
  name?: string
  /** The VAPID key (anything `importVapidKey` takes, or a key file's path) and subject. Required. */
  vapid: { privateKey: VapidKey | VapidKeyInput; subject: string }
  /** Messages in flight in this worker, across every chunk it holds (default 100). */
  concurrency?: number
  /** A `Transport` (the caller closes it), or the options of the one the worker makes (default: no in-transport retries). */
  transport?: Transport | TransportOptions
  /** Allow endpoints on private networks: `true`, or the origins that alone may be (default false). */
  allowPrivateNetwork?: boolean | string[]
  /** Called once per subscription the push service reports gone (404, 410), with the subscription as enqueued. */
  onGone?: (subscription: unknown) => void
  /** Attempts per message, the first included, for 429, 5xx, network failures and timeouts (default 5). */
  maxAttempts?: number
  /** Longest wait asked by a `Retry-After` that is honoured (ms, default 3600000); past it the refusal is final. */
  maxRetryDelayMs?: number
  /**
   * How long a chunk stays locked by a worker that stopped answering, in ms (default 30000). A chunk
   * of a dead worker runs again on another within about twice this.
   */
  lockDuration?: number
  /** How long `close()` lets messages in flight finish before aborting them, in ms (default 8000). */
  drainTimeoutMs?: number
  /** Called with errors of the connection to Redis (the worker reconnects by itself). */
  onError?: (error: Error) => void
}

/** A running worker. */
export interface PushWorker {
  /**
   * Stops: no new message starts, those in flight finish and record their results, the rest of
   * every chunk held goes back on the queue. Settles within `drainTimeoutMs` plus a second or two.
   */
  close(): Promise<void>
}

const WORKER_OPTIONS = [
  'connection',
  'name',
  'vapid',
  'concurrency',
  'transport',
  'allowPrivateNetwork',
  'onGone',
  'maxAttempts',
  'maxRetryDelayMs',
  'lockDuration',
  'drainTimeoutMs',
  'onError',
]

/** Outcomes worth another attempt: the service asked to wait, or no answer came. */
const RETRYABLE: ReadonlySet<SendOutcome> = new Set(['rate-limited', 'server-error', 'network', 'timeout'])

/** How long `close()` waits, past the drain deadline, for BullMQ to let go before cutting its connections. */
const CLOSE_GRACE_MS = 1000

/** The message of a batch, as the worker reads it from Redis once. */
interface Message {
  payload: Uint8Array | undefined
  options: MessageOptions
  /** The batch's `retentionSeconds`. */
  retention: number
}

/** The attempt counts of `indices` only. */
function pick(attempts: Record<string, number>, indices: ReadonlySet<number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [index, made] of Object.entries(attempts)) if (indices.has(Number(index))) out[index] = made
  return out
}

/** The wait before attempt `made + 1`: as the service asked, else 1 s doubled per attempt, jittered. */
function retryDelay(error: unknown, made: number): number {
  if (error instanceof PushServiceError && error.retryAfterMs !== undefined) return error.retryAfterMs
  const base = 1000 * 2 ** (made - 1)
  return Math.min(60_000, base / 2 + Math.random() * (base / 2))
}

/**
 * Starts a worker: it takes chunks of the queue `name` and sends them with its own `PushClient`
 * and VAPID key. Run as many as needed, on as many machines.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options (a missing `vapid.privateKey`
 *   named), `ERR_WP_VAPID_KEY` / `ERR_WP_VAPID_CLAIMS` for a bad key or subject
 * @example
 * const worker = await startPushWorker({ connection: 'redis://127.0.0.1:6379', vapid: { privateKey, subject: 'mailto:ops@example.com' } })
 * process.once('SIGTERM', () => worker.close())
 */
export async function startPushWorker(options: PushWorkerOptions): Promise<PushWorker> {
  if (typeof options !== 'object' || options === null)
    throw invalid(`options must be an object { connection, vapid, ... }, got ${describeValue(options)}`)
  checkOptionNames(options, WORKER_OPTIONS)
  if (options.connection === undefined) throw invalid('connection is required: a redis:// URL or ioredis options')
  const vapid = options.vapid as { privateKey?: unknown; subject?: unknown } | undefined
  if (typeof vapid !== 'object' || vapid === null || vapid.privateKey === undefined)
    throw invalid('vapid.privateKey is required: a worker signs its messages with its own key (none is ever in Redis)')
  if (options.onGone !== undefined && typeof options.onGone !== 'function')
    throw invalid(`onGone must be a function, got ${describeValue(options.onGone)}`)
  const name = checkName(options.name)
  const concurrency = positiveInteger(options.concurrency, 'concurrency', 100)
  const maxAttempts = positiveInteger(options.maxAttempts, 'maxAttempts', 5)
  const maxRetryDelayMs = positiveInteger(options.maxRetryDelayMs, 'maxRetryDelayMs', 3_600_000)
  const lockDuration = positiveInteger(options.lockDuration, 'lockDuration', 30_000)
  const drainTimeoutMs = positiveInteger(options.drainTimeoutMs, 'drainTimeoutMs', 8000)
  const onError = options.onError ?? (() => {})
  const key = await loadVapidKey(vapid.privateKey as VapidKeyInput)

  const transport =
    options.transport === undefined
      ? { retry: false as const }
      : typeof (options.transport as Transport).send === 'function'
        ? options.transport
        : { retry: false as const, ...(options.transport as TransportOptions) }
  const client: PushClient = createPushClient({
    vapid: { privateKey: key, subject: vapid.subject as string },
    transport,
    concurrency,
    ...(options.allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork: options.allowPrivateNetwork }),
  })

  const redis = withScripts(connect(options.connection))
  redis.on('error', onError)
  const recorder = new Recorder(redis)
  const slots = new Slots(concurrency)
  const abort = new AbortController()
  setMaxListeners(0, abort.signal) // one listener per message in flight
  const messages = new Map<string, Promise<Message | null>>()
  let stopping = false

  /** The message of batch `id` (null when the batch is gone), read once and kept for a while. */
  const messageOf = (id: string, keys: BatchKeys): Promise<Message | null> => {
    let message = messages.get(id)
    if (message === undefined) {
      message = redis
        .hmget(keys.meta, 'created', 'hasPayload', 'payload', 'options', 'retention')
        .then(([created, hasPayload, payload, json, retention]) =>
          created === null
            ? null
            : {
                payload: hasPayload === '1' ? base64Decode(payload ?? '') : undefined,
                options: JSON.parse(json ?? '{}') as MessageOptions,
                retention: Number(retention ?? 604_800),
              },
        )
      message.catch(() => messages.delete(id))
      messages.set(id, message)
      if (messages.size > 256) messages.delete(messages.keys().next().value as string)
    }
    return message
  }

  /** Sends one item and records its final result; the outcome, or `null` when it must run again. */
  const sendOne = async (
    keys: BatchKeys,
    message: Message,
    index: number,
    subscription: unknown,
    made: number,
  ): Promise<{ retryIn?: number } | null> => {
    let result: ItemResult
    try {
      const response: PushResponse = await client.send(subscription as never, message.payload, {
        ...message.options,
        signal: abort.signal,
      })
      result = { outcome: response.outcome, ok: true, response }
    } catch (error) {
      const outcome = outcomeOf(error)
      if (outcome === 'aborted') return null
      if (RETRYABLE.has(outcome) && made + 1 < maxAttempts) {
        const wait = retryDelay(error, made + 1)
        if (wait <= maxRetryDelayMs) return { retryIn: wait }
      }
      result = { outcome, ok: false, error }
      if (error instanceof PushServiceError) result.response = error.response
    }
    const first = await recorder.record(keys, index, encodeResult(subscription, result), result.outcome)
    if (first && result.outcome === 'gone') {
      try {
        options.onGone?.(subscription)
      } catch {
        // the application's callback: its failure is not the batch's
      }
    }
    return {}
  }

  /** The queue, to add the chunks a retry splits off (made on the first split). */
  let splitter: Queue<ChunkData> | undefined
  const splitQueue = (): Queue<ChunkData> => {
    if (splitter === undefined) {
      splitter = new Queue<ChunkData>(name, { connection: redis })
      splitter.on('error', onError)
    }
    return splitter
  }

  const processChunk = async (job: Job<ChunkData>, token?: string): Promise<void> => {
    const { b: id, items } = job.data
    const keys = batchKeys(name, id)
    const message = await messageOf(id, keys)
    if (message === null) return // the batch expired or was never made: nothing to send it for
    const recorded = await redis.hmget(keys.results, ...items.map(([index]) => String(index)))
    const attempts: Record<string, number> = { ...job.data.a }
    /** The wait each item to retry asked for, by index. */
    const retries = new Map<number, number>()
    let unfinished = 0
    await Promise.all(
      items.map(async ([index, subscription], k) => {
        if (recorded[k] !== null) return
        const release = await slots.acquire()
        if (release === null) {
          unfinished++
          return
        }
        try {
          const made = attempts[index] ?? 0
          const done = await sendOne(keys, message, index, subscription, made)
          if (done === null) unfinished++
          else if (done.retryIn !== undefined) {
            attempts[index] = made + 1
            retries.set(index, done.retryIn)
          }
        } catch {
          unfinished++ // not recorded (Redis away while stopping): it runs again
        } finally {
          release()
        }
      }),
    )
    if (retries.size > 0) {
      // Retries wait in Redis as delayed jobs, never in this worker. Items asked to wait much longer
      // than the soonest (one push service's long rate limit among others' short ones) go to a
      // chunk of their own, so each waits about as long as it was asked, not as long as the longest.
      const soonest = Math.min(...retries.values())
      const horizon = soonest + Math.max(1000, soonest)
      const later = items.filter(([index]) => (retries.get(index) ?? -1) > horizon)
      let kept = items
      const split = job.data.s ?? 0
      if (later.length > 0) {
        const moved = new Set(later.map(([index]) => index))
        kept = items.filter(([index]) => !moved.has(index))
        const wait = Math.max(...later.map(([index]) => retries.get(index) ?? 0))
        // A deterministic id: if this worker dies before the update below, the re-run's split is
        // the same job, and adding it again does nothing.
        await splitQueue().add(
          'chunk',
          { b: id, items: later, a: pick(attempts, moved) },
          { ...chunkJobOptions(message.retention), jobId: `${job.id}~${split}`, delay: Math.ceil(wait) },
        )
      }
      const keptIndices = new Set(kept.map(([index]) => index))
      const wait = Math.max(...[...retries].filter(([index]) => keptIndices.has(index)).map(([, ms]) => ms))
      await job.updateData({
        b: id,
        items: kept,
        a: pick(attempts, keptIndices),
        ...(later.length > 0 || split > 0 ? { s: later.length > 0 ? split + 1 : split } : {}),
      })
      await job.moveToDelayed(Date.now() + Math.ceil(wait), token)
      throw new DelayedError()
    }
    if (unfinished > 0) {
      await job.moveToWait(token)
      throw new WaitingError()
    }
  }

  const workerConnection = redis.duplicate()
  workerConnection.on('error', onError)
  const worker = new Worker<ChunkData>(name, processChunk, {
    connection: workerConnection,
    // Chunks held at once: enough that a chunk's tail never leaves the slots idle.
    concurrency: Math.min(32, Math.max(2, Math.ceil(concurrency / 100) + 1)),
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 10,
  })
  worker.on('error', onError)
  // A chunk that failed for good (past every attempt): its items without a result get one, so the
  // batch still finishes with exactly one result per subscription.
  worker.on('failed', (job, error) => {
    if (job === undefined || stopping) return
    void finishFailed(job, error).catch(onError)
  })

  const finishFailed = async (job: Job<ChunkData>, error: Error): Promise<void> => {
    if ((await job.getState()) !== 'failed') return
    const keys = batchKeys(name, job.data.b)
    const failure = new WebPushError('ERR_WP_NETWORK', `the chunk failed after every attempt: ${error.message}`)
    await Promise.all(
      job.data.items.map(([index, subscription]) =>
        recorder.record(
          keys,
          index,
          encodeResult(subscription, { outcome: 'network', ok: false, error: failure }),
          'network',
        ),
      ),
    )
  }

  await worker.waitUntilReady()
  let closing: Promise<void> | undefined
  return {
    close() {
      closing ??= (async () => {
        stopping = true
        slots.stop()
        const drained = worker.close().then(() => recorder.idle())
        drained.catch(onError)
        // Past the drain deadline, what is still in flight is given up: requests are aborted and
        // results that cannot be written (Redis away) are dropped, so those items run again. With
        // Redis away BullMQ's own close waits for ever (commands wait for Redis): it gets a little
        // longer, then the connections are cut under it.
        let timer: NodeJS.Timeout | undefined
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            abort.abort()
            recorder.stop()
            timer = setTimeout(resolve, CLOSE_GRACE_MS)
          }, drainTimeoutMs)
        })
        try {
          await Promise.race([drained, deadline])
        } finally {
          clearTimeout(timer)
          recorder.stop()
          await splitter?.close()
          await client.close()
          await disconnect(workerConnection)
          await disconnect(redis)
        }
      })()
      return closing
    },
  }
}
