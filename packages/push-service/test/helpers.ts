/** Shared helpers of the @wp/push-service tests: senders built on npm `web-push`, and response checks. */
import { createPrivateKey, randomBytes, sign } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { expect } from 'vitest'
import webpush, { type PushSubscription, type RequestDetails, type RequestOptions, type VapidKeys } from 'web-push'

export const SUBJECT = 'mailto:test@example.com'

/** A fresh VAPID key pair (web-push's: base64url public and private keys). */
export function vapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys()
}

export function vapidDetails(keys: VapidKeys): NonNullable<RequestOptions['vapidDetails']> {
  return { subject: SUBJECT, publicKey: keys.publicKey, privateKey: keys.privateKey }
}

/** web-push's request for `payload`, VAPID-signed with `keys`; TTL 60 unless `options` says otherwise. */
export function details(
  subscription: PushSubscription,
  payload: string | Buffer | null,
  keys: VapidKeys | undefined,
  options: RequestOptions = {},
): RequestDetails {
  const all: RequestOptions = {
    TTL: 60,
    ...(keys === undefined ? {} : { vapidDetails: vapidDetails(keys) }),
    ...options,
  }
  return payload === null
    ? webpush.generateRequestDetails(subscription, null, all)
    : webpush.generateRequestDetails(subscription, payload, all)
}

/**
 * A VAPID `Authorization` value with a token signed here (web-push refuses to sign some of the bad
 * claims the tests need, such as an `exp` more than 24 hours ahead).
 */
export function vapidAuthorization(keys: VapidKeys, claims: Record<string, unknown>): string {
  const point = Buffer.from(keys.publicKey, 'base64url')
  const key = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
      d: keys.privateKey,
    },
  })
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${part({ typ: 'JWT', alg: 'ES256' })}.${part(claims)}`
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  return `vapid t=${input}.${signature.toString('base64url')}, k=${keys.publicKey}`
}

/** The current time in seconds since the epoch. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** The request's headers as strings; `change` sets (string) or removes (undefined) some, names in any case. */
export function headersOf(
  request: RequestDetails,
  change: Record<string, string | undefined> = {},
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) out[name.toLowerCase()] = String(value)
  for (const [name, value] of Object.entries(change)) {
    if (value === undefined) delete out[name.toLowerCase()]
    else out[name.toLowerCase()] = value
  }
  return out
}

/** Sends a web-push request with fetch, optionally changing its headers or body. */
export function send(
  request: RequestDetails,
  change: { headers?: Record<string, string | undefined>; body?: Uint8Array | null } = {},
): Promise<Response> {
  const body = change.body === undefined ? request.body : change.body
  const headers = headersOf(request, change.headers)
  if (body === null) delete headers['content-length']
  else headers['content-length'] = String(body.length)
  return fetch(request.endpoint, {
    method: 'POST',
    headers,
    ...(body === null ? {} : { body: new Uint8Array(body) }),
  })
}

/** The message id: the last segment of the `Location` of a 201. */
export function messageId(response: Response, base: string): string {
  const location = response.headers.get('location') ?? ''
  expect(location).toMatch(new RegExp(`^${base.replace(/[.[\]]/g, '\\$&')}/m/[A-Za-z0-9_-]+$`))
  return location.slice(location.lastIndexOf('/') + 1)
}

/** Expects an error answer in autopush's JSON shape, with this status and errno. */
export async function expectError(response: Response, status: number, errno?: number): Promise<void> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const body = (await response.json()) as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual(['code', 'errno', 'error', 'message', 'more_info'])
  expect(body.code).toBe(status)
  if (errno === undefined) expect(typeof body.errno).toBe('number')
  else expect(body.errno).toBe(errno)
  expect(typeof body.error).toBe('string')
  expect(typeof body.message).toBe('string')
  expect(typeof body.more_info).toBe('string')
}

/** The same subscription with another random 16-byte auth secret: messages for it fail to decrypt. */
export function withWrongAuth(subscription: PushSubscription): PushSubscription {
  return { ...subscription, keys: { ...subscription.keys, auth: randomBytes(16).toString('base64url') } }
}

export interface HttpsAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** An HTTPS request with node:https, trusting `ca` (or nothing but the system's roots). */
export function https(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | null; ca?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body ?? undefined)
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
