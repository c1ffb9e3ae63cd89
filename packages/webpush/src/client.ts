/** `createPushClient()`: the long-lived sender a server keeps (one key import, one token per push service). */
import { WebPushError } from '@wp/ece'
import { describeValue } from '@wp/ece/utils'
import { createTransport, type PushResponse, type Transport, type TransportOptions } from '@wp/transport'
import { type VapidKey, type VapidKeyInput, VapidSigner } from '@wp/vapid'
import { autoWorkers, createEncryptPool } from '#encrypt-pool'
import type { EncryptJob, EncryptPool } from './internal/encrypt-pool.js'
import {
  type CheckedMessageOptions,
  checkMessageOptions,
  checkOptionNames,
  checkSubscription,
  checkTransportConflicts,
  MESSAGE_OPTION_NAMES,
  type MessageOptions,
  type PreparedRequest,
  type PushSubscriptionJSON,
  prepare,
  toOptionsObject,
  type VapidSource,
} from './internal/prepare.js'
import { type SendManyData, type SendManyOptions, type SendResult, sendMany } from './send-many.js'
import { isTransport, loadKey } from './webpush.js'

/** Options of {@link createPushClient}. */
export interface PushClientOptions {
  /** The VAPID key (anything `importVapidKey` takes, or a file path in Node) and `subject`; imported once. */
  vapid?: { privateKey: VapidKey | VapidKeyInput; subject: string }
  /** Per-message options applied to every message; a message's own options replace them (headers merge by name). */
  defaults?: MessageOptions
  /** A `Transport` (the caller closes it), or the options of one the client makes (closed by `close()`). */
  transport?: Transport | TransportOptions
  /** Allow endpoints on private addresses and `http:` ones: `true`, or a list of origins that alone may be. */
  allowPrivateNetwork?: boolean | string[]
  /** Messages in flight (default 100). */
  concurrency?: number
  /** Messages in flight to one origin (default: `concurrency`). */
  perOriginConcurrency?: number
  /**
   * Node (and Bun): encrypt on this many worker threads (default 0: on the calling thread), or
   * `'auto'`: the available cores − 1 (0 on one core, and on runtimes without worker threads). While
   * every worker is busy the calling thread encrypts too, so 2 cores give close to 2x. Workers start
   * with the first message and stop with `close()`; idle ones never keep the process alive.
   */
  workers?: number | 'auto'
}

/** Options of one `PushClient.send`. */
export interface PushClientSendOptions extends MessageOptions {
  /** Aborts the send. */
  signal?: AbortSignal
}

/** A long-lived sender. */
export interface PushClient {
  /**
   * Sends one message. Bad input rejects before any I/O (the codes of `webpush()`); a refusal is a `PushServiceError`.
   * @returns the push service's answer (2xx)
   */
  send(subscription: PushSubscriptionJSON, data?: unknown, options?: PushClientSendOptions): Promise<PushResponse>
  /**
   * Sends to many subscriptions (an array or any (async) iterable, read lazily); one result per
   * subscription, in completion order, never a thrown batch. See the README, "Sending to many".
   * @throws WebPushError (synchronously) `ERR_WP_INVALID_ARGUMENT` for bad options, `ERR_WP_CLOSED` after `close()`
   */
  sendMany<S = PushSubscriptionJSON>(
    subscriptions: Iterable<S> | AsyncIterable<S>,
    data?: SendManyData<S>,
    options?: SendManyOptions,
  ): AsyncIterable<SendResult<S>>
  /** Lets what is in flight finish, then closes the transport the client made (not one it was given). */
  close(): Promise<void>
}

const CLIENT_OPTIONS = [
  'vapid',
  'defaults',
  'transport',
  'allowPrivateNetwork',
  'concurrency',
  'perOriginConcurrency',
  'workers',
]
const SEND_OPTIONS = [...MESSAGE_OPTION_NAMES, 'signal']

function invalid(message: string): WebPushError {
  return new WebPushError('ERR_WP_INVALID_ARGUMENT', message)
}

function positive(value: unknown, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1))
    throw invalid(`${field} must be a positive integer, got ${describeValue(value)}`)
}

/** More threads than this is a mistake, not a configuration. */
const MAX_WORKERS = 256

/** The number of encryption workers `workers` asks for. */
function toWorkers(value: unknown): number {
  if (value === undefined) return 0
  if (value === 'auto') return autoWorkers()
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_WORKERS)
    throw invalid(`workers must be 'auto' or an integer from 0 to ${MAX_WORKERS}, got ${describeValue(value)}`)
  return value as number
}

/** Merges two header objects by case-insensitive name; `over` wins. */
function mergeHeaders(
  base: Record<string, string> | undefined,
  over: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (base === undefined) return over
  if (over === undefined) return base
  const names = new Set(Object.keys(over).map((n) => n.toLowerCase()))
  const out: Record<string, string> = {}
  for (const [n, v] of Object.entries(base)) if (!names.has(n.toLowerCase())) out[n] = v
  return Object.assign(out, over)
}

/**
 * The per-message work of a client, shared with batch sending: validate, encrypt, build headers.
 * @internal
 */
export interface ClientCore {
  /** Validates, encrypts and builds the request; rejects with a `WebPushError` before any I/O. */
  prepare(subscription: unknown, data: unknown, options?: unknown): Promise<PreparedRequest>
  /** The transport in use. */
  transport: Transport
  /** The encryption workers, when `workers` asked for any. */
  pool: EncryptPool | undefined
  /** Aborted when `close()` is called: batches stop reading and finish what they hold. */
  closing: AbortSignal
  /** Makes `close()` wait for `work` (a batch finishing what it holds) before it closes the transport. */
  track(work: Promise<unknown>): void
}

