import { execFileSync } from 'node:child_process'
import { createPublicKey, KeyObject, verify as nodeVerify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BackendName } from '@wp/ece'
import { base64urlDecode, WebPushError } from '@wp/ece/utils'
import { importJWK, jwtVerify } from 'jose'
import { afterAll, expect } from 'vitest'

export const SUBJECT = 'mailto:ops@example.com'
export const AUDIENCE = 'https://push.example.net'
export const ENDPOINT: string = `${AUDIENCE}/wpush/v2/gAAAAABk`

/** Every crypto backend of @wp/ece. */
export const backends: BackendName[] = ['node', 'webcrypto', 'noble']

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wp-vapid-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Runs the openssl CLI in `cwd`; returns stdout. */
export function openssl(cwd: string, ...args: string[]): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** The error thrown by `fn` (sync or async), failing the test when nothing is thrown. */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

/** Asserts `fn` throws (or rejects with) a WebPushError with `code`; returns the error. */
export async function expectCode(fn: () => unknown, code: string): Promise<WebPushError> {
  const error = await caught(fn)
  expect(WebPushError.is(error), String(error)).toBe(true)
  expect((error as WebPushError).code).toBe(code)
  return error as WebPushError
}

/** The 65-byte point as a public JWK. */
export function publicJwk(point: Uint8Array): { kty: 'EC'; crv: 'P-256'; x: string; y: string } {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
  return { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) }
}

/** Verifies a token with npm `jose` (ES256 only) against the 65-byte point or its base64url; returns the payload. */
export async function joseVerify(
  token: string,
  point: Uint8Array | string,
  audience?: string,
): Promise<Record<string, unknown>> {
  const bytes = typeof point === 'string' ? base64urlDecode(point) : point
  const key = await importJWK(publicJwk(bytes), 'ES256')
  const { payload, protectedHeader } = await jwtVerify(token, key, {
    algorithms: ['ES256'],
    ...(audience === undefined ? {} : { audience }),
  })
  expect(protectedHeader.alg).toBe('ES256')
  return payload as Record<string, unknown>
}

/** Verifies the JWS signature of a token with node:crypto (IEEE P1363 encoding) and a public key in any form node reads. */
export function nodeVerifies(token: string, publicKey: KeyObject | string): boolean {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const sig = Buffer.from(signature, 'base64url')
  expect(sig.length).toBe(64)
  return nodeVerify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key: publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey), dsaEncoding: 'ieee-p1363' },
    sig,
  )
}

/** Splits VAPID headers of either encoding into token and key, checking their exact shape. */
export function parseVapidHeaders(headers: Record<string, string>): { token: string; key: string } {
  const auth = headers.Authorization ?? headers.authorization
  if (auth === undefined) throw new Error('no Authorization header')
  const vapid = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(auth)
  if (vapid) return { token: vapid[1] as string, key: vapid[2] as string }
  const legacy = /^WebPush ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(auth)
  const cryptoKey = headers['Crypto-Key'] ?? headers['crypto-key']
  const k = cryptoKey === undefined ? null : /(?:^|;)\s*p256ecdsa=([A-Za-z0-9_-]+)/.exec(cryptoKey)
  if (legacy && k) return { token: legacy[1] as string, key: k[1] as string }
  throw new Error(`not VAPID headers: ${JSON.stringify(headers)}`)
}

/** The decoded payload of a JWT (no verification). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))
}
