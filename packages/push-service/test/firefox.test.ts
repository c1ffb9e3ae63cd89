/**
 * End to end with a real Firefox: headless Debian `firefox-esr`, driven by puppeteer-core over
 * WebDriver BiDi with a fresh profile, subscribes through the local service from a page on
 * http://localhost (a secure context: service workers and push work there without TLS), and its
 * service worker gets what npm `web-push` sends, decrypted by Firefox itself, in both encodings.
 * `service.firefoxPrefs` sets the four preferences this takes: `dom.push.serverURL` (without it,
 * Firefox talks to Mozilla's service), `dom.push.testing.allowInsecureServerURL` (a `ws://` URL is
 * ignored without it), `dom.push.connection.enabled` (the WebDriver agent turns it off on every
 * automated launch) and `dom.push.testing.ignorePermission` (headless, `subscribe()` would wait for
 * a permission prompt that never shows).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PushSubscription } from 'web-push'
import { type PushService, startPushService } from '../src/index.js'
import { details, expectError, messageId, send, vapidKeys, withWrongAuth } from './helpers.js'

/** What test/fixtures/index.html puts on `window`. */
interface TestWindow {
  pushes: { text: string | null }[]
  subscribe(applicationServerKey: string): Promise<PushSubscription>
  unsubscribe(): Promise<boolean>
}

/** Debian's Firefox ESR; a missing one is a failure (CI installs it), never a skip. */
function firefoxBinary(): string {
  try {
    const found = execFileSync('which', ['firefox-esr'], { encoding: 'utf8' }).trim()
    if (found !== '') return found
  } catch {}
  if (existsSync('/usr/bin/firefox-esr')) return '/usr/bin/firefox-esr'
  throw new Error(
    'firefox-esr is not installed: these tests drive a real headless Firefox ESR. ' +
      'Install it with `apt-get install -y firefox-esr` (`.ci/run` installs it).',
  )
}

const vapid = vapidKeys()
let service: PushService
let site: Server
let browser: Browser | undefined
let page: Page
let subscription: PushSubscription
/** Every text sent that must reach the service worker, in order. */
const expected: string[] = []

beforeAll(async () => {
  const executablePath = firefoxBinary()
  service = await startPushService()
  site = createServer((req, res) => {
    const file = req.url === '/sw.js' ? 'sw.js' : 'index.html'
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' })
    res.end(readFileSync(join(import.meta.dirname, 'fixtures', file)))
  })
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    extraPrefsFirefox: service.firefoxPrefs,
  })
  page = await browser.newPage()
  // http://localhost is a secure context: service workers and push work without TLS.
  await page.goto(`http://localhost:${(site.address() as { port: number }).port}/`)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  if (site) await new Promise((resolve) => site.close(resolve))
  await service?.close()
})

/** The texts the service worker has posted to the page so far. */
const received = (): Promise<(string | null)[]> =>
  page.evaluate(() => (window as unknown as TestWindow).pushes.map((p) => p.text))

/** Sends `text` with web-push, expects Firefox's ack 100 and the exact text in the page. */
async function deliver(text: string, contentEncoding: 'aes128gcm' | 'aesgcm'): Promise<void> {
  const response = await send(details(subscription, text, vapid, { contentEncoding }))
  expect(response.status).toBe(201)
  const ack = await service.waitForAck(messageId(response, service.url))
  expect(ack.code).toBe(100)
  expected.push(text)
  await page.waitForFunction((n: number) => (window as unknown as TestWindow).pushes.length >= n, {}, expected.length)
  expect(await received()).toEqual(expected)
}

/** `bytes` bytes of printable ASCII in a pattern that shows any truncation or reordering. */
const pattern = (bytes: number): string =>
  Array.from({ length: bytes }, (_, i) => String.fromCharCode(33 + (i % 94))).join('')

describe('a real Firefox', () => {
  it("does not let a page open the push service's WebSocket: the page's Origin is refused", async () => {
    const outcome = await page.evaluate(
      (url: string) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url, 'push-notification')
          ws.onopen = () => {
            ws.close()
            resolve('opened')
          }
          ws.onclose = () => resolve('refused')
          setTimeout(() => resolve('no answer within 5 s'), 5000)
        }),
      service.webSocketUrl,
    )
    expect(outcome).toBe('refused')
  })

  it('subscribes through the push service with the application server key', async () => {
    subscription = await page.evaluate((key) => (window as unknown as TestWindow).subscribe(key), vapid.publicKey)
    expect(subscription.endpoint).toMatch(new RegExp(`^${service.url}/push/[A-Za-z0-9_-]+$`))
    expect(Buffer.from(subscription.keys.p256dh, 'base64url')).toHaveLength(65)
    expect(Buffer.from(subscription.keys.auth, 'base64url')).toHaveLength(16)
    // The subscription carries the key, so the service asks for VAPID signed by it.
    await expectError(await send(details(subscription, 'unsigned', undefined)), 401, 109)
    await expectError(await send(details(subscription, 'other key', vapidKeys())), 403, 109)
  })

  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`gets the exact plaintext of ${contentEncoding} messages sent by web-push`, async () => {
      await deliver(`hello from web-push, ${contentEncoding}`, contentEncoding)
      await deliver(`Grüße, 世界! ¿Qué tal? 🎉🚀 — ${contentEncoding}`, contentEncoding)
      const big = `${'🎉'.repeat(10)}${pattern(2960)}`
      expect(Buffer.byteLength(big)).toBe(3000)
      await deliver(big, contentEncoding)
    })
  }

  it('acks a message encrypted for another auth secret with 101, delivers nothing, and keeps the subscription', async () => {
    const response = await send(details(withWrongAuth(subscription), 'for nobody', vapid))
    expect(response.status).toBe(201)
    const ack = await service.waitForAck(messageId(response, service.url))
    expect(ack.code).toBe(101)
    // A good message after it arrives, and nothing arrived before it.
    await deliver('after the bad one', 'aes128gcm')
    expect(await received()).not.toContain(null)
  })

  it("answers 410 for the page's endpoint once the page unsubscribes", async () => {
    expect(await page.evaluate(() => (window as unknown as TestWindow).unsubscribe())).toBe(true)
    // Firefox's unregister frame reaches the service just after unsubscribe() settles.
    await expect
      .poll(async () => (await send(details(subscription, 'gone?', vapid))).status, { timeout: 10_000, interval: 50 })
      .toBe(410)
    await expectError(await send(details(subscription, 'gone', vapid)), 410, 106)
    expect(await received()).toEqual(expected)
  })
})
