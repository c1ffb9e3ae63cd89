/** VAPID keys: generation, import from every common format, export to each. */
import {
  type BackendKey,
  type BackendName,
  base64Decode,
  base64urlDecode,
  base64urlEncode,
  equalBytes,
  getBackend,
  isBytes,
  jwkToPoint,
  pointToJwk,
  publicKeyOf,
  toPrivateKey,
  toPublicKey,
  WebPushError,
} from '@wp/ece/utils'
import { readDerKey, writePkcs8, writeSec1, writeSpki } from './internal/key-der.js'
import { readPemBlocks, toPem } from './internal/pem.js'

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
 * The largest key input read: 64 KiB, in bytes or characters of text. A P-256 key is under 300 bytes
 * in any format; the rest leaves room for comments, parameters and certificates around it, and bounds
 * the work any input, or any file, can cause.
 */
export const MAX_KEY_INPUT_BYTES: number = 64 * 1024

/** Refuses a string or bytes larger than {@link MAX_KEY_INPUT_BYTES} before anything reads them. */
function checkInputSize(input: unknown): void {
  const size = typeof input === 'string' || isBytes(input) ? input.length : 0
  if (size > MAX_KEY_INPUT_BYTES)
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      `a key input must be at most ${MAX_KEY_INPUT_BYTES} bytes (a P-256 key is far smaller); got ${size}`,
    )
}

/**
 * A VAPID private key, imported once. Signing uses the fastest crypto backend and imports the key
 * into it once per backend, never per token. The private key is kept in a private field: it is not
 * shown by `console.log`, `JSON.stringify` or `util.inspect`.
 */
export class VapidKey {
  /** The 65-byte uncompressed public point. */
  readonly publicKey: Uint8Array<ArrayBuffer>
  /** The public key in base64url: what a page passes to `pushManager.subscribe({ applicationServerKey })`. */
  readonly applicationServerKey: string
  readonly #privateKey: Uint8Array<ArrayBuffer>
  readonly #imported = new Map<BackendName, Promise<BackendKey>>()

