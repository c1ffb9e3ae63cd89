/**
 * The frames a user agent sends on Mozilla's WebSocket push protocol (Firefox's PushServiceWebSocket,
 * autopush's `ClientMessage`), checked in one place: every field of every message type has its type,
 * and the fields the service keeps have a bounded size, before any handler sees the frame. Unknown
 * extra fields are ignored, as autopush ignores them; optional fields may be absent or `null`.
 */
import { describeValue, WebPushError } from '@wp/ece/utils'

/** A channelID: Firefox makes one with `Services.uuid.generateUUID()`, autopush insists on a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** One entry of an `ack`'s `updates`. */
export interface AckUpdate {
  channelID: string
  /** The notification's `version` (its message id). */
  version: string
  code: number | undefined
}

/** A frame from a user agent, checked. */
export type ClientFrame =
  | { messageType: 'hello'; uaid: string | undefined }
  | { messageType: 'register'; channelID: string; key: string | undefined }
  | { messageType: 'unregister'; channelID: string; code: number | undefined }
  | { messageType: 'ack'; updates: AckUpdate[] }
  | { messageType: 'nack'; version: string; code: number | undefined; channelID: string | undefined }
  | { messageType: 'ping' }
  | { messageType: 'broadcast_subscribe' }

/** Checks one value and gives it back typed, or throws naming `field` and what was expected. */
type Check<T> = (value: unknown, field: string) => T

/** `describeValue`, with "an object" and "nothing" for the cases a frame adds. */
function described(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return 'an object'
  return describeValue(value)
}

function fail(field: string, expected: string, value: unknown): never {
  throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} must be ${expected}, got ${described(value)}`)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A string of `min` to `max` characters (and matching `pattern`, described as `what`). */
const text =
  (min: number, max: number, pattern?: RegExp, what?: string): Check<string> =>
  (value, field) =>
    typeof value === 'string' && value.length >= min && value.length <= max && (pattern?.test(value) ?? true)
      ? value
      : fail(field, what ?? `a string of ${min} to ${max} characters`, value)

const integer =
  (min: number, max: number): Check<number> =>
  (value, field) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? value
      : fail(field, `an integer from ${min} to ${max}`, value)

const boolean: Check<boolean> = (value, field) => (typeof value === 'boolean' ? value : fail(field, 'a boolean', value))

/** Absent or `null` is undefined (serde's `Option`, as autopush reads it); anything else is checked. */
const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value, field) =>
    value === undefined || value === null ? undefined : check(value, field)

const list =
  <T>(item: Check<T>): Check<T[]> =>
  (value, field) =>
    Array.isArray(value) ? value.map((v, i) => item(v, `${field}[${i}]`)) : fail(field, 'an array', value)

/** An object whose values all pass `values` (its keys are not kept, so not bounded beyond the frame). */
const record =
  (values: Check<unknown>): Check<void> =>
  (value, field) => {
    if (!isObject(value)) fail(field, 'an object', value)
    for (const v of Object.values(value)) values(v, `${field} values`)
  }

/** An object with these fields (own properties only: `toString` is no field of a parsed frame). */
const object =
  <S extends Record<string, Check<unknown>>>(shape: S): Check<{ [K in keyof S]: ReturnType<S[K]> }> =>
  (value, field) => {
    if (!isObject(value)) fail(field, 'an object', value)
    const out: Record<string, unknown> = {}
    for (const [name, check] of Object.entries(shape))
      out[name] = check(Object.hasOwn(value, name) ? value[name] : undefined, `${field}.${name}`)
    return out as { [K in keyof S]: ReturnType<S[K]> }
  }

const channelID = text(36, 36, UUID, 'a UUID string')
/** Versions are the service's message ids, echoed back; anything else is at least bounded. */
const version = text(1, 128)
/** Ack codes 100-102, unregister codes 200-202, nack codes 301-303 (Firefox's PushServiceWebSocket). */
const code = optional(integer(0, 999))

/** Each message type's fields. */
const SHAPES = {
  hello: object({
    // A uaid that is a string but not one of ours gets a fresh one (as autopush does); Firefox takes
    // none longer than 128 characters.
    uaid: optional(text(0, 128)),
    use_webpush: optional(boolean),
    broadcasts: optional(record(text(0, 1024))),
    channelIDs: optional(list(text(0, 64))),
  }),
  register: object({ channelID, key: optional(text(1, 256)) }),
  unregister: object({ channelID, code }),
  ack: object({ updates: list(object({ channelID, version, code })) }),
  nack: object({ version, code, channelID: optional(channelID) }),
  ping: object({}),
  broadcast_subscribe: object({ broadcasts: record(text(0, 1024)) }),
}

const TYPES = Object.keys(SHAPES).join(', ')

/**
 * Parses and checks one text frame from a user agent. A frame without `messageType` is a ping only
 * when it is `{}`, which is what Firefox sends.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` naming the field and what was expected (never its
 *   value) for anything that is not a frame of the protocol
 */
export function parseClientFrame(data: string): ClientFrame {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'a frame must be JSON')
  }
  if (!isObject(value)) fail('a frame', 'a JSON object', value)
  const type = Object.hasOwn(value, 'messageType') ? value.messageType : undefined
  if (type === undefined) {
    if (Object.keys(value).length === 0) return { messageType: 'ping' }
    fail('messageType', `one of ${TYPES}`, type)
  }
  if (typeof type !== 'string' || !Object.hasOwn(SHAPES, type)) fail('messageType', `one of ${TYPES}`, type)
  const name = type as keyof typeof SHAPES
  const fields: Record<string, unknown> = SHAPES[name](value, name)
  // Only what a handler uses goes on: broadcasts and Firefox's old channelIDs are checked, then dropped.
  if (name === 'hello') return { messageType: name, uaid: fields.uaid as string | undefined }
  if (name === 'broadcast_subscribe') return { messageType: name }
  return { messageType: name, ...fields } as ClientFrame
}
