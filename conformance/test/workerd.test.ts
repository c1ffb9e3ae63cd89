/**
 * The conformance suite in workerd (Cloudflare Workers' runtime, the npm `workerd` binary), offline:
 * the suite bundled as an ES module worker under the workerd export conditions, its fetch() limited
 * to loopback addresses, pushing to a local @wp/push-service. The same workerd serves the Cloudflare
 * Worker example (`examples/cloudflare-worker/worker.js`) with its keys as bindings.
 */
import { fileURLToPath } from 'node:url'
import { type PushService, type ReceivedPush, startPushService } from '@wp/push-service'
import { generateVapidKeys } from '@wp/vapid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkerd, type Workerd } from '../workerd/workerd.js'
import { expectConformance, type Report } from './harness.js'

const conformanceWorker = fileURLToPath(new URL('../workerd/worker.mjs', import.meta.url))
const exampleWorker = fileURLToPath(new URL('../../examples/cloudflare-worker/worker.js', import.meta.url))
const SEND_TOKEN = 'example-send-token'
const SUBJECT = 'mailto:worker@example.com'

let service: PushService
let workerd: Workerd
let vapid: { publicKey: string; privateKey: string }

beforeAll(async () => {
  service = await startPushService({ host: '127.0.0.1' })
  vapid = await generateVapidKeys()
  workerd = await startWorkerd({
    conformance: { entry: conformanceWorker },
    example: {
      entry: exampleWorker,
      bindings: {
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: SUBJECT,
        SEND_TOKEN,
        ALLOW_PRIVATE_NETWORK: new URL(service.url).origin,
      },
    },
  })
}, 60_000)

afterAll(async () => {
  await workerd?.close()
  await service?.close()
}, 30_000)

/** POSTs JSON to a worker, within 30 s. */
async function post(url: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url as string, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
}

describe('conformance in workerd', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 60_000 }, async () => {
    const subscriber = await service.subscribe()
    const sent = `conformance workerd ${Date.now()} ✓`
    const response = await post(workerd.urls.conformance, { subscription: subscriber.subscription, text: sent })
    const stdout = await response.text()
    const line = stdout.split('\n').find((l) => l.startsWith('CONFORMANCE '))
    const report: Report | undefined = line ? JSON.parse(line.slice('CONFORMANCE '.length)) : undefined
    const received: ReceivedPush | Error = await subscriber.next({ timeoutMs: 5000 }).catch((error: Error) => error)
    // Each run prints the crypto backends it used: WebCrypto for both, since workerd is not Node.
    console.log(stdout.split('\n')[0])
    const context = stdout + workerd.output()
    expect(response.status, context).toBe(200)
    expect(stdout.split('\n')[0]).toBe('runtime workerd, crypto backends: encrypt webcrypto, sign webcrypto')
    expect(report?.backends).toEqual({ encrypt: 'webcrypto', sign: 'webcrypto' })
    expectConformance('workerd', report, received, sent, context)
  })
})

describe('the Cloudflare Worker example in workerd', () => {
  it('sends a push signed with the VAPID key of its bindings', { timeout: 60_000 }, async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const payload = { title: 'Hello from a Worker', at: Date.now() }
    const response = await post(
      workerd.urls.example,
      { subscription: subscriber.subscription, payload },
      { authorization: `Bearer ${SEND_TOKEN}` },
    )
    expect(await response.json(), workerd.output()).toEqual({ status: 201 })
    const received = await subscriber.next({ timeoutMs: 5000 })
    expect(JSON.parse(received.text)).toEqual(payload)
    expect(received.claims?.sub).toBe(SUBJECT)
  })

  it('refuses a caller without the token, and answers 410 for a subscription that is gone', {
    timeout: 60_000,
  }, async () => {
    const subscriber = await service.subscribe({ applicationServerKey: vapid.publicKey })
    const body = { subscription: subscriber.subscription, payload: 'hi' }
    const anonymous = await post(workerd.urls.example, body)
    expect(anonymous.status).toBe(401)
    const wrong = await post(workerd.urls.example, body, { authorization: 'Bearer not-the-token' })
    expect(wrong.status).toBe(401)
    await subscriber.unsubscribe()
    const gone = await post(workerd.urls.example, body, { authorization: `Bearer ${SEND_TOKEN}` })
    expect(gone.status, workerd.output()).toBe(410)
    expect(await gone.json()).toEqual({ gone: true })
  })
})
