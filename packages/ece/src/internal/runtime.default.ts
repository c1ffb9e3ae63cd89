/**
 * Every other runtime (browsers, Workers): WebCrypto where it exists, pure JS on demand. The pure-JS
 * backend (@noble) is loaded by a dynamic `import()` when first used, so a bundle that never uses it
 * carries none of it in its initial load (a bundler with code splitting puts it in its own chunk).
 */
import type { CryptoBackend, SyncBackendName, SyncCryptoBackend } from '../backend.js'
import { WebPushError } from '../errors.js'
import { lazyBackend } from './backends/lazy.js'
import { hasWebCrypto, webcryptoBackend } from './backends/webcrypto.js'
import type { Runtime } from './runtime.js'
import { webcryptoPublicKey } from './webcrypto-public-key.js'

/** The synchronous backends: the pure-JS one once it is loaded (WebCrypto has none). */
const synchronous: Partial<Record<SyncBackendName, SyncCryptoBackend>> = {}
let loading: Promise<CryptoBackend> | undefined
/** @noble/curves' P-256, loaded with the pure-JS backend: what derives a public key synchronously here. */
let curve: typeof import('@noble/curves/nist.js')['p256'] | undefined
/** False once WebCrypto has refused to derive a public key (Firefox): pure JS derives from then on. */
let webcryptoDerives = hasWebCrypto()

/** Loads the pure-JS backend once; from then on its synchronous form is in `synchronous` too. */
function loadNoble(): Promise<CryptoBackend> {
  loading ??= Promise.all([import('./backends/noble.js'), import('@noble/curves/nist.js')]).then(([noble, nist]) => {
    synchronous.noble = noble.nobleSyncBackend
    curve = nist.p256
    return noble.nobleBackend
  })
  return loading
}

/** SEC 1 §3.2.1 Q = d·G by @noble/curves, synchronously: only once the pure-JS backend is loaded. */
function nobleDerive(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  if (curve === undefined)
    throw new WebPushError(
      'ERR_WP_BACKEND_UNAVAILABLE',
      "a public key is derived synchronously in this runtime by the 'noble' crypto backend, loaded on demand: await loadBackend('noble') once first, or use the asynchronous API (publicKeyOfAsync, importVapidKey)",
    )
  return new Uint8Array(curve.getPublicKey(privateKey, false))
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
  /** By the pure-JS backend once loaded (WebCrypto cannot derive synchronously); else `ERR_WP_BACKEND_UNAVAILABLE`. */
  derivePublicKey: nobleDerive,
  /** By WebCrypto, which keeps @noble out of the load; by the pure-JS backend, loaded then, where WebCrypto refuses. */
  async derivePublicKeyAsync(privateKey) {
    if (webcryptoDerives)
      try {
        return await webcryptoPublicKey(privateKey)
      } catch {
        webcryptoDerives = false
      }
    await loadNoble()
    return nobleDerive(privateKey)
  },
  async load() {
    await loadNoble()
  },
}
