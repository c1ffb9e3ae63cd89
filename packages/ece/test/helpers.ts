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
