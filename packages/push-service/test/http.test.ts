/**
 * RFC 8030 §5 on the HTTP side: what `POST /push/<id>` accepts and how it refuses the rest, with
 * autopush's status codes, errnos and JSON error bodies. Requests are built by npm `web-push`.
 */
import { Agent, request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webpush, { type RequestDetails } from 'web-push'
import { type PushService, startPushService, type TestSubscriber } from '../src/index.js'
import {
  details,
  expectError,
  headersOf,
  messageId,
  nowSeconds,
  SUBJECT,
  send,
  vapidAuthorization,
  vapidKeys,
} from './helpers.js'

const vapid = vapidKeys()
const otherVapid = vapidKeys()
let service: PushService
let subscriber: TestSubscriber

beforeAll(async () => {
  service = await startPushService()
  subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
})
afterAll(() => service.close())

/** web-push's VAPID `Authorization` (aes128gcm form) for any audience and expiry. */
const signedBy = (keys: typeof vapid, audience: string, expiration?: number): string =>
  webpush.getVapidHeaders(audience, SUBJECT, keys.publicKey, keys.privateKey, 'aes128gcm', expiration).Authorization

/** A POST with node:http, its body written in `chunks` (chunked when there is no Content-Length). */
function post(
  url: string,
  headers: Record<string, string>,
  chunks: Uint8Array[],
  agent: Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, agent, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')))
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

/** A valid aes128gcm request for the shared subscriber. */
const valid = (options: Parameters<typeof details>[3] = {}): RequestDetails =>
  details(subscriber.subscription, 'hello', vapid, options)

describe('POST /push/<id> accepts', () => {
  it('a valid request: 201 with Location under /m/ and the TTL it will keep', async () => {
    const response = await send(valid({ TTL: 120 }))
    expect(response.status).toBe(201)
    expect(response.headers.get('ttl')).toBe('120')
    const id = messageId(response, service.url)
    const received = await subscriber.next()
    expect(received.id).toBe(id)
    expect(received.text).toBe('hello')
  })

  it('a TTL above the longest kept, reduced to 30 days and answered so', async () => {
    const response = await send(valid(), { headers: { TTL: '99999999' } })
    expect(response.status).toBe(201)
    expect(response.headers.get('ttl')).toBe(String(30 * 24 * 3600))
    await subscriber.next()
  })

  it('a TTL above maxTtlSeconds, reduced to it and answered so', async () => {
    const short = await startPushService({ maxTtlSeconds: 100 })
    try {
      const open = await short.subscribe({ applicationServerKey: vapid.publicKey })
      const response = await send(details(open.subscription, 'capped', vapid, { TTL: 500 }))
      expect(response.status).toBe(201)
      expect(response.headers.get('ttl')).toBe('100')
      expect((await open.next()).text).toBe('capped')
    } finally {
      await short.close()
    }
  })

  it('every Urgency of RFC 8030 §5.3 and a 32-character base64url Topic', async () => {
    for (const urgency of ['very-low', 'low', 'normal', 'high'] as const) {
      const response = await send(valid({ urgency, topic: 'A'.repeat(31) + '_' }))
      expect(response.status).toBe(201)
      expect((await subscriber.next()).headers.urgency).toBe(urgency)
    }
  })

  it('a push without payload', async () => {
    const response = await send(details(subscriber.subscription, null, vapid))
    expect(response.status).toBe(201)
    const received = await subscriber.next()
    expect(received.payload).toHaveLength(0)
    expect(received.encoding).toBeUndefined()
  })

  it('no Authorization for a subscription made without an applicationServerKey', async () => {
    const open = await service.subscribe()
    const response = await send(details(open.subscription, 'no vapid', undefined))
    expect(response.status).toBe(201)
    const received = await open.next()
    expect(received.text).toBe('no vapid')
    expect(received.claims).toBeUndefined()
  })

  it('a VAPID token for a subscription made without an applicationServerKey, and verifies it', async () => {
    const open = await service.subscribe()
    expect((await send(details(open.subscription, 'signed', vapid))).status).toBe(201)
    expect((await open.next()).claims?.sub).toBe(SUBJECT)
    const tampered = details(open.subscription, 'tampered', vapid)
    const authorization = tampered.headers.Authorization as string
    await expectError(
      await send(tampered, { headers: { Authorization: authorization.replace(/t=\S/, 't=x') } }),
      401,
      109,
    )
  })
  it('VAPID credentials with quoted parameters and the scheme in any case (RFC 9110 §11.1, §11.2)', async () => {
    const request = valid()
    const [, token, key] = /^vapid t=(\S+), k=(\S+)$/.exec(request.headers.Authorization as string) ?? []
    expect(token).toBeDefined()
    const response = await send(request, { headers: { Authorization: `VAPID t="${token}",k="${key}"` } })
    expect(response.status).toBe(201)
    expect((await subscriber.next()).claims?.sub).toBe(SUBJECT)
  })
})

describe('POST /push/<id> refuses', () => {
  const cases: {
    name: string
    /** The request to start from (default: a valid aes128gcm one). */
    request?: () => RequestDetails
    /** Headers to set, or to remove (undefined). */
    headers?: () => Record<string, string | undefined>
    body?: Uint8Array
    status: number
    errno?: number
  }[] = [
    // RFC 8030 §5.2: TTL is required.
    { name: 'a missing TTL', headers: () => ({ TTL: undefined }), status: 400, errno: 111 },
    { name: 'a TTL that is not a number', headers: () => ({ TTL: 'soon' }), status: 400, errno: 112 },
    { name: 'a negative TTL', headers: () => ({ TTL: '-1' }), status: 400, errno: 112 },
    { name: 'a fractional TTL', headers: () => ({ TTL: '1.5' }), status: 400, errno: 112 },
    // RFC 8291 §4 / RFC 8188: a body says how it is encrypted (autopush: errno 110, invalid encryption).
    {
      name: 'a body without Content-Encoding',
      headers: () => ({ 'Content-Encoding': undefined }),
      status: 400,
      errno: 110,
    },
    { name: 'an unknown Content-Encoding', headers: () => ({ 'Content-Encoding': 'gzip' }), status: 400, errno: 110 },
    {
      name: 'an aes128gcm body too short for its header and one record',
      body: new Uint8Array(60),
      status: 400,
      errno: 110,
    },
    // draft-ietf-webpush-encryption-04: aesgcm carries its salt and key in headers.
    {
      name: 'aesgcm without an Encryption header',
      request: () => valid({ contentEncoding: 'aesgcm' }),
      headers: () => ({ Encryption: undefined }),
      status: 400,
      errno: 101,
    },
    {
      name: 'aesgcm with an Encryption header without salt',
      request: () => valid({ contentEncoding: 'aesgcm' }),
      headers: () => ({ Encryption: 'rs=4096' }),
      status: 400,
      errno: 101,
    },
    {
      name: 'aesgcm with a Crypto-Key without dh',
      request: () => valid({ contentEncoding: 'aesgcm' }),
      headers: () => ({ 'Crypto-Key': `p256ecdsa=${vapid.publicKey}` }),
      status: 400,
      errno: 101,
    },
    // RFC 8030 §7.2: at most 4096 bytes of body.
    {
      name: 'a body over 4096 bytes',
      request: () => details(subscriber.subscription, 'x'.repeat(4000), vapid),
      status: 413,
      errno: 104,
    },
    // RFC 8292: a subscription made with an applicationServerKey takes only tokens signed by it.
    { name: 'a missing Authorization', headers: () => ({ Authorization: undefined }), status: 401, errno: 109 },
    {
      name: 'an Authorization that is not VAPID',
      headers: () => ({ Authorization: 'Basic dXNlcjpwYXNz' }),
      status: 401,
      errno: 109,
    },
    {
      name: 'a token signed by another key',
      request: () => details(subscriber.subscription, 'hello', otherVapid),
      status: 403,
      errno: 109,
    },
    {
      name: "a token that does not verify with the subscription's key",
      headers: () => ({
        Authorization: vapidAuthorization(otherVapid, {
          aud: service.url,
          exp: nowSeconds() + 3600,
          sub: SUBJECT,
        }).replace(/k=.*$/, `k=${vapid.publicKey}`),
      }),
      status: 401,
      errno: 109,
    },
    {
      name: 'a k= that is not a P-256 point',
      headers: () => ({
        Authorization: vapidAuthorization(vapid, { aud: service.url, exp: nowSeconds() + 3600, sub: SUBJECT }).replace(
          /k=.*$/,
          `k=${Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url')}`,
        ),
      }),
      status: 401,
      errno: 109,
    },
    {
      name: 'a t= given twice (RFC 9110 §11.2: a parameter occurs once)',
      headers: () => {
        const authorization = vapidAuthorization(vapid, { aud: service.url, exp: nowSeconds() + 3600, sub: SUBJECT })
        return { Authorization: `${authorization}, ${/t=[^,]+/.exec(authorization)?.[0]}` }
      },
      status: 401,
      errno: 109,
    },
    {
      name: 'a token for another audience',
      headers: () => ({ Authorization: signedBy(vapid, 'https://push.example.net') }),
      status: 401,
      errno: 109,
    },
    {
      name: 'an expired token',
      headers: () => ({ Authorization: signedBy(vapid, service.url, nowSeconds() - 3600) }),
      status: 401,
      errno: 109,
    },
    {
      name: 'a token expiring more than 24 hours ahead',
      headers: () => ({
        Authorization: vapidAuthorization(vapid, { aud: service.url, exp: nowSeconds() + 25 * 3600, sub: SUBJECT }),
      }),
      status: 401,
      errno: 109,
    },
    // RFC 8030 §5.3 and §5.4.
    { name: 'an unknown Urgency', headers: () => ({ Urgency: 'urgent' }), status: 400 },
    { name: 'a Topic over 32 characters', headers: () => ({ Topic: 'a'.repeat(33) }), status: 400, errno: 113 },
    { name: 'a Topic outside base64url', headers: () => ({ Topic: 'a+b/c' }), status: 400, errno: 113 },
  ]

  for (const c of cases) {
    it(`${c.name}: ${c.status}${c.errno === undefined ? '' : ` errno ${c.errno}`}`, async () => {
      const request = c.request?.() ?? valid()
      const response = await send(request, {
        ...(c.headers ? { headers: c.headers() } : {}),
        ...(c.body ? { body: c.body } : {}),
      })
      await expectError(response, c.status, c.errno)
      expect(subscriber.pending).toBe(0)
    })
  }

  it('a streamed body over 4096 bytes (chunked, no Content-Length): 413, and the connection still serves', async () => {
    // One keep-alive socket for both requests: the second must not hang behind the first's unread body.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    try {
      const request = valid()
      for (const size of [6_000, 200_000]) {
        const chunks = Array.from({ length: size / 1000 }, () => new Uint8Array(1000))
        const refused = await post(request.endpoint, headersOf(request, { 'Content-Length': undefined }), chunks, agent)
        expect(refused.status).toBe(413)
        expect(JSON.parse(refused.body)).toMatchObject({ code: 413, errno: 104 })
        const next = await post(request.endpoint, headersOf(request), [request.body as Buffer], agent)
        expect(next.status).toBe(201)
        await subscriber.next()
      }
    } finally {
      agent.destroy()
    }
  })

  it('an unknown subscription: 404 errno 102', async () => {
    const request = valid()
    await expectError(await send({ ...request, endpoint: `${service.url}/push/nosuchsubscription` }), 404, 102)
  })

  it('an unknown path: 404', async () => {
    await expectError(await fetch(`${service.url}/nothing-here`), 404)
  })

  it('an unsubscribed subscription: 410 errno 106, and stays gone', async () => {
    const leaving = await service.subscribe({ applicationServerKey: vapid.publicKey })
    expect((await send(details(leaving.subscription, 'before', vapid))).status).toBe(201)
    await leaving.next()
    await leaving.unsubscribe()
    await expectError(await send(details(leaving.subscription, 'after', vapid)), 410, 106)
    await expectError(await send(details(leaving.subscription, 'again', vapid)), 410, 106)
  })

  it('counts what it received and accepted', () => {
    expect(service.stats.requests).toBeGreaterThan(service.stats.accepted)
    expect(service.stats.accepted).toBeGreaterThan(0)
  })
})