  /** Use {@link importVapidKey} or {@link generateVapidKeys}; this takes a checked 32-byte scalar. */
  constructor(privateKey: Uint8Array, publicKey?: Uint8Array) {
    try {
      this.#privateKey = new Uint8Array(toPrivateKey(privateKey, 'privateKey'))
    } catch (cause) {
      throw new WebPushError(
        'ERR_WP_VAPID_KEY',
        'a VAPID private key must be a P-256 scalar of 32 bytes, from 1 to n-1',
        {
          cause,
        },
      )
    }
    const derived = publicKeyOf(this.#privateKey)
    if (publicKey !== undefined) {
      const given = asKeyError(() => toPublicKey(publicKey, 'publicKey'))
      if (!equalBytes(given, derived))
        throw new WebPushError('ERR_WP_VAPID_KEY', 'the public key given does not match the private key')
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

  /** DER bytes: PKCS #8 (default) or SEC 1. */
  toDER(format: 'pkcs8' | 'sec1' = 'pkcs8'): Uint8Array<ArrayBuffer> {
    return toKeyFormat(format) === 'sec1'
      ? writeSec1(this.#privateKey, this.publicKey)
      : writePkcs8(this.#privateKey, this.publicKey)
  }

  /** PEM: PKCS #8 `PRIVATE KEY` (default, what py_vapid writes) or SEC 1 `EC PRIVATE KEY` (what `openssl ecparam` writes). */
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

  /** ES256 signature (64 bytes, `r || s`) of `data` on the current backend. */
  async sign(data: Uint8Array): Promise<Uint8Array> {
    const backend = getBackend()
    let key = this.#imported.get(backend.name)
    if (key === undefined) {
      key = backend.importSigningKey({ privateKey: this.#privateKey, publicKey: this.publicKey })
      this.#imported.set(backend.name, key)
      key.catch(() => this.#imported.delete(backend.name))
    }
    return backend.sign(await key, data)
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

/** Public-only input where a private key is needed. */
function publicOnly(what: string): WebPushError {
  return new WebPushError('ERR_WP_VAPID_KEY', `${what} is a public key; VAPID signing needs the private key`)
}

function fromDer(der: Uint8Array): VapidKey {
  const key = readDerKey(der)
  if (key.privateKey === undefined) throw publicOnly('the DER key')
  return new VapidKey(key.privateKey, key.publicKey)
}

function fromJwk(jwk: Record<string, unknown>): VapidKey {
  if (jwk.kty !== 'EC')
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      `VAPID needs an EC P-256 JWK; this JWK has kty ${JSON.stringify(jwk.kty)}`,
    )
  if (jwk.crv !== 'P-256')
    throw new WebPushError('ERR_WP_VAPID_KEY', `VAPID needs a P-256 key; this JWK is on ${JSON.stringify(jwk.crv)}`)
  if (typeof jwk.d !== 'string') throw publicOnly('the JWK (it has no "d")')
  // RFC 7518 §6.2.2.1: "d" is exactly as long as the order of the curve: 32 bytes for P-256.
  const privateKey = base64urlDecode(jwk.d, 'the JWK "d"')
  if (privateKey.length !== 32)
    throw new WebPushError('ERR_WP_VAPID_KEY', `the JWK "d" must be 32 bytes, got ${privateKey.length}`)
  // RFC 7518 §6.2.1.2-§6.2.1.3: "x" and "y", when given, are each exactly 32 bytes (never padded or cut).
  const publicKey = jwk.x !== undefined || jwk.y !== undefined ? jwkToPoint(jwk, 'the JWK') : undefined
  return new VapidKey(privateKey, publicKey)
}

function fromPem(text: string): VapidKey {
  const blocks = readPemBlocks(text)
  const block =
    blocks.find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY') ??
    blocks.find((b) => b.label !== 'EC PARAMETERS')
  if (block === undefined) throw new WebPushError('ERR_WP_VAPID_KEY', 'the PEM text has no key block')
  if (block.label === 'PUBLIC KEY') throw publicOnly('the PEM key')
  if (block.label === 'RSA PRIVATE KEY')
    throw new WebPushError('ERR_WP_VAPID_KEY', 'VAPID needs a P-256 (prime256v1) EC key; this is an RSA key')
  if (block.label === 'ENCRYPTED PRIVATE KEY')
    throw new WebPushError(
      'ERR_WP_VAPID_KEY',
      'encrypted PEM keys are not supported; export the key without a passphrase',
    )
  if (block.label !== 'PRIVATE KEY' && block.label !== 'EC PRIVATE KEY')
    throw new WebPushError('ERR_WP_VAPID_KEY', `a PEM "${block.label}" block is not a VAPID private key`)
  return fromDer(block.der)
}

/**
 * DER given as text, or a raw scalar in base64url: standard base64 (RFC 4648 §4) when it has a `+`
 * or a `/`, base64url (§5) otherwise; padded or not, with no whitespace inside.
 */
function decodeDerText(text: string): Uint8Array {
  return /[+/]/.test(text) ? base64Decode(text, 'the key') : base64urlDecode(text, 'the key')
}

function fromBytes(bytes: Uint8Array, what: string): VapidKey {
  if (bytes.length === 32) return new VapidKey(bytes)
  if (bytes[0] === 0x30) return fromDer(bytes)
  if (bytes.length === 65 && bytes[0] === 0x04) throw publicOnly(what)
  throw new WebPushError(
    'ERR_WP_VAPID_KEY',
    `${what} is ${bytes.length} bytes: neither a raw 32-byte P-256 private key nor DER`,
  )
}

/**
 * Reads a VAPID private key from any common format (see {@link VapidKeyInput}). A public key given
 * beside the private key (in a JWK, SEC 1, PKCS #8 or a `{ privateKey, publicKey }` pair) must match it.
 * @throws WebPushError `ERR_WP_VAPID_KEY` for garbage, RSA or Ed25519 keys, other curves, public-only keys and mismatches
 */
export async function importVapidKey(input: VapidKeyInput): Promise<VapidKey> {
  return importVapidKeySync(input)
}

/**
 * Runs `fn`, reporting the lower layers' input errors (`ERR_WP_BASE64URL`, `ERR_WP_KEY_LENGTH`,
 * `ERR_WP_INVALID_POINT`, ...) as `ERR_WP_VAPID_KEY`, the one code a bad VAPID key has.
 */
export function asKeyError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (cause) {
    if (WebPushError.is(cause) && cause.code !== 'ERR_WP_VAPID_KEY')
      throw new WebPushError('ERR_WP_VAPID_KEY', `not a valid VAPID key: ${cause.message}`, { cause })
    throw cause
  }
}

/** {@link importVapidKey}, synchronously. */
export function importVapidKeySync(input: VapidKeyInput): VapidKey {
  return asKeyError(() => importKey(input))
}

function importKey(input: VapidKeyInput): VapidKey {
  if (input instanceof VapidKey) return input
  checkInputSize(input)
  if (isBytes(input)) return fromBytes(input, 'the key')
  if (typeof input === 'string') {
    const text = input.trim()
    if (text.includes('-----BEGIN')) return fromPem(text)
    if (text.startsWith('{')) {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new WebPushError('ERR_WP_VAPID_KEY', 'the key text starts with "{" but is not valid JSON')
      }
      return importKey(parsed as VapidKeyInput)
    }
    if (text === '') throw new WebPushError('ERR_WP_VAPID_KEY', 'the key is an empty string')
    return fromBytes(decodeDerText(text), 'the key')
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const record = input as Record<string, unknown>
    if ('kty' in record) return fromJwk(record)
    if ('privateKey' in record) {
      const { privateKey, publicKey } = record
      if (typeof privateKey !== 'string' && !isBytes(privateKey))
        throw new WebPushError('ERR_WP_VAPID_KEY', 'privateKey must be a string or a Uint8Array')
      const key = importKey(privateKey as string | Uint8Array)
      if (publicKey !== undefined) {
        const given = typeof publicKey === 'string' ? base64urlDecode(publicKey.trim(), 'publicKey') : publicKey
        return new VapidKey(key.toRaw(), toPublicKey(given, 'publicKey'))
      }
      return key
    }
  }
  throw new WebPushError(
    'ERR_WP_VAPID_KEY',
    'a VAPID key must be PEM, DER, a raw 32-byte scalar, a JWK or a { privateKey, publicKey } pair',
  )
}

/**
 * Makes a new VAPID key pair.
 * @returns base64url of the 65-byte public point and of the 32-byte private scalar (the shape `web-push` users know)
 */
export async function generateVapidKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const { privateKey, publicKey } = await getBackend().generateKeyPair()
  return { publicKey: base64urlEncode(publicKey), privateKey: base64urlEncode(privateKey) }
}

/**
 * Reads a public key for verification: bytes or base64url of the 65-byte point, a SubjectPublicKeyInfo
 * PEM or DER, a public JWK, or any private-key input (its public half).
 * @throws WebPushError `ERR_WP_VAPID_KEY` for anything that is not a P-256 public key
 */
export function importPublicKey(input: unknown): Uint8Array {
  return asKeyError(() => readPublicKey(input))
}

function readPublicKey(input: unknown): Uint8Array {
  if (input instanceof VapidKey) return input.publicKey
  checkInputSize(input)
  if (typeof input === 'string' && input.includes('-----BEGIN')) {
    const blocks = readPemBlocks(input)
    const pub = blocks.find((b) => b.label === 'PUBLIC KEY')
    if (pub !== undefined) {
      const key = readDerKey(pub.der)
      return toPublicKey(key.publicKey, 'the public key')
    }
    return importVapidKeySync(input).publicKey
  }
  if (isBytes(input) && input[0] === 0x30) {
    const key = readDerKey(input)
    if (key.publicKey !== undefined) return toPublicKey(key.publicKey, 'the public key')
    return importVapidKeySync(input).publicKey
  }
  if (typeof input === 'object' && input !== null && 'kty' in input) {
    const jwk = input as Record<string, unknown>
    if (typeof jwk.d === 'string') return fromJwk(jwk).publicKey
    return jwkToPoint(jwk, 'the public JWK')
  }
  return toPublicKey(input, 'the public key')
}

/**
 * Reads a VAPID private key file in Node (PEM, or DER bytes), e.g. the output of
 * `openssl ecparam -name prime256v1 -genkey -noout -out private_key.pem` or `vapid generate`.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file is missing, unreadable, larger than 64 KiB,
 *   or is not a key
 */
export async function readVapidKeyFile(path: string): Promise<VapidKey> {
  const bytes = await readKeyFile(path)
  const text = new TextDecoder().decode(bytes)
  if (text.includes('-----BEGIN')) return importVapidKeySync(text)
  if (bytes[0] === 0x30) return importVapidKeySync(new Uint8Array(bytes))
  return importVapidKeySync(text.trim())
}

/**
 * The bytes of a key file (Node), reading at most {@link MAX_KEY_INPUT_BYTES} and one more: a larger
 * file, or one that never ends (a device, a pipe), is refused without being read whole.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file is missing, unreadable or too large
 */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  const { open } = await import('node:fs/promises')
  const unreadable = (cause: unknown): WebPushError => {
    const code = (cause as { code?: string }).code
    return new WebPushError(
      'ERR_WP_VAPID_KEY',
      code === 'ENOENT'
        ? `no VAPID key file at ${path}`
        : `cannot read the VAPID key file ${path} (${code ?? 'error'})`,
      { cause },
    )
  }
  let file: Awaited<ReturnType<typeof open>>
  try {
    file = await open(path, 'r')
  } catch (cause) {
    throw unreadable(cause)
  }
  try {
    const buffer = new Uint8Array(MAX_KEY_INPUT_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_KEY_INPUT_BYTES)
      throw new WebPushError(
        'ERR_WP_VAPID_KEY',
        `the VAPID key file ${path} is larger than ${MAX_KEY_INPUT_BYTES} bytes; a key file is far smaller`,
      )
    return buffer.subarray(0, length)
  } catch (cause) {
    throw WebPushError.is(cause) ? cause : unreadable(cause)
  } finally {
    await file.close()
  }
}
