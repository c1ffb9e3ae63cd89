/**
 * `POST /api/notify`: one batch through the demo's sender (in-process, or through @wp/queue), every
 * delivery recorded as it ends, and the batch's progress published on the event stream.
 */
import type { SendOutcome } from '@wp/webpush'
import type { DeliveryRow, Store, StoredSubscription } from '../db.js'
import type { EventHub } from './events.js'
import { HttpError } from './http-error.js'
import type { Sender } from './sender.js'
import type { CheckedNotify } from './validate.js'

/** One subscription's result, as the API answers it. */
export interface NotifyResult {
  subscriptionId: string
  outcome: string
  status: number | null
  reason: string | null
}

/** The answer of `POST /api/notify`. */
export interface NotifyAnswer {
  batchId: string
  total: number
  byOutcome: Partial<Record<SendOutcome, number>>
  results: NotifyResult[]
}

/** The data of a `progress` event: where a batch stands. */
export interface NotifyProgress {
  batchId: string
  /** Subscriptions in the batch: exact once every target was read; until then, at least the count at the start. */
  total: number
  /** Subscriptions with their final result. */
  completed: number
  /** Final results by outcome. */
  byOutcome: Partial<Record<SendOutcome, number>>
  /** True once every subscription of the batch has its result. */
  finished: boolean
}

/** What {@link runNotify} works with. */
export interface NotifyDeps {
  store: Store
  sender: Sender
  events: EventHub
  /** Aborted when the demo closes. */
  signal: AbortSignal
  /** The least time between two `progress` events of one batch, in ms (the first and the last always go). */
  progressIntervalMs: number
}

/** Subscriptions read per query while a batch sends to everyone. */
const PAGE = 500

/** Every subscription, page by page in id order: memory stays flat for any number of them. */
function* everyone(store: Store): Generator<StoredSubscription> {
  let after = 0
  for (;;) {
    const page = store.subscriptionsAfter(after, PAGE)
    yield* page
    if (page.length < PAGE) return
    after = Number(page.at(-1)!.id)
  }
}

/** Counts what the sender reads, so the batch's size is exact once it has read every target. */
class Counted implements Iterable<StoredSubscription> {
  read = 0
  done = false
  private readonly source: Iterable<StoredSubscription>
  constructor(source: Iterable<StoredSubscription>) {
    this.source = source
  }
  *[Symbol.iterator](): Iterator<StoredSubscription> {
    for (const item of this.source) {
      this.read++
      yield item
    }
    this.done = true
  }
}

/**
 * Sends `notify` to its target and records the batch and each delivery. Gone subscriptions
 * (404/410, RFC 8030 §7.3) are deleted as their result comes. Publishes one `delivery` event per
 * delivery, and `progress` events ({@link NotifyProgress}): at the start, as results come (at most
 * one per `progressIntervalMs`) and at the end.
 * @throws HttpError 404 when `notify.to` names no subscription (nothing is recorded then)
 */
export async function runNotify(notify: CheckedNotify, deps: NotifyDeps): Promise<NotifyAnswer> {
  const { store, sender, events, signal } = deps
  let source: Iterable<StoredSubscription>
  let expected: number
  if (notify.to === 'all') {
    source = everyone(store)
    expected = store.countSubscriptions()
  } else {
    const one = store.getSubscription(notify.to)
    if (one === undefined) throw new HttpError(404, 'ERR_WP_NOT_FOUND', `no subscription has the id ${notify.to}`)
    source = [one]
    expected = 1
  }
  const targets = new Counted(source)
  const batchId = store.createBatch({ target: notify.to, title: notify.title, body: notify.body, url: notify.url })
  const options = {
    signal,
    ...(notify.ttl === undefined ? {} : { ttl: notify.ttl }),
    ...(notify.urgency === undefined ? {} : { urgency: notify.urgency }),
    ...(notify.topic === undefined ? {} : { topic: notify.topic }),
  }
  const byOutcome: Partial<Record<SendOutcome, number>> = {}
  const results: NotifyResult[] = []
  // Subscriptions added or removed while a batch to everyone runs change its size: the count at the
  // start stands in until the sender has read every target.
  const progress = (): NotifyProgress => {
    const completed = results.length
    const total = targets.done ? targets.read : Math.max(expected, targets.read, completed)
    return { batchId, total, completed, byOutcome: { ...byOutcome }, finished: targets.done && completed === total }
  }
  events.publish('progress', progress())
  let published = Date.now()
  for await (const result of sender.send(targets, notify.payload, options)) {
    const subscription = result.subscription
    const status = result.response?.status ?? null
    // The service's reason; without an answer, what failed (a WebPushError's message names no secret).
    const reason =
      result.response?.reason ??
      (result.response === undefined && result.error instanceof Error ? result.error.message : null)
    const row: DeliveryRow = store.addDelivery({
      batchId,
      subscriptionId: subscription.id,
      endpoint: subscription.endpoint,
      outcome: result.outcome,
      status,
      reason,
    })
    if (result.outcome === 'gone') store.deleteSubscription(subscription.id)
    byOutcome[result.outcome] = (byOutcome[result.outcome] ?? 0) + 1
    results.push({ subscriptionId: subscription.id, outcome: result.outcome, status, reason })
    events.publish('delivery', row)
    if (Date.now() - published >= deps.progressIntervalMs) {
      events.publish('progress', progress())
      published = Date.now()
    }
  }
  // Every target read has its result, unless the queue's sender stopped following (the demo is
  // closing; the workers carry on with the batch in Redis). An aborted in-process batch stops
  // reading and reports every target it read, so it ends here, at that size, as it always did.
  const ended = results.length === targets.read
  if (ended) targets.done = true
  events.publish('progress', progress())
  if (ended) store.finishBatch(batchId, results.length)
  return { batchId, total: results.length, byOutcome, results }
}
