/** Every other runtime (browsers, Workers): WebCrypto where it exists, pure JS always. */
import { p256 } from '@noble/curves/nist.js'
import { nobleBackend, nobleSyncBackend } from './backends/noble.js'
import { hasWebCrypto, webcryptoBackend } from './backends/webcrypto.js'
import type { Runtime } from './runtime.js'

/** WebCrypto where it exists, pure JS always; no node:crypto. */
export const runtime: Runtime = {
  available: {
    ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
    noble: nobleBackend,
  },
  // Without crypto.subtle (an insecure browser context) the pure-JS backend is the only one.
  synchronous: { noble: nobleSyncBackend },
  preferred: hasWebCrypto() ? 'webcrypto' : 'noble',
  /** Pure JS: WebCrypto cannot derive a public key from a raw scalar. */
  derivePublicKey(privateKey) {
    return new Uint8Array(p256.getPublicKey(privateKey, false))
  },
}
