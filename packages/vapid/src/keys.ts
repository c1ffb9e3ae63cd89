/** VAPID keys (RFC 8292 §3.2: P-256, the ECDSA key of ES256): generation, import from every common format, export to each. */
import {
  type BackendKey,
  type BackendName,
  base64urlEncode,
  equalBytes,
  getBackend,
  getSyncBackend,
  pointToJwk,
  publicKeyOf,
  publicKeyOfAsync,
  type SyncBackendName,
  toByteArray,
  toPrivateKey,
  toPublicKey,
  WebPushError,
} from '@wp/ece/utils'
import { writePkcs8, writeSec1, writeSpki } from './internal/key-der.js'
import { mismatch, readPrivateKey, readPublicKey } from './internal/key-formats.js'
import { toPem } from './internal/pem.js'

/** A P-256 JSON Web Key (RFC 7517, RFC 7518 §6.2). */
export interface EcJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  d?: string
  [other: string]: unknown
}

/**
 * Everything {@link importVapidKey} reads: a PEM text (PKCS #8 `PRIVATE KEY` or SEC 1
 * `EC PRIVATE KEY`), DER (bytes, base64 or base64url), the raw 32-byte scalar (bytes or base64url),
 * a JWK (object or JSON text), a `{ privateKey, publicKey }` pair as `web-push` users keep it, or a
 * {@link VapidKey}.
 */
export type VapidKeyInput =
  | string
  | Uint8Array
  | EcJwk
  | { privateKey: string | Uint8Array; publicKey?: string | Uint8Array }
  | VapidKey

const inspect = Symbol.for('nodejs.util.inspect.custom')

/**
 * The public point {@link importVapidKey} derived asynchronously from a checked scalar, for the
 * `new VapidKey` of that scalar it makes next, synchronously (so no other construction comes
 * between); the constructor takes it and clears it before anything else. Undefined otherwise.
 */
let derivedPublicKey: Uint8Array<ArrayBuffer> | undefined

/** A VAPID private key's scalar, checked (SEC 1 §3.2.1: from 1 to n-1), in a copy of its own. */
function toScalar(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(toPrivateKey(privateKey, 'privateKey'))
  } catch (cause) {
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      'a VAPID private key must be a P-256 scalar of 32 bytes, from 1 to n-1',
      {
        cause,
      },
    )
  }
}

/**
 * A VAPID private key, imported once. Signing uses the fastest crypto backend and imports the key
 * into it once per backend, never per token. The private key is kept in a private field: it is not
 * shown by `console.log`, `JSON.stringify` or `util.inspect`.
 * @example
 * const key = await importVapidKey(privateKey)
 * key.applicationServerKey // base64url of the public point, for pushManager.subscribe()
 * writeFileSync('private_key.pem', key.toPEM(), { mode: 0o600 }) // PKCS #8; key.toPEM('sec1') for SEC 1
 */
export class VapidKey {
  /** The 65-byte uncompressed public point. */
  readonly publicKey: Uint8Array<ArrayBuffer>
  /** The public key in base64url: what a page passes to `pushManager.subscribe({ applicationServerKey })`. */
  readonly applicationServerKey: string
  readonly #privateKey: Uint8Array<ArrayBuffer>
  readonly #imported = new Map<BackendName, Promise<BackendKey>>()
  readonly #importedSync = new Map<SyncBackendName, BackendKey>()

