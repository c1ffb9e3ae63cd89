/**
 * Every other runtime (browsers, Workers): WebCrypto where it exists, pure JS on demand. The pure-JS
 * backend (@noble) is loaded by a dynamic `import()` when first used, so a bundle that never uses it
 * carries none of it in its initial load (a bundler with code splitting puts it in its own chunk).
 */
import type { CryptoBackend, SyncBackendName, SyncCryptoBackend } from '../backend.js'
import { lazyBackend } from './backends/lazy.js'
import { hasWebCrypto, webcryptoBackend } from './backends/webcrypto.js'
import { derivePublicKey } from './public-key.js'
import type { Runtime } from './runtime.js'

/** The synchronous backends: the pure-JS one once it is loaded (WebCrypto has none). */
const synchronous: Partial<Record<SyncBackendName, SyncCryptoBackend>> = {}
let loading: Promise<CryptoBackend> | undefined

/** Loads the pure-JS backend once; from then on its synchronous form is in `synchronous` too. */
function loadNoble(): Promise<CryptoBackend> {
  loading ??= import('./backends/noble.js').then((noble) => {
    synchronous.noble = noble.nobleSyncBackend
    return noble.nobleBackend
  })
  return loading
}

/** WebCrypto where it exists, pure JS on demand; no node:crypto. */
export const runtime: Runtime = {
  available: {
    ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
    // Without crypto.subtle (an insecure browser context) the pure-JS backend is the only one.
    noble: lazyBackend('noble', loadNoble),
  },
  synchronous,
  preferred: hasWebCrypto() ? 'webcrypto' : 'noble',
  /** In BigInt arithmetic: WebCrypto cannot derive a public key from a raw scalar. */
  derivePublicKey,
  async load() {
    await loadNoble()
  },
}
