import { afterAll, beforeAll, expect } from 'vitest'
import { base64urlDecode } from '../src/base64url.js'
import { type BackendName, useBackend, WebPushError } from '../src/index.js'

/** Every backend; each byte-checking test runs once per backend. */
export const backends: BackendName[] = ['node', 'webcrypto', 'noble']

/** Makes `name` the default backend for the tests of the enclosing `describe`, and restores `node` after. */
export function withBackend(name: BackendName): void {
  beforeAll(() => useBackend(name))
  afterAll(() => useBackend('node'))
}

/** base64url text to bytes (the vectors' encoding). */
export const b64 = (text: string): Uint8Array => base64urlDecode(text)

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The code of the WebPushError `run` throws (checked to be one), or undefined when it does not throw. */
export function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    expect(WebPushError.is(err), String(err)).toBe(true)
    return (err as WebPushError).code
  }
  return undefined
}

/**
 * Deterministic bytes from an xorshift generator: they never repeat within a record's reach, so a
 * misplaced octet or record shows up as different bytes.
 */
export function pattern(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
