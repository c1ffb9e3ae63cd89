/**
 * How a batch is sent: in this process through one long-lived `PushClient`, or, with `REDIS_URL`,
 * through @wp/queue (a queue in Redis and a worker beside the demo). Both give the same results, one
 * per subscription as it ends, so the notify route records them the same way.
 */
import { createHash } from 'node:crypto'
import { WebPushError } from '@wp/ece'
import { createPushQueue, type PushQueue, type PushWorker, startPushWorker } from '@wp/queue'
import type { VapidKey } from '@wp/vapid'
import type { MessageOptions, PushClient, SendResult } from '@wp/webpush'
import type { StoredSubscription } from '../db.js'

/** Sends one message to many subscriptions. */
export interface Sender {
  /** `'in-process'`, or `'queue'` with the queue's name. */
  readonly mode: 'in-process' | 'queue'
  /**
   * Sends `payload` to every target; yields each one's final result as it ends. When `signal` is
   * aborted the in-process sender reports the rest `'aborted'`; the queue's sender stops following
   * (the batch stays in Redis for the workers).
   */
  send(
    targets: Iterable<StoredSubscription>,
    payload: string,
    options: MessageOptions & { signal: AbortSignal },
  ): AsyncIterable<SendResult<StoredSubscription>>
  /** Stops sending: workers drain, connections close. */
  close(): Promise<void>
}

/** The in-process sender: the client's `sendMany`. */
export function clientSender(client: PushClient): Sender {
  return {
    mode: 'in-process',
    send: (targets, payload, options) => client.sendMany(targets, payload, options),
    close: () => client.close(),
  }
}

/** What the queue's sender needs. */
export interface QueueSenderOptions {
  /** `REDIS_URL`. */
  redisUrl: string
  /** The demo's VAPID key: the worker signs with it (it never goes into Redis). */
  key: VapidKey
  subject: string
  /** As the in-process client's: the local push service's origin alone, or nothing. */
  allowPrivateNetwork: false | string[]
  /** A subscription the push service reported gone (as enqueued: with its `id`). */
  onGone: (subscription: StoredSubscription) => void
  /** Notices: the connection to Redis failing and coming back. */
  log: (line: string) => void
  /** How long Redis may take to answer at start (default 5000 ms). */
  connectTimeoutMs?: number
}

/** A queue sender's extra: the queue's name, for workers started elsewhere. */
export interface QueueSender extends Sender {
  readonly queueName: string
}

/**
 * Messages a worker keeps in flight: the in-process client's default, so both modes load the push
 * services alike.
 */
const WORKER_CONCURRENCY = 100
/**
 * How long the worker lets messages in flight finish on close: short enough that the command's
 * 4 s shutdown deadline holds (what is not sent goes back on the queue, nothing is lost).
 */
const WORKER_DRAIN_MS = 2000
/** A batch id that no batch has: asking for it is a round trip that proves Redis answers. */
const NO_BATCH = '00000000-0000-4000-8000-000000000000'

/**
 * The queue's name: one per VAPID key, so a worker never takes a chunk it would sign with another
 * key (a demo with another `DATA_DIR` on the same Redis keeps to its own queue).
 */
export function queueNameOf(applicationServerKey: string): string {
  return `wp-demo-${createHash('sha256').update(applicationServerKey).digest('hex').slice(0, 16)}`
}

/** Waits for `promise` at most `ms`; undefined when the time ran out first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise.then((value) => ({ value })), late])
  } finally {
    clearTimeout(timer)
  }
}

function unreachable(ms: number): WebPushError {
  return new WebPushError('ERR_WP_NETWORK', `cannot reach Redis at REDIS_URL within ${ms / 1000} s: is it running?`)
}

/**
 * Creates the queue and starts one worker in this process. One is enough: a worker keeps
 * `concurrency` messages in flight across every chunk it holds, as the in-process client does, and
 * more machines take part by running `wp-push-worker` with the same key and queue name.
 * @throws WebPushError `ERR_WP_NETWORK` when Redis does not answer within `connectTimeoutMs`
 */
export async function startQueueSender(options: QueueSenderOptions): Promise<QueueSender> {
  const timeoutMs = options.connectTimeoutMs ?? 5000
  const name = queueNameOf(options.key.applicationServerKey)
  const queue: PushQueue = createPushQueue({ connection: options.redisUrl, name })
  // Commands wait while Redis is away (a restart mid-batch loses nothing); at start, an unreachable
  // Redis is a setting to fix, said at once rather than a demo that hangs on its first send.
  const answered = await within(
    queue.batch(NO_BATCH).then(
      () => true,
      (error: unknown) => WebPushError.is(error) && error.code === 'ERR_WP_BATCH_NOT_FOUND',
    ),
    timeoutMs,
  )
  if (answered?.value !== true) {
    void queue.close().catch(() => {})
    throw unreachable(timeoutMs)
  }
  let lastError = ''
  const starting = startPushWorker({
    connection: options.redisUrl,
    name,
    vapid: { privateKey: options.key, subject: options.subject },
    concurrency: WORKER_CONCURRENCY,
    allowPrivateNetwork: options.allowPrivateNetwork,
    drainTimeoutMs: WORKER_DRAIN_MS,
    onGone: (subscription) => options.onGone(subscription as StoredSubscription),
    // ioredis reports every reconnection attempt: one line per new kind of failure is enough.
    onError: (error) => {
      if (error.message === lastError) return
      lastError = error.message
      options.log(`demo: redis: ${error.message}`)
    },
  })
  const started = await within(starting, timeoutMs).catch(async (error: unknown) => {
    await queue.close().catch(() => {})
    throw error
  })
  if (started === undefined) {
    void starting.then((late) => late.close()).catch(() => {})
    void queue.close().catch(() => {})
    throw unreachable(timeoutMs)
  }
  const worker: PushWorker = started.value

  async function* send(
    targets: Iterable<StoredSubscription>,
    payload: string,
    sendOptions: MessageOptions & { signal: AbortSignal },
  ): AsyncGenerator<SendResult<StoredSubscription>> {
    const { signal, ...message } = sendOptions
    if (signal.aborted) return
    const id = await queue.enqueueMany(targets, payload, message)
    const results = queue.results(id)[Symbol.asyncIterator]()
    // `results` waits on Redis for the next one; an abort (the demo closing) must not wait with it.
    const stopped = new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null)
      signal.addEventListener('abort', () => resolve(null), { once: true })
    })
    try {
      for (;;) {
        const step = await Promise.race([results.next(), stopped])
        if (step === null || step.done === true) return
        yield step.value as SendResult<StoredSubscription>
      }
    } finally {
      void results.return?.()?.catch(() => {})
    }
  }

  let closed: Promise<void> | undefined
  return {
    mode: 'queue',
    queueName: name,
    send,
    close: () =>
      (closed ??= (async () => {
        // The worker first: what it has in flight records its results (and gone subscriptions).
        try {
          await worker.close()
        } finally {
          await queue.close()
        }
      })()),
  }
}
