/**
 * The checks every send makes before any I/O, for code that stores or queues messages and wants to
 * refuse bad ones at its own door (a subscribe route, a queue), and the outcome of a failed send.
 */
import { WebPushError } from '@wp/ece'
import { PushServiceError } from '@wp/transport'
import {
  checkedPayload,
  checkMessageOptions,
  checkOptionNames,
  checkSubscription as checkSubscriptionFields,
  MESSAGE_OPTION_NAMES,
  type MessageOptions,
  messageHeaders,
  type PushSubscriptionJSON,
  toOptionsObject,
} from './internal/prepare.js'
import type { SendOutcome } from './send-many.js'

/** Options of {@link checkSubscription}. */
export interface CheckSubscriptionOptions {
  /** Accept `http:` endpoints: `true`, or the origins that alone may be (as the client's option). */
  allowPrivateNetwork?: boolean | readonly string[]
}

/**
 * Checks a subscription as every send does before any I/O: `endpoint` an absolute `https:` URL
 * (`http:` only with `allowPrivateNetwork`), `keys.p256dh` a 65-byte point on P-256, `keys.auth` 16
 * bytes. Whether the endpoint's host is on a private network is the transport's check, at send time.
 * @returns `{ endpoint, keys: { p256dh, auth } }` with the keys as given (other fields dropped)
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT`, `ERR_WP_BASE64URL`, `ERR_WP_KEY_LENGTH` or
 *   `ERR_WP_INVALID_POINT`, naming the field
 * @example
 * app.post('/subscribe', async (req) => save(checkSubscription(await req.json())))
 */
export function checkSubscription(subscription: unknown, options?: CheckSubscriptionOptions): PushSubscriptionJSON {
  checkSubscriptionFields(subscription, options?.allowPrivateNetwork)
  const { endpoint, keys } = subscription as PushSubscriptionJSON
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } }
}

/**
 * Checks a message's data and per-message options as every send does before any I/O.
 * @returns the plaintext the message carries (`undefined`: a push without payload)
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` (an unknown option, a bad `ttl`, `urgency`, `topic`,
 *   header, or data JSON cannot represent), `ERR_WP_UNSUPPORTED_ENCODING`, `ERR_WP_PAYLOAD_TOO_LARGE`
 */
export function checkMessage(data?: unknown, options?: MessageOptions): Uint8Array | undefined {
  const opts = toOptionsObject<MessageOptions>(options, 'options')
  checkOptionNames(opts, MESSAGE_OPTION_NAMES, 'options')
  const checked = checkMessageOptions(opts)
  messageHeaders(checked)
  return checkedPayload(data, checked.encoding)
}

/** The codes of input refused before any I/O: sending it again fails the same way. */
const INPUT_CODES: ReadonlySet<string> = new Set([
  'ERR_WP_INVALID_ARGUMENT',
  'ERR_WP_BASE64URL',
  'ERR_WP_KEY_LENGTH',
  'ERR_WP_INVALID_POINT',
  'ERR_WP_PAYLOAD_TOO_LARGE',
  'ERR_WP_UNSUPPORTED_ENCODING',
  'ERR_WP_VAPID_CLAIMS',
  'ERR_WP_ENDPOINT_FORBIDDEN',
])

/**
 * What became of a send that failed, as `sendMany` reports it: the push service's outcome for a
 * refusal; `'timeout'`; `'aborted'`; `'invalid'` for input refused before any I/O (a bad
 * subscription, data or option, and the transport's own request checks and private-network guard:
 * sending it again fails the same way); else `'network'`.
 */
export function outcomeOf(error: unknown): SendOutcome {
  if (error instanceof PushServiceError) return error.outcome
  if (error instanceof WebPushError) {
    if (error.code === 'ERR_WP_TIMEOUT') return 'timeout'
    if (error.code === 'ERR_WP_ABORTED') return 'aborted'
    if (INPUT_CODES.has(error.code)) return 'invalid'
  }
  return 'network'
}
