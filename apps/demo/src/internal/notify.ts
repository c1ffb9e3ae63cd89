/** `POST /api/notify`: one batch through the long-lived client's `sendMany`, every delivery recorded as it ends. */
import type { PushClient, SendOutcome } from '@wp/webpush'
import type { DeliveryRow, Store, StoredSubscription } from '../db.js'
import type { EventHub } from './events.js'
import { HttpError } from './http-error.js'
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

/**
 * Sends `notify` to its target and records the batch and each delivery. Gone subscriptions
 * (404/410, RFC 8030 §7.3) are deleted as their result comes.
 * @throws HttpError 404 when `notify.to` names no subscription (nothing is recorded then)
 */
export async function runNotify(
  notify: CheckedNotify,
  deps: { store: Store; client: PushClient; events: EventHub; signal: AbortSignal },
): Promise<NotifyAnswer> {
  const { store, client, events, signal } = deps
  let targets: Iterable<StoredSubscription>
  if (notify.to === 'all') targets = everyone(store)
  else {
    const one = store.getSubscription(notify.to)
    if (one === undefined) throw new HttpError(404, 'ERR_WP_NOT_FOUND', `no subscription has the id ${notify.to}`)
    targets = [one]
  }
  const batchId = store.createBatch({ target: notify.to, title: notify.title, body: notify.body, url: notify.url })
  const options = {
    signal,
    ...(notify.ttl === undefined ? {} : { ttl: notify.ttl }),
    ...(notify.urgency === undefined ? {} : { urgency: notify.urgency }),
    ...(notify.topic === undefined ? {} : { topic: notify.topic }),
  }
  const byOutcome: Partial<Record<SendOutcome, number>> = {}
  const results: NotifyResult[] = []
  for await (const result of client.sendMany(targets, notify.payload, options)) {
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
  }
  store.finishBatch(batchId, results.length)
  return { batchId, total: results.length, byOutcome, results }
}
