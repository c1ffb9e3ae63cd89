/**
 * The crypto backends. Every primitive the @wp packages need goes through one small interface with
 * three implementations: `'node'` (node:crypto, the fastest; also Bun and Deno), `'webcrypto'`
 * (`crypto.subtle`, every modern runtime) and `'noble'` (pure JS: @noble/curves, @noble/hashes and
 * @noble/ciphers; loaded on demand outside Node). They produce identical bytes for identical inputs.
 *
 * The default is chosen through the package's `#backends` import map: the `node` (also `bun`,
 * `deno`) export condition picks node:crypto, every other runtime WebCrypto, and a runtime without
 * `crypto.subtle` (an insecure browser context) the pure-JS one. Where another backend is measurably
 * faster for one operation (ES256 signing in Deno: pure JS), the runtime names it for that operation.
 */
import { runtime } from '#backends'
import { describeValue } from './bytes.js'
import { WebPushError } from './errors.js'

/** The name of a crypto backend. */
export type BackendName = 'node' | 'webcrypto' | 'noble'

/**
 * What a default backend is for: `'sign'` is ES256 signing and verification (VAPID), `'encrypt'`
 * everything else (ECDH, HKDF, AES-GCM, key generation).
 */
export type BackendOperation = 'encrypt' | 'sign'

