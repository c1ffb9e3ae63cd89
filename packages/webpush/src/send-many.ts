/**
 * `PushClient.sendMany`: one message to many subscriptions, read lazily from an array or any (async)
 * iterable, with bounded concurrency that is fair across push-service origins, and exactly one
 * result per subscription read.
 */
import { WebPushError } from '@wp/ece'
import { describeValue } from '@wp/ece/utils'
import { type PushOutcome, type PushResponse, PushServiceError } from '@wp/transport'
import { outcomeOf } from './checks.js'
import type { ClientCore } from './client.js'
import { checkMessageOptions, checkOptionNames, type MessageOptions, toOptionsObject } from './internal/prepare.js'

/** What became of one subscription: the push service's outcome, or why no answer came. */
export type SendOutcome = PushOutcome | 'invalid' | 'network' | 'timeout' | 'aborted'

/** The result for one subscription of a `sendMany`. */
export interface SendResult<S = unknown> {
  /** The subscription's position in the input, from 0. */
  index: number
  /** The subscription as given. */
  subscription: S
  /** Whether the push service accepted the message (2xx). */
  ok: boolean
  outcome: SendOutcome
  /** The push service's answer, when one came. */
  response?: PushResponse
  /** Why it failed (a `WebPushError`, or a `PushServiceError` carrying the answer). */
  error?: unknown
}

/** What `onProgress` reports after each result. */
export interface SendProgress {
  /** Results so far. */
  done: number
  /** The number of subscriptions, when the input has a `length`. */
  total?: number
  /** Results so far by outcome. */
  byOutcome: Partial<Record<SendOutcome, number>>
}

/** Options of `PushClient.sendMany`: any per-message option, plus these. */
export interface SendManyOptions extends MessageOptions {
  /** Messages in flight (default: the client's `concurrency`). */
  concurrency?: number
  /** Messages in flight to one origin (default: the client's, else `concurrency`). */
  perOriginConcurrency?: number
  /** Stops the batch: no more reading, requests in flight aborted, the rest reported `'aborted'`. */
  signal?: AbortSignal
  /** Called after each result. */
  onProgress?: (progress: SendProgress) => void
}

/** The data of every message (see `webpush()`), or a function giving each subscription's (`undefined`: no payload). */
export type SendManyData<S = unknown> =
  | ((subscription: S, index: number) => unknown)
  | string
  | Uint8Array
  | number
  | boolean
  | null
  | undefined
  | Record<string, unknown>
  | readonly unknown[]

const BATCH_OPTIONS = ['concurrency', 'perOriginConcurrency', 'signal', 'onProgress'] as const
const MESSAGE_OPTIONS = ['ttl', 'urgency', 'topic', 'contentEncoding', 'headers']

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

function positive(value: unknown, field: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1))
    throw invalid(`${field} must be a positive integer, got ${describeValue(value)}`)
  return value as number | undefined
}

/** The origin an item is scheduled under; an endpoint that is not a URL fails preparation anyway. */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin
  } catch {
    return ''
  }
}

/** Reads `source` as an async iterator (arrays and sync iterables included). */
function toIterator(source: unknown): AsyncIterator<unknown> | Iterator<unknown> {
  if (source !== null && typeof source === 'object') {
    const s = source as {
      [Symbol.asyncIterator]?: () => AsyncIterator<unknown>
      [Symbol.iterator]?: () => Iterator<unknown>
    }
    const asyncIterator = s[Symbol.asyncIterator]
    if (typeof asyncIterator === 'function') return asyncIterator.call(s)
    const syncIterator = s[Symbol.iterator]
    if (typeof syncIterator === 'function') return syncIterator.call(s)
  }
  throw invalid(`subscriptions must be an array or an (async) iterable, got ${describeValue(source)}`)
}

/** The client's batch defaults. */
export interface SendManyDefaults {
  concurrency: number
  perOriginConcurrency: number | undefined
}

/**
 * Sends `data` to every subscription of `subscriptions`; results in completion order.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` (synchronously) for bad options or a non-iterable input
 * @internal the public entry is `PushClient.sendMany`
 */
