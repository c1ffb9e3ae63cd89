/** The backends available in every other runtime: WebCrypto where it exists, pure JS always. */
import { p256 } from '@noble/curves/nist.js'
import type { BackendName, CryptoBackend } from '../backend.js'
import { nobleBackend } from './backend-noble.js'
import { hasWebCrypto, webcryptoBackend } from './backend-webcrypto.js'

export const available: Partial<Record<BackendName, CryptoBackend>> = {
  ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
  noble: nobleBackend,
}
export const preferred: BackendName = hasWebCrypto() ? 'webcrypto' : 'noble'

/** The public point of a private scalar (pure JS: WebCrypto cannot do this synchronously). */
export function derivePublicKey(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(p256.getPublicKey(privateKey, false))
}
