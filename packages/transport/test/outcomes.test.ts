/**
 * Every status a push service answers, mapped to its outcome, code and reason, over real HTTP/1.1
 * and HTTP/2 servers. The bodies and headers are the ones Mozilla autopush, Apple, FCM and WNS send.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { PushServiceError, WebPushError } from '../src/index.node.js'
import { makeCert, rejection, reply, serverLifecycle, startServer, type TestServer, transports } from './servers.js'

const json = { 'content-type': 'application/json' }
const mozilla = (code: number, errno: number, error: string, message: string) =>
  JSON.stringify({
    code,
    errno,
    error,
    message,
    more_info: 'http://autopush.readthedocs.io/en/latest/http.html#error-codes',
  })
const wns = (status: string, description: string) => ({
  'x-wns-status': status,
  'x-wns-error-description': description,
  'x-wns-deviceconnectionstatus': 'connected',
  'x-wns-msg-id': '1ACE4A2C9C5B6A5B',
})

interface Case {
  name: string
  status: number
  headers?: Record<string, string>
  body?: string
  outcome: string
  code: string
  reason?: string
  retryable: boolean
}

const failures: Case[] = [
  { name: '404', status: 404, outcome: 'gone', code: 'ERR_WP_SUBSCRIPTION_GONE', retryable: false },
  {
    name: '410 from Mozilla',
    status: 410,
    headers: json,
    body: mozilla(410, 106, 'Gone', 'Request did not validate No such subscription'),
    outcome: 'gone',
    code: 'ERR_WP_SUBSCRIPTION_GONE',
    reason: 'Request did not validate No such subscription (errno 106)',
    retryable: false,
  },
  {
    name: '410 from Apple',
    status: 410,
    headers: json,
    body: '{"reason":"Unregistered"}',
    outcome: 'gone',
    code: 'ERR_WP_SUBSCRIPTION_GONE',
    reason: 'Unregistered',
    retryable: false,
  },
  {
    name: '404 from FCM (text)',
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'A valid push subscription endpoint should be specified in the URL as such: https://fcm.googleapis.com/wp/dHIoDxE7Hdg:APA91bH1Zj0kNa...\n',
    outcome: 'gone',
    code: 'ERR_WP_SUBSCRIPTION_GONE',
    reason:
      'A valid push subscription endpoint should be specified in the URL as such: https://fcm.googleapis.com/wp/dHIoDxE7Hdg:APA91bH1Zj0kNa...',
    retryable: false,
  },
  {
    name: '413 from Mozilla',
    status: 413,
    headers: json,
    body: mozilla(
      413,
      104,
      'Payload Too Large',
      'This message is intended for a constrained device and is limited in size. Converted buffer is too long by 262 bytes',
    ),
    outcome: 'too-large',
    code: 'ERR_WP_PUSH_SERVICE',
    reason:
      'This message is intended for a constrained device and is limited in size. Converted buffer is too long by 262 bytes (errno 104)',
    retryable: false,
  },
  { name: '413 bare', status: 413, outcome: 'too-large', code: 'ERR_WP_PUSH_SERVICE', retryable: false },
  {
    name: '429 from Apple',
    status: 429,
    headers: json,
    body: '{"reason":"TooManyRequests"}',
    outcome: 'rate-limited',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'TooManyRequests',
    retryable: true,
  },
  {
    name: '406 from WNS (throttled)',
    status: 406,
    headers: wns('channelthrottled', 'The channel is throttled'),
    outcome: 'rate-limited',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'The channel is throttled; status channelthrottled; device connected',
    retryable: true,
  },
  { name: '406 not from WNS', status: 406, outcome: 'bad-request', code: 'ERR_WP_PUSH_SERVICE', retryable: false },
  {
    name: '410 from WNS (headers only)',
    status: 410,
    headers: { 'x-wns-status': 'expired' },
    outcome: 'gone',
    code: 'ERR_WP_SUBSCRIPTION_GONE',
    reason: 'status expired',
    retryable: false,
  },
  {
    name: '401 from Mozilla',
    status: 401,
    headers: json,
    body: mozilla(401, 109, 'Unauthorized', 'Request did not validate missing authorization header'),
    outcome: 'unauthorized',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'Request did not validate missing authorization header (errno 109)',
    retryable: false,
  },
  {
    name: '403 from Apple',
    status: 403,
    headers: json,
    body: '{"reason":"BadJwtToken"}',
    outcome: 'unauthorized',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'BadJwtToken',
    retryable: false,
  },
  {
    name: '403 from FCM (text)',
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'the key in the authorization header does not correspond to the sender ID used to subscribe this user. Please ensure you are using the correct sender ID and server Key from the Firebase console.\n',
    outcome: 'unauthorized',
    code: 'ERR_WP_PUSH_SERVICE',
    reason:
      'the key in the authorization header does not correspond to the sender ID used to subscribe this user. Please ensure you are using the correct sender ID and server Key from the Firebase console.',
    retryable: false,
  },
  {
    name: '401 from WNS',
    status: 401,
    headers: wns('', 'Invalid token'),
    outcome: 'unauthorized',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'Invalid token; device connected',
    retryable: false,
  },
  {
    name: '400 from FCM (HTML)',
    status: 400,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
    body: '<HTML>\n<HEAD>\n<TITLE>UnauthorizedRegistration</TITLE>\n</HEAD>\n<BODY BGCOLOR="#FFFFFF" TEXT="#000000">\n<H1>UnauthorizedRegistration</H1>\n<H2>Error 400</H2>\n</BODY>\n</HTML>\n',
    outcome: 'bad-request',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'UnauthorizedRegistration',
    retryable: false,
  },
  {
    name: '400 from FCM (HTML without title)',
    status: 400,
    headers: { 'content-type': 'text/html' },
    body: '<html><body><h1>Invalid   request</h1></body></html>',
    outcome: 'bad-request',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'Invalid request',
    retryable: false,
  },
  {
    name: '400 from Apple',
    status: 400,
    headers: json,
    body: '{"reason":"BadDeviceToken"}',
    outcome: 'bad-request',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'BadDeviceToken',
    retryable: false,
  },
  {
    name: '400 from FCM (JSON)',
    status: 400,
    headers: json,
    body: JSON.stringify({
      error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' },
    }),
    outcome: 'bad-request',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'Request contains an invalid argument.',
    retryable: false,
  },
  { name: '405', status: 405, outcome: 'bad-request', code: 'ERR_WP_PUSH_SERVICE', retryable: false },
  {
    name: '500 from Mozilla',
    status: 500,
    headers: json,
    body: mozilla(500, 999, 'Internal Server Error', 'An unexpected server error has occurred.'),
    outcome: 'server-error',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'An unexpected server error has occurred. (errno 999)',
    retryable: true,
  },
  {
    name: '502',
    status: 502,
    body: 'Bad Gateway',
    outcome: 'server-error',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'Bad Gateway',
    retryable: true,
  },
  {
    name: '503 from FCM (JSON)',
    status: 503,
    headers: json,
    body: JSON.stringify({
      error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
    }),
    outcome: 'server-error',
    code: 'ERR_WP_PUSH_SERVICE',
    reason: 'The service is currently unavailable.',
    retryable: true,
  },
  { name: '504', status: 504, outcome: 'server-error', code: 'ERR_WP_PUSH_SERVICE', retryable: true },
  // The service cannot handle such a request at all: the same request fails the same way.
  { name: '501', status: 501, outcome: 'server-error', code: 'ERR_WP_PUSH_SERVICE', retryable: false },
  { name: '505', status: 505, outcome: 'server-error', code: 'ERR_WP_PUSH_SERVICE', retryable: false },
]

describe.each(['http', 'h2'] as const)('outcomes over %s', (kind) => {
  let server: TestServer
  const { make, closeAll } = transports({ allowPrivateNetwork: true, timeoutMs: 2000, retry: false })
  beforeAll(async () => {
    server = await startServer(kind)
  })
  serverLifecycle(() => server, closeAll)
  const send = () =>
    make({ ca: makeCert().cert }).send({
      endpoint: server.url('/wpush/v2/abc'),
      headers: { TTL: '60' },
      body: new Uint8Array(10),
    })

  it('201 with Location: created, with the location', async () => {
    server.handler = reply(201, {
      location: 'https://updates.push.services.mozilla.com/m/gAAAAABk',
      'retry-after': '5',
    })
    const response = await send()
    expect(response).toMatchObject({
      status: 201,
      outcome: 'created',
      location: 'https://updates.push.services.mozilla.com/m/gAAAAABk',
      retryAfterMs: 5000,
      attempts: 1,
    })
    expect(response.reason).toBeUndefined()
    expect(response.headers.location).toBe('https://updates.push.services.mozilla.com/m/gAAAAABk')
  })

  it.each([200, 202, 204])('%i: created', async (status) => {
    server.handler = reply(status)
    const response = await send()
    expect(response).toMatchObject({ status, outcome: 'created' })
    expect(response.location).toBeUndefined()
  })

  it.each(failures)('$name: $outcome', async (c) => {
    server.handler = reply(c.status, c.headers, c.body)
    const error = await rejection(send())
    expect(error).toBeInstanceOf(PushServiceError)
    expect(WebPushError.is(error)).toBe(true)
    const e = error as unknown as PushServiceError
    expect(e.code).toBe(c.code)
    expect(e.outcome).toBe(c.outcome)
    expect(e.statusCode).toBe(c.status)
    expect(e.isRetryable).toBe(c.retryable)
    expect(e.reason).toBe(c.reason)
    expect(e.endpoint).toBe(server.url('/wpush/v2/abc'))
    expect(e.retryAfterMs).toBeUndefined()
    expect(e.response).toMatchObject({ status: c.status, outcome: c.outcome, body: c.body ?? '' })
    for (const [name, value] of Object.entries(c.headers ?? {})) expect(e.response.headers[name]).toBe(value)
    expect(server.requests).toHaveLength(1)
  })

  it('429 carries Retry-After as retryAfterMs', async () => {
    server.handler = reply(429, { 'retry-after': '30' })
    const error = await rejection(send())
    expect(error).toMatchObject({ code: 'ERR_WP_PUSH_SERVICE', outcome: 'rate-limited', retryAfterMs: 30_000 })
  })

  it('keeps the endpoint path out of the message', async () => {
    server.handler = reply(410)
    const error = await rejection(send())
    expect(error.message).not.toContain('/wpush/v2/abc')
  })

  it('cuts a huge answer body', async () => {
    server.handler = reply(400, { 'content-type': 'text/plain' }, 'x'.repeat(200_000))
    const error = (await rejection(send())) as unknown as PushServiceError
    expect(error.outcome).toBe('bad-request')
    expect(error.response.body.length).toBeLessThanOrEqual(64 * 1024)
    expect((error.reason as string).length).toBeLessThanOrEqual(301)
  })
})