export function sendMany<S>(
  core: ClientCore,
  defaults: SendManyDefaults,
  subscriptions: unknown,
  data: SendManyData<S>,
  options?: SendManyOptions,
): AsyncIterable<SendResult<S>> {
  const opts = toOptionsObject<SendManyOptions>(options, 'options')
  checkOptionNames(opts, [...MESSAGE_OPTIONS, ...BATCH_OPTIONS], 'options')
  const concurrency = positive(opts.concurrency, 'concurrency') ?? defaults.concurrency
  const perOrigin = Math.min(
    positive(opts.perOriginConcurrency, 'perOriginConcurrency') ?? defaults.perOriginConcurrency ?? concurrency,
    concurrency,
  )
  const { signal, onProgress } = opts
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalid(`signal must be an AbortSignal, got ${describeValue(signal)}`)
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw invalid(`onProgress must be a function, got ${describeValue(onProgress)}`)
  const message: MessageOptions = {}
  for (const name of MESSAGE_OPTIONS)
    if ((opts as Record<string, unknown>)[name] !== undefined)
      Object.assign(message, { [name]: (opts as Record<string, unknown>)[name] })
  checkMessageOptions(message)
  const iterator = toIterator(subscriptions)
  const total = Array.isArray(subscriptions) ? subscriptions.length : undefined
  return {
    [Symbol.asyncIterator]: () =>
      run(core, iterator, data as SendManyData, message, concurrency, perOrigin, signal, onProgress, total),
  } as AsyncIterable<SendResult<S>>
}

interface Item {
  index: number
  subscription: unknown
}