/** A P-256 key pair as raw bytes: the 32-byte private scalar and the 65-byte uncompressed point. */
export interface KeyPair {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** A key imported into a backend for repeated use (an AES key, a signing key). Opaque. */
export interface BackendKey {
  readonly backend: BackendName
}

/**
 * The primitives every backend provides. Inputs are validated by the callers (lengths, points on the
 * curve); a backend may throw anything on bad input, and callers map that to a `WebPushError`.
 */
export interface CryptoBackend {
  readonly name: BackendName
  /** A fresh P-256 key pair. */
  generateKeyPair(): Promise<KeyPair>
  /** ECDH between a fresh ephemeral key pair and `peerPublicKey`: the ephemeral public key and the 32-byte shared secret. */
  ephemeralEcdh(peerPublicKey: Uint8Array): Promise<{ publicKey: Uint8Array; secret: Uint8Array }>
  /** ECDH between `own` and `peerPublicKey`: the 32-byte x coordinate of the shared point. */
  ecdh(own: KeyPair, peerPublicKey: Uint8Array): Promise<Uint8Array>
  /** HKDF-SHA-256 (RFC 5869), `length` at most 32. */
  hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
  /** HMAC-SHA-256. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>
  /** Imports a 16-byte AES-128-GCM key for several records. */
  importAesKey(key: Uint8Array): Promise<BackendKey>
  /**
   * AES-128-GCM encryption: ciphertext followed by the 16-byte tag. A backend may write it straight
   * into `into` (exactly plaintext + 16 bytes long) and return `into`; callers copy otherwise.
   */
  aesGcmEncrypt(key: BackendKey, nonce: Uint8Array, plaintext: Uint8Array, into?: Uint8Array): Promise<Uint8Array>
  /** AES-128-GCM decryption of ciphertext followed by its tag; throws when the tag does not verify. */
  aesGcmDecrypt(key: BackendKey, nonce: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>
  /** Imports a P-256 private key for ECDSA signing (done once per key, then reused). */
  importSigningKey(pair: KeyPair): Promise<BackendKey>
  /** ES256: ECDSA P-256 over SHA-256 of `data`, as the 64-byte `r || s` (IEEE P1363) signature. */
  sign(key: BackendKey, data: Uint8Array): Promise<Uint8Array>
  /** Verifies a 64-byte `r || s` ES256 signature. Never throws for a bad signature: returns false. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>
}

/** The name of a synchronous backend: node:crypto or pure JS. WebCrypto is asynchronous by design. */
export type SyncBackendName = 'node' | 'noble'

/**
 * A backend whose primitives return their results directly: the same primitives as
 * {@link CryptoBackend}, with the same inputs, outputs and bytes, without the promises. node:crypto
 * and the pure-JS code compute synchronously underneath, so `'node'` and `'noble'` have one;
 * `crypto.subtle` cannot, so `'webcrypto'` has none. What the synchronous API runs on.
 */
export type SyncCryptoBackend = { readonly name: SyncBackendName } & {
  readonly [K in Exclude<keyof CryptoBackend, 'name'>]: CryptoBackend[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R
    : never
}

const { available, preferred, synchronous } = runtime
const fallback: CryptoBackend = available[preferred] ?? (available.noble as CryptoBackend)
/** The runtime's default backend per operation: its preferred one unless it names another for the operation. */
const defaults: Readonly<Record<BackendOperation, CryptoBackend>> = {
  encrypt: available[runtime.preferredFor?.encrypt ?? preferred] ?? fallback,
  sign: available[runtime.preferredFor?.sign ?? preferred] ?? fallback,
}
/** What {@link useBackend} chose, for every operation; undefined until then. */
let chosen: CryptoBackend | undefined

/**
 * The backend in use for `operation` (default `'encrypt'`): what {@link useBackend} chose, or else the
 * runtime's default for that operation, the fastest measured there (`'node'` for both in Node and
 * Bun; in Deno `'node'` to encrypt and `'noble'` to sign; `'webcrypto'` in browsers and Workers).
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for an operation other than `'encrypt'` and `'sign'`
 * @example
 * ```ts
 * getBackend().name // 'node' in Node, 'webcrypto' in a browser
 * getBackend('sign').name // 'noble' in Deno
 * ```
 */
export function getBackend(operation: BackendOperation = 'encrypt'): CryptoBackend {
  if (operation === 'encrypt') return chosen ?? defaults.encrypt
  if (operation === 'sign') return chosen ?? defaults.sign
  throw badOperation(operation)
}

function badOperation(operation: unknown): WebPushError {
  return new WebPushError(
    'ERR_WP_INVALID_ARGUMENT',
    `operation must be 'encrypt' or 'sign', got ${typeof operation === 'string' ? `'${operation.slice(0, 32)}'` : describeValue(operation)}`,
  )
}

/**
 * The backend of the given name, without making it the default.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for another name, `ERR_WP_BACKEND_UNAVAILABLE` when
 *   the runtime lacks it
 */
export function backendByName(name: BackendName): CryptoBackend {
  // Check the name before the lookup: `available['toString']` or `available[['node']]` would find something.
  if (name !== 'node' && name !== 'webcrypto' && name !== 'noble')
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `backend must be 'node', 'webcrypto' or 'noble', got ${typeof name === 'string' ? `'${(name as string).slice(0, 32)}'` : describeValue(name)}`,
    )
  const backend = available[name]
  if (backend === undefined) {
    throw new WebPushError(
      'ERR_WP_BACKEND_UNAVAILABLE',
      `the '${name}' crypto backend is not available in this runtime (available: ${Object.keys(available).join(', ')})`,
    )
  }
  return backend
}

/**
 * Makes `name` the backend for everything that follows, every operation, in this copy of @wp/ece.
 * @throws WebPushError `ERR_WP_BACKEND_UNAVAILABLE` when the runtime lacks it (`'node'` in a browser),
 *   `ERR_WP_INVALID_ARGUMENT` for a name that is not a backend's
 * @example
 * ```ts
 * useBackend('noble') // pure JS from now on; or { backend: 'noble' } for one call
 * ```
 */
export function useBackend(name: BackendName): void {
  chosen = backendByName(name)
}

/**
 * The names of the backends this runtime can use, the default (for `'encrypt'`) first.
 * @example
 * ```ts
 * availableBackends() // ['node', 'webcrypto', 'noble'] in Node; ['webcrypto', 'noble'] in a browser
 * ```
 */
export function availableBackends(): BackendName[] {
  const names = Object.keys(available) as BackendName[]
  const first = defaults.encrypt.name
  return [first, ...names.filter((n) => n !== first)].filter((n) => available[n] !== undefined)
}

/**
 * The synchronous backend of the given name.
 * @throws WebPushError `ERR_WP_BACKEND_UNAVAILABLE` for `'webcrypto'` (asynchronous by design), for
 *   `'node'` where node:crypto does not exist and for `'noble'` outside Node before {@link loadBackend},
 *   `ERR_WP_INVALID_ARGUMENT` for a name that is not a backend's
 * @example
 * ```ts
 * syncBackendByName('noble').hmacSha256(key, data) // a Uint8Array, not a promise
 * ```
 */
export function syncBackendByName(name: BackendName): SyncCryptoBackend {
  backendByName(name) // the same checks and messages as the asynchronous API, for a bad name or a missing backend
  const backend = synchronous[name as SyncBackendName]
  if (backend !== undefined) return backend
  if (name === 'noble') throw notLoaded()
  const names = (['node', 'noble'] as const).filter((n) => available[n] !== undefined)
  throw new WebPushError(
    'ERR_WP_BACKEND_UNAVAILABLE',
    `the '${name}' crypto backend is asynchronous; a synchronous call runs on ${names.map((n) => `'${n}'`).join(' or ')}`,
  )
}

/** Outside Node the pure-JS backend is loaded on demand: the synchronous API needs it loaded first. */
function notLoaded(): WebPushError {
  return new WebPushError(
    'ERR_WP_BACKEND_UNAVAILABLE',
    "the 'noble' crypto backend is loaded on demand in this runtime: await loadBackend('noble') once before a synchronous call",
  )
}

/**
 * Loads the backend of the given name where it is loaded on demand (the pure-JS one outside Node,
 * which a bundler then keeps in a chunk of its own), and returns it. Needed once before the
 * synchronous API in a browser or a Worker; everything is loaded already in Node.
 * @throws WebPushError (as a rejection) `ERR_WP_BACKEND_UNAVAILABLE` when the runtime lacks it,
 *   `ERR_WP_INVALID_ARGUMENT` for a name that is not a backend's
 * @example
 * ```ts
 * await loadBackend('noble')
 * encryptWebPushSync(subscription, 'hi') // synchronous in a browser too
 * ```
 */
export async function loadBackend(name: BackendName): Promise<CryptoBackend> {
  const backend = backendByName(name)
  await runtime.load()
  return backend
}

/** The synchronous form of `backend` (`'node'`, `'noble'`), or undefined for `'webcrypto'`. */
export function synchronousOf(backend: CryptoBackend): SyncCryptoBackend | undefined {
  return synchronous[backend.name as SyncBackendName]
}

/**
 * The synchronous backend to use now for `operation` (default `'encrypt'`): the backend
 * {@link getBackend} gives for it when that is synchronous (`'node'`, `'noble'`), else the runtime's
 * own (node:crypto where it exists, pure JS elsewhere, once loaded: see {@link loadBackend}). Never
 * WebCrypto.
 * @throws WebPushError `ERR_WP_BACKEND_UNAVAILABLE` outside Node before the pure-JS backend is loaded,
 *   `ERR_WP_INVALID_ARGUMENT` for an operation other than `'encrypt'` and `'sign'`
 * @example
 * ```ts
 * getSyncBackend().name // 'node' in Node, 'noble' in a browser
 * ```
 */
export function getSyncBackend(operation: BackendOperation = 'encrypt'): SyncCryptoBackend {
  const current = getBackend(operation)
  const backend = synchronous[current.name as SyncBackendName] ?? synchronous.node ?? synchronous.noble
  if (backend === undefined) throw notLoaded()
  return backend
}
