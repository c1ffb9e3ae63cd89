/**
 * Byte helpers shared by every @wp package (exported from `@wp/ece/utils`): a leaf module, which
 * imports nothing but the error type, so every other module (the codecs included) can use it.
 */
import { WebPushError } from './errors.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text)
}

/** A string from UTF-8 bytes; invalid UTF-8 raises `ERR_WP_INVALID_ARGUMENT`. */
export function utf8Decode(bytes: Uint8Array, field = 'value'): string {
  try {
    return decoder.decode(bytes)
  } catch (cause) {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${field} is not valid UTF-8`, { cause })
  }
}

/**
 * The concatenation of the given byte arrays, in a fresh buffer: `concatBytes(a, b, c)` for a few
 * parts, `concatBytes(list)` for a list of any length. Never spread a long list into arguments
 * (`concatBytes(...list)`): past about 100,000 of them the call overflows the stack.
 * @returns a new array that owns its buffer
 * @example
 * ```ts
 * concatBytes(header, record) // a few parts
 * concatBytes(records) // a list of any length
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer>
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer>
export function concatBytes(...args: Uint8Array[] | [readonly Uint8Array[]]): Uint8Array<ArrayBuffer> {
  const parts: readonly Uint8Array[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as Uint8Array[])
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Constant-time equality of two byte arrays (the time depends on the length only). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

/** A copy of `bytes` in its own `ArrayBuffer` (never a view into someone else's memory). */
export function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length)
  out.set(bytes)
  return out
}

/** True for a `Uint8Array` (a Node `Buffer` counts: it is one). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor?.name === 'Uint8Array')
}

/**
 * Describes a value for an error message without ever printing its contents (it may be a secret).
 * @returns `'null'`, `'32 bytes'`, `'an array'`, `'a string of 12 characters'`, `'a number'`, ...
 * @example
 * ```ts
 * throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `ttl must be a number, got ${describeValue(ttl)}`)
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (isBytes(value)) return `${value.length} bytes`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `a string of ${value.length} characters`
  return `a ${typeof value}`
}

/**
 * The old name of {@link describeValue}, which does not clash with vitest's `describe`.
 * @deprecated use `describeValue`
 */
export const describe: (value: unknown) => string = describeValue