/**
 * Creates a long-lived sender: the VAPID key is imported once, one token per push service is signed
 * and reused (`VapidSigner`), connections are kept open between messages.
 * @throws WebPushError (synchronously) `ERR_WP_INVALID_ARGUMENT` for unknown or bad options,
 *   `ERR_WP_VAPID_CLAIMS` for a bad `vapid.subject`, `ERR_WP_VAPID_KEY` for a missing key (one that cannot be read
 *   rejects the first `send`)
 * @example
 * const client = createPushClient({ vapid: { privateKey, subject: 'mailto:ops@example.com' }, defaults: { ttl: 3600 } })
 * await client.send(subscription, { title: 'Hello' })
 * await client.close()
 */
export function createPushClient(options: PushClientOptions): PushClient {
  return createClientCore(options).client
}

/**
 * `createPushClient`, with its per-message preparation exposed for batch sending.
 * @internal
 */
export function createClientCore(options: PushClientOptions): { client: PushClient; core: ClientCore } {
  const opts = toOptionsObject<PushClientOptions>(options, 'options')
  checkOptionNames(opts, CLIENT_OPTIONS, 'options')
  positive(opts.concurrency, 'concurrency')
  positive(opts.perOriginConcurrency, 'perOriginConcurrency')
  const workers = toWorkers(opts.workers)
  const pool: EncryptPool | undefined = workers > 0 ? createEncryptPool(workers) : undefined
  const encrypt = pool === undefined ? undefined : (job: EncryptJob) => pool.encrypt(job)
  const defaults = toOptionsObject<MessageOptions>(opts.defaults, 'defaults')
  checkOptionNames(defaults, MESSAGE_OPTION_NAMES, 'defaults')
  checkMessageOptions(defaults)
  const allow = opts.allowPrivateNetwork

  let vapid: VapidSource | undefined
  if (opts.vapid !== undefined) {
    const v = toOptionsObject<{ privateKey: VapidKey | VapidKeyInput; subject: string }>(opts.vapid, 'vapid')
    checkOptionNames(v, ['privateKey', 'subject'], 'vapid')
    // Checks the subject now; the key (maybe a file) is read once, on the first send.
    new VapidSigner({ key: v.privateKey as VapidKeyInput, subject: v.subject as string })
    let signer: Promise<VapidSigner> | undefined
    vapid = async (endpoint, encoding) => {
      signer ??= loadKey(v.privateKey as VapidKeyInput).then(
        (key) => new VapidSigner({ key, subject: v.subject as string }),
      )
      return (await signer).headers(endpoint, encoding)
    }
  }

  checkTransportConflicts(opts.transport, isTransport(opts.transport), undefined, allow)
  let transport: Transport
  let owned = false
  if (isTransport(opts.transport)) transport = opts.transport
  else {
    const t: TransportOptions = { ...toOptionsObject<TransportOptions>(opts.transport, 'transport') }
    if (allow !== undefined) t.allowPrivateNetwork = allow as NonNullable<TransportOptions['allowPrivateNetwork']>
    transport = createTransport(t)
    owned = true
  }

  const withDefaults = (given: Partial<MessageOptions>): CheckedMessageOptions => {
    const merged: MessageOptions = { ...defaults }
    for (const name of MESSAGE_OPTION_NAMES)
      if (given[name] !== undefined && name !== 'headers') Object.assign(merged, { [name]: given[name] })
    const headers = mergeHeaders(defaults.headers, given.headers)
    if (headers !== undefined) merged.headers = headers
    return checkMessageOptions(merged)
  }

  const closing = new AbortController()
  /** Sends and batches in flight, which `close()` lets finish. */
  const active = new Set<Promise<unknown>>()
  const track = (work: Promise<unknown>): void => {
    active.add(work)
    const forget = (): void => {
      active.delete(work)
    }
    work.then(forget, forget)
  }

  const core: ClientCore = {
    transport,
    pool,
    closing: closing.signal,
    track,
    async prepare(subscription, data, options) {
      const given = toOptionsObject<PushClientSendOptions>(options, 'options')
      checkOptionNames(given, SEND_OPTIONS, 'options')
      const checked = checkSubscription(subscription, allow)
      return prepare(checked, data, withDefaults(given), vapid, undefined, encrypt)
    },
  }

  let closed: Promise<void> | undefined
  const client: PushClient = {
    async send(subscription, data, options) {
      if (closed !== undefined) throw new WebPushError('ERR_WP_CLOSED', 'the push client is closed')
      const signal = (options as PushClientSendOptions | undefined)?.signal
      const sent = core
        .prepare(subscription, data, options)
        .then((request) => transport.send(request, signal === undefined ? {} : { signal }))
      track(sent)
      return sent
    },
    sendMany(subscriptions, data, options) {
      if (closed !== undefined) throw new WebPushError('ERR_WP_CLOSED', 'the push client is closed')
      const batch = { concurrency: opts.concurrency ?? 100, perOriginConcurrency: opts.perOriginConcurrency }
      return sendMany(core, batch, subscriptions, data, options)
    },
    close() {
      closed ??= (async () => {
        // Batches see this at once (their listeners run within abort()) and stop reading.
        closing.abort()
        while (active.size > 0) await Promise.allSettled([...active])
        await Promise.all([owned ? transport.close() : undefined, pool?.close()])
      })()
      return closed
    },
  }
  return { client, core }
}
