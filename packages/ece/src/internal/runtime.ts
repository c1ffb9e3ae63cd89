/**
 * The shape of the module behind the `#backends` import map, declared once. The map picks
 * `runtime.node.ts` under the `node` and `bun` conditions, `runtime.deno.ts` (node:crypto too, with
 * its own preferences) under `deno`, and `runtime.default.ts` everywhere else. Each exports `runtime: Runtime`, so the compiler holds all to this
 * shape and they cannot drift apart (an annotation, not `satisfies`, which `isolatedDeclarations` does not
 * accept on an export; it checks the same, and refuses extra members too).
 */
import type { BackendName, BackendOperation, CryptoBackend, SyncBackendName, SyncCryptoBackend } from '../backend.js'

/** What one kind of runtime offers the rest of the package. */
export interface Runtime {
  /** The crypto backends this runtime has, by name (never an entry that is undefined). */
  readonly available: Readonly<Partial<Record<BackendName, CryptoBackend>>>
  /**
   * The synchronous form of each backend here that has one (node:crypto, pure JS), by name. A backend
   * loaded on demand (pure JS outside Node) appears here once {@link Runtime.load} has loaded it.
   */
  readonly synchronous: Readonly<Partial<Record<SyncBackendName, SyncCryptoBackend>>>
  /** The name of the default backend, one of {@link Runtime.available}. */
  readonly preferred: BackendName
  /**
   * Where another backend is measurably faster for one operation in this runtime, its name for that
   * operation (one of {@link Runtime.available}); {@link Runtime.preferred} for every other.
   */
  readonly preferredFor?: Readonly<Partial<Record<BackendOperation, BackendName>>>
  /**
   * The 65-byte uncompressed public point of a valid 32-byte private scalar, synchronously (WebCrypto
   * cannot derive it, so only node:crypto or pure JS can; where pure JS is loaded on demand, it
   * throws `ERR_WP_BACKEND_UNAVAILABLE` until {@link Runtime.load}).
   */
  derivePublicKey(privateKey: Uint8Array): Uint8Array<ArrayBuffer>
  /**
   * {@link Runtime.derivePublicKey}, asynchronously, with nothing to load first; where it is absent,
   * the synchronous derivation serves (node:crypto has everything loaded).
   */
  derivePublicKeyAsync?(privateKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>>
  /** Loads the backends this runtime loads on demand (none in Node; pure JS elsewhere). */
  load(): Promise<void>
}