  /**
   * Use {@link importVapidKey}; this takes the 32-byte scalar and, if given, the public point that
   * must belong to it, and derives that point synchronously: outside Node, only once
   * `await loadBackend('noble')` (from `@wp/ece/utils`) has loaded the pure-JS backend.
   * @throws WebPushError `ERR_WP_VAPID_KEY` for a scalar out of 1 to n-1, or a public key that is not its own;
   *   `ERR_WP_BACKEND_UNAVAILABLE` outside Node before the pure-JS backend is loaded
   */
  constructor(privateKey: Uint8Array, publicKey?: Uint8Array) {
    // The point importVapidKey derived for this very construction, if it made it: taken and cleared first.
    const trusted = derivedPublicKey
    derivedPublicKey = undefined
    this.#privateKey = toScalar(privateKey)
    const derived = trusted ?? publicKeyOf(this.#privateKey)
    if (publicKey !== undefined) {
      const given = asKeyError(() => toPublicKey(publicKey, 'publicKey'))
      if (!equalBytes(given, derived)) throw mismatch()
    }
    this.publicKey = derived
    this.applicationServerKey = base64urlEncode(derived)
  }

  /** The raw 32-byte private scalar (a copy). */
  toRaw(): Uint8Array<ArrayBuffer> {
    return new Uint8Array(this.#privateKey)
  }

  /** The private key as base64url of the raw scalar (the `privateKey` string `web-push` users keep). */
  toBase64url(): string {
    return base64urlEncode(this.#privateKey)
  }

  /**
   * DER bytes: PKCS #8 (default) or SEC 1.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a format other than `'pkcs8'` and `'sec1'`
   */
  toDER(format: 'pkcs8' | 'sec1' = 'pkcs8'): Uint8Array<ArrayBuffer> {
    return toKeyFormat(format) === 'sec1'
      ? writeSec1(this.#privateKey, this.publicKey)
      : writePkcs8(this.#privateKey, this.publicKey)
  }

  /**
   * PEM: PKCS #8 `PRIVATE KEY` (default, what py_vapid writes) or SEC 1 `EC PRIVATE KEY` (what `openssl ecparam` writes).
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for a format other than `'pkcs8'` and `'sec1'`
   */
  toPEM(format: 'pkcs8' | 'sec1' = 'pkcs8'): string {
    return toPem(toKeyFormat(format) === 'sec1' ? 'EC PRIVATE KEY' : 'PRIVATE KEY', this.toDER(format))
  }

  /** The public key as a SubjectPublicKeyInfo PEM (`PUBLIC KEY`), for `public_key.pem`. */
  publicKeyPEM(): string {
    return toPem('PUBLIC KEY', writeSpki(this.publicKey))
  }

  /** The private key as a JWK with `d`. */
  toJWK(): EcJwk {
    return { ...pointToJwk(this.publicKey), d: base64urlEncode(this.#privateKey) }
  }

  /** ES256 signature (64 bytes, `r || s`) of `data` on the default signing backend (`getBackend('sign')`: the fastest signer of the runtime). */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const backend = getBackend('sign')
    let key = this.#imported.get(backend.name)
    if (key === undefined) {
      key = backend.importSigningKey({ privateKey: this.#privateKey, publicKey: this.publicKey })
      this.#imported.set(backend.name, key)
      key.catch(() => this.#imported.delete(backend.name))
    }
    return backend.sign(await key, data)
  }

  /**
   * {@link VapidKey.sign}, synchronously: the ES256 signature (64 bytes, `r || s`, RFC 7518 §3.4) of
   * `data` on the synchronous backend of `@wp/ece` (the default backend when it is node:crypto or
   * pure JS, else node:crypto where it exists and pure JS elsewhere; never WebCrypto, which is
   * asynchronous). The key is imported into that backend once, never per signature.
   * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` when `data` is not a Uint8Array
   * @example
   * const input = `${header}.${payload}` // base64url of the JWT header and claims
   * const token = `${input}.${base64urlEncode(key.signSync(new TextEncoder().encode(input)))}`
   */
  signSync(data: Uint8Array): Uint8Array {
    toByteArray(data, 'data')
    const backend = getSyncBackend('sign')
    let key = this.#importedSync.get(backend.name)
    if (key === undefined) {
      key = backend.importSigningKey({ privateKey: this.#privateKey, publicKey: this.publicKey })
      this.#importedSync.set(backend.name, key)
    }
    return backend.sign(key, data)
  }

  /** Only the public part: a `VapidKey` never serialises its private key by accident. */
  toJSON(): { applicationServerKey: string } {
    return { applicationServerKey: this.applicationServerKey }
  }
}

// util.inspect and console.log in Node show the public part only.
Object.defineProperty(VapidKey.prototype, inspect, {
  value(this: VapidKey): string {
    return `VapidKey { applicationServerKey: '${this.applicationServerKey}' }`
  },
})

/** Checks an export format: anything but 'pkcs8' or 'sec1' is refused, never taken as the default. */
function toKeyFormat(format: unknown): 'pkcs8' | 'sec1' {
  if (format === 'pkcs8' || format === 'sec1') return format
  throw new WebPushError(
    'ERR_WP_INVALID_ARGUMENT',
    `format must be 'pkcs8' or 'sec1', got ${typeof format === 'string' ? `'${format.slice(0, 32)}'` : typeof format}`,
  )
}

/**
 * Runs `fn`, reporting the lower layers' input errors (`ERR_WP_BASE64URL`, `ERR_WP_KEY_LENGTH`,
 * `ERR_WP_INVALID_POINT`, ...) as `ERR_WP_VAPID_KEY`, the one code a bad VAPID key has.
 */
function asKeyError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (cause) {
    // A backend to load first is not a fault of the key: that error says what to do, as it is.
    if (WebPushError.is(cause) && cause.code !== 'ERR_WP_VAPID_KEY' && cause.code !== 'ERR_WP_BACKEND_UNAVAILABLE')
      throw new WebPushError('ERR_WP_VAPID_KEY', `not a valid VAPID key: ${cause.message}`, { cause })
    throw cause
  }
}

/**
 * Reads a VAPID private key from any common format (see {@link VapidKeyInput}). A public key given
 * beside the private key (in a JWK, SEC 1, PKCS #8 or a `{ privateKey, publicKey }` pair) must match
 * it. A text or byte input is at most 64 KiB. The public key is derived with nothing to load first,
 * in browsers and Workers too (node:crypto in Node, else WebCrypto, else pure JS loaded on demand).
 * @returns the key, ready to sign; a `VapidKey` given is returned as it is
 * @throws WebPushError `ERR_WP_VAPID_KEY` for garbage, RSA or Ed25519 keys, other curves, public-only
 *   keys, encrypted PEM, mismatches and inputs over 64 KiB
 * @example
 * const key = await importVapidKey(process.env.VAPID_PRIVATE_KEY) // PEM, DER, base64url scalar, JWK...
 * key.applicationServerKey // for pushManager.subscribe({ applicationServerKey })
 */
export async function importVapidKey(input: VapidKeyInput): Promise<VapidKey> {
  if (input instanceof VapidKey) return input
  const { privateKey, publicKey } = asKeyError(() => readPrivateKey(input))
  const scalar = toScalar(privateKey)
  // Derived asynchronously (WebCrypto outside Node: nothing to load first), then checked against a
  // public key given, by the constructor, exactly as the synchronous import does.
  const derived = await publicKeyOfAsync(scalar)
  derivedPublicKey = derived
  return asKeyError(() => new VapidKey(scalar, publicKey))
}

/**
 * {@link importVapidKey}, synchronously. Outside Node it derives the public key on the pure-JS
 * backend, which must be loaded first: `await loadBackend('noble')` from `@wp/ece/utils`.
 * @throws WebPushError `ERR_WP_VAPID_KEY`, as `importVapidKey`; `ERR_WP_BACKEND_UNAVAILABLE` outside
 *   Node before the pure-JS backend is loaded
 * @example
 * const key = importVapidKeySync(readFileSync('private_key.pem', 'utf8'))
 */
export function importVapidKeySync(input: VapidKeyInput): VapidKey {
  if (input instanceof VapidKey) return input
  return asKeyError(() => {
    const { privateKey, publicKey } = readPrivateKey(input)
    return new VapidKey(privateKey, publicKey)
  })
}

/**
 * Makes a new VAPID key pair.
 * @returns base64url of the 65-byte public point and of the 32-byte private scalar (the shape `web-push` users know)
 * @example
 * const { publicKey, privateKey } = await generateVapidKeys()
 */
export async function generateVapidKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const { privateKey, publicKey } = await getBackend().generateKeyPair()
  return { publicKey: base64urlEncode(publicKey), privateKey: base64urlEncode(privateKey) }
}

/**
 * Reads a public key for verification: bytes or base64url of the 65-byte point, a SubjectPublicKeyInfo
 * PEM or DER, a public JWK, a `VapidKey`, or any private-key input (its public half).
 * @returns the 65-byte uncompressed point, on P-256
 * @throws WebPushError `ERR_WP_VAPID_KEY` for anything that is not a P-256 public key
 * @example
 * importPublicKey(readFileSync('public_key.pem', 'utf8')) // 65 bytes
 */
export function importPublicKey(input: unknown): Uint8Array {
  if (input instanceof VapidKey) return input.publicKey
  return asKeyError(() => readPublicKey(input) ?? importVapidKeySync(input as VapidKeyInput).publicKey)
}
