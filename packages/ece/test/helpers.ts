import { afterAll, beforeAll } from 'vitest'
import { base64urlDecode } from '../src/base64url.js'
import { type BackendName, useBackend } from '../src/index.js'

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
