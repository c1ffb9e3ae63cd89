/** `tls: true`: HTTPS and WSS with a self-signed certificate made at start, trusted through `service.certificate`. */
import { X509Certificate } from 'node:crypto'
import { Agent } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { WebSocket } from 'ws'
import { type PushService, selfSignedCertificate, startPushService } from '../src/index.js'
import { details, headersOf, https, SUBJECT, vapidDetails, vapidKeys } from './helpers.js'

const vapid = vapidKeys()
let service: PushService
let ca: string

beforeAll(async () => {
  service = await startPushService({ tls: true })
  ca = service.certificate as string
})
afterAll(() => service.close())

/** The rejection of `promise`, or undefined if it resolved. */
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  )

const UNTRUSTED = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']

describe('the TLS service', () => {
  it('has https and wss URLs and a PEM certificate for 127.0.0.1 and localhost', () => {
    expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(service.webSocketUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/)
    const cert = new X509Certificate(ca)
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.checkHost('localhost')).toBe('localhost')
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000)
    expect(cert.verify(cert.publicKey)).toBe(true) // self-signed
  })

  it('answers over https when its certificate is trusted', async () => {
    const answer = await https(`${service.url}/`, { ca })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({ url: service.url, webSocketUrl: service.webSocketUrl })
  })

  it('fails the TLS handshake when it is not', async () => {
    const error = await failure(https(`${service.url}/`))
    expect(UNTRUSTED).toContain((error as { code?: string }).code)
    const fetched = await failure(fetch(`${service.url}/`))
    expect(fetched).toBeInstanceOf(TypeError)
    expect(UNTRUSTED).toContain(((fetched as Error).cause as { code?: string }).code)
  })

  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`delivers web-push's ${contentEncoding} request sent with node:https`, async () => {
      const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
      const request = details(subscriber.subscription, `over TLS, ${contentEncoding} 🔒`, vapid, { contentEncoding })
      const answer = await https(request.endpoint, {
        method: 'POST',
        headers: headersOf(request),
        body: request.body,
        ca,
      })
      expect(answer.status).toBe(201)
      expect(answer.headers.location).toMatch(new RegExp(`^${service.url}/m/`))
      const received = await subscriber.next()
      expect(received.text).toBe(`over TLS, ${contentEncoding} 🔒`)
      expect(received.claims).toMatchObject({ aud: service.url, sub: SUBJECT })
    })
  }

  it('takes webpush.sendNotification with an agent that trusts it, and reports its refusals', async () => {
    const agent = new Agent({ ca })
    try {
      const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
      const result = await webpush.sendNotification(subscriber.subscription, 'sent by web-push', {
        vapidDetails: vapidDetails(vapid),
        TTL: 60,
        agent,
      })
      expect(result.statusCode).toBe(201)
      expect((await subscriber.next()).text).toBe('sent by web-push')

      const refused = await failure(
        webpush.sendNotification(subscriber.subscription, 'wrong key', {
          vapidDetails: vapidDetails(vapidKeys()),
          TTL: 60,
          agent,
        }),
      )
      expect(refused).toBeInstanceOf(webpush.WebPushError)
      expect((refused as webpush.WebPushError).statusCode).toBe(403)
      expect(JSON.parse((refused as webpush.WebPushError).body)).toMatchObject({ code: 403, errno: 109 })

      const untrusted = await failure(
        webpush.sendNotification(subscriber.subscription, 'no agent', { vapidDetails: vapidDetails(vapid), TTL: 60 }),
      )
      expect(UNTRUSTED).toContain((untrusted as { code?: string }).code)
    } finally {
      agent.destroy()
    }
  })

  it('speaks the push protocol over wss', async () => {
    const ws = new WebSocket(service.webSocketUrl, 'push-notification', { ca })
    try {
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      expect(ws.protocol).toBe('push-notification')
      const reply = new Promise<Record<string, unknown>>((resolve) =>
        ws.once('message', (data) => resolve(JSON.parse(String(data)))),
      )
      ws.send(JSON.stringify({ messageType: 'hello', broadcasts: {}, use_webpush: true }))
      expect(await reply).toMatchObject({
        messageType: 'hello',
        status: 200,
        uaid: expect.stringMatching(/^[0-9a-f]{32}$/),
      })
    } finally {
      ws.close()
    }
  })

  it('makes certificates OpenSSL parses: the random serial never needs a leading 0x00 octet', () => {
    // A serial whose DER encoding starts with a 0x00 octet it does not need is refused by OpenSSL.
    for (let i = 0; i < 200; i++) {
      const { cert } = selfSignedCertificate()
      const serial = new X509Certificate(cert).serialNumber
      expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/)
    }
  })
})