async function* run(
  core: ClientCore,
  iterator: AsyncIterator<unknown> | Iterator<unknown>,
  data: SendManyData,
  message: MessageOptions,
  concurrency: number,
  perOrigin: number,
  signal: AbortSignal | undefined,
  onProgress: ((progress: SendProgress) => void) | undefined,
  total: number | undefined,
): AsyncGenerator<SendResult> {
  /** The requests in flight, aborted together. */
  const inFlight = new Set<AbortController>()
  const abortInFlight = (): void => {
    for (const c of inFlight) c.abort()
  }
  // Items read and not yet answered: preparing, waiting for their origin, or in flight.
  let held = 0
  let sending = 0
  /** Read-ahead bound: `concurrency` in flight, and as many again waiting for a saturated origin. */
  const maxHeld = concurrency * 2
  const inFlightByOrigin = new Map<string, number>()
  const queues = new Map<string, ((started: boolean) => void)[]>()
  const results: SendResult[] = []
  let index = 0
  let reading = false
  let sourceDone = false
  let sourceError: { error: unknown } | undefined
  let aborted = false
  /** The source ended by itself (not stopped by an abort or a close). */
  let exhausted = false
  /** `close()` was called on the client: read no more, finish what is held, then end with ERR_WP_CLOSED. */
  let closing = false
  let drained: (() => void) | undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const byOutcome: Partial<Record<SendOutcome, number>> = {}
  let done = 0

  /** Tells a closing client that this batch holds nothing more. */
  const checkDrained = (): void => {
    if (drained !== undefined && held === 0 && !reading) {
      drained()
      drained = undefined
    }
  }

  const finish = (result: SendResult): void => {
    held--
    results.push(result)
    checkDrained()
    notify()
  }

  const stopSource = (): void => {
    if (sourceDone) return
    sourceDone = true
    try {
      const r = iterator.return?.()
      if (r instanceof Promise) r.catch(() => {})
    } catch {
      // the source's own cleanup failed; the batch ends regardless
    }
  }

  const onAbort = (): void => {
    aborted = true
    abortInFlight()
    // Items waiting for their origin will not be sent.
    for (const queue of queues.values()) for (const start of queue.splice(0)) start(false)
    queues.clear()
    if (!reading) stopSource()
    notify()
  }

  const onClose = (): void => {
    closing = true
    if (!reading) stopSource()
    // The client's close() waits for this before it closes the transport and the workers.
    if (held > 0 || reading) core.track(new Promise<void>((resolve) => (drained = resolve)))
    notify()
  }

  /** Runs one item: its data, its preparation (bad input is `'invalid'`), then its turn at its origin. */
  const process = async (item: Item): Promise<void> => {
    const base = { index: item.index, subscription: item.subscription }
    let request: Awaited<ReturnType<ClientCore['prepare']>>
    try {
      const payload = typeof data === 'function' ? data(item.subscription, item.index) : data
      request = await core.prepare(item.subscription, payload, message)
    } catch (error) {
      finish({ ...base, ok: false, outcome: 'invalid', error })
      return
    }
    if (aborted) {
      finish({ ...base, ok: false, outcome: 'aborted', error: abortError() })
      return
    }
    const origin = originOf(request.endpoint)
    if (sending < concurrency && (inFlightByOrigin.get(origin) ?? 0) < perOrigin) take(origin)
    else {
      // Wait in the origin's queue while other origins proceed; `release` takes the slot for it.
      const started = await new Promise<boolean>((resolve) => {
        let queue = queues.get(origin)
        if (queue === undefined) queues.set(origin, (queue = []))
        queue.push(resolve)
      })
      if (!started || aborted) {
        if (started) give(origin)
        finish({ ...base, ok: false, outcome: 'aborted', error: abortError() })
        return
      }
    }
    try {
      // One controller per request: a shared signal would collect one listener per message in flight.
      const own = new AbortController()
      inFlight.add(own)
      let response: PushResponse
      try {
        response = await core.transport.send(request, { signal: own.signal })
      } finally {
        inFlight.delete(own)
      }
      finish({ ...base, ok: true, outcome: response.outcome, response })
    } catch (error) {
      const outcome = outcomeOf(error)
      const result: SendResult = { ...base, ok: false, outcome, error }
      if (error instanceof PushServiceError) result.response = error.response
      finish(result)
    } finally {
      give(origin)
    }
  }

  /** Takes a slot, overall and at `origin`. */
  const take = (origin: string): void => {
    sending++
    inFlightByOrigin.set(origin, (inFlightByOrigin.get(origin) ?? 0) + 1)
  }

  /** Gives a slot back and starts what waits for it. */
  const give = (origin: string): void => {
    sending--
    const n = (inFlightByOrigin.get(origin) ?? 1) - 1
    if (n === 0) inFlightByOrigin.delete(origin)
    else inFlightByOrigin.set(origin, n)
    release()
  }

  /** Starts waiting items of origins with room, origins taking turns (one slow origin never starves the rest). */
  const release = (): void => {
    let progressed = true
    while (progressed && sending < concurrency) {
      progressed = false
      for (const [origin, queue] of queues) {
        if (sending >= concurrency) return
        if ((inFlightByOrigin.get(origin) ?? 0) >= perOrigin) continue
        const start = queue.shift() as (started: boolean) => void
        // this origin goes to the back, so origins take turns
        queues.delete(origin)
        if (queue.length > 0) queues.set(origin, queue)
        take(origin)
        start(true)
        progressed = true
        break
      }
    }
  }

  /** Reads one more item, if the read-ahead bound allows. */
  const pump = (): void => {
    if (reading || sourceDone || aborted || held >= maxHeld) return
    reading = true
    let next: IteratorResult<unknown> | Promise<IteratorResult<unknown>>
    try {
      next = iterator.next()
    } catch (error) {
      reading = false
      sourceError = { error }
      sourceDone = true
      notify()
      return
    }
    Promise.resolve(next).then(
      (step) => {
        reading = false
        if (step.done) {
          sourceDone = true
          exhausted = true
        } else {
          held++
          void process({ index: index++, subscription: step.value })
        }
        if (aborted || closing) stopSource()
        checkDrained()
        notify()
      },
      (error: unknown) => {
        reading = false
        sourceError = { error }
        sourceDone = true
        checkDrained()
        notify()
      },
    )
  }

  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  if (core.closing.aborted) onClose()
  else core.closing.addEventListener('abort', onClose, { once: true })
  try {
    for (;;) {
      pump()
      const result = results.shift()
      if (result !== undefined) {
        done++
        byOutcome[result.outcome] = (byOutcome[result.outcome] ?? 0) + 1
        if (onProgress !== undefined) {
          const progress: SendProgress = { done, byOutcome: { ...byOutcome } }
          if (total !== undefined) progress.total = total
          onProgress(progress)
        }
        yield result
        continue
      }
      if (sourceDone && !reading && held === 0) break
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
    if (sourceError !== undefined) throw sourceError.error
    if (closing && !exhausted && !aborted)
      throw new WebPushError(
        'ERR_WP_CLOSED',
        `the push client was closed during the batch: ${done} subscriptions were read and answered, the rest were not read`,
      )
  } finally {
    signal?.removeEventListener('abort', onAbort)
    core.closing.removeEventListener('abort', onClose)
    if (!sourceDone || held > 0) {
      // The consumer stopped early: stop reading and abort what is in flight.
      aborted = true
      abortInFlight()
      for (const queue of queues.values()) for (const start of queue.splice(0)) start(false)
      if (!reading) stopSource()
    }
  }
}

function abortError(): WebPushError {
  return new WebPushError('ERR_WP_ABORTED', 'the batch was aborted before this message was sent')
}
