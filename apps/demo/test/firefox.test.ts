/**
 * The demo end to end in a real browser: headless Debian Firefox ESR (puppeteer-core over WebDriver
 * BiDi, a fresh profile) subscribes through the demo's local push service, and the test drives the
 * page only by what a person sees: the buttons "Subscribe", "Unsubscribe", "Send to me", the fields
 * "Title" and "Message", and the lists "Received" and "Deliveries". The server's side is checked
 * through its API. The page is on http://127.0.0.1, a secure context, so service workers and push
 * work without TLS.
 */
import { mkdir } from 'node:fs/promises'
import type { LaunchedBrowser } from '@wp/conformance/launch'
import type { Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Demo } from '../src/index.js'
import {
  browserEndpoint,
  clickButton,
  collectErrors,
  demoApi,
  fillField,
  launchFirefox,
  listTexts,
  newToken,
  startDemo,
  stateText,
  temporaryDirectory,
  until,
  waitForItem,
  waitForState,
} from './browser.js'

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)

let dataDir: { path: string; remove(): Promise<void> }
let demo: Demo | undefined
let api: ReturnType<typeof demoApi>
let firefox: LaunchedBrowser | undefined
let page: Page
let errors: string[]
const token = newToken()

beforeAll(async () => {
  dataDir = await temporaryDirectory('wp-demo-firefox-')
  demo = await startDemo({ dataDir: dataDir.path, token })
  api = demoApi(demo.url, token)
  const config = await api.config()
  expect(config.pushService).toBe('local')
  firefox = await launchFirefox(config.localPushService!.firefoxPrefs)
  page = await firefox.browser.newPage()
  errors = collectErrors(page)
  await page.goto(`${demo.url}/#token=${token}`, { timeout: 15_000 })
}, 60_000)

afterAll(async () => {
  await firefox?.close()
  await demo?.close()
  await dataDir?.remove()
})

/** Subscribes with the page's button and waits until the page and the server agree. */
async function subscribe(): Promise<{ id: string; endpoint: string }> {
  await clickButton(page, 'Subscribe')
  await waitForState(page, 'Subscribed')
  const endpoint = await browserEndpoint(page)
  expect(endpoint).not.toBeNull()
  const mine = (await api.subscriptions()).find((s) => s.endpoint === endpoint)
  expect(mine, 'the server has the subscription the browser made').toBeDefined()
  return { id: mine!.id, endpoint: endpoint! }
}

/** Waits until the local push service answers 410 for `endpoint` (Firefox's unregister arrives just after `unsubscribe()`). */
async function untilUnsubscribedAtPushService(endpoint: string): Promise<void> {
  await until(`the push service refusing ${endpoint} with 410`, async () => {
    const response = await fetch(endpoint, { method: 'POST', headers: { ttl: '0' }, signal: AbortSignal.timeout(5000) })
    await response.arrayBuffer()
    return response.status === 410
  })
}

describe('the demo in a real Firefox', () => {
  it('takes the admin token from #token=, keeps it, and removes it from the address bar', async () => {
    expect(page.url()).toBe(`${demo!.url}/`)
    expect(await page.evaluate(() => Object.values({ ...localStorage }))).toContain(token)
    await waitForState(page, 'Not subscribed')
    // The history entry the page was opened with no longer carries the token either.
    expect(await page.evaluate(() => location.hash)).toBe('')
  })

  it('Subscribe: the browser subscribes through the local push service and the server has the subscription', async () => {
    const { endpoint } = await subscribe()
    const config = await api.config()
    expect(endpoint.startsWith(`${config.localPushService!.url}/push/`)).toBe(true)
    expect(await api.subscriptions()).toHaveLength(1)
  })

  it('Send to me: the service worker receives the exact title and message, and Deliveries shows created', async () => {
    // Markup and non-ASCII text: shown as text, never interpreted.
    const title = 'Hello <b>bold</b> & “quotes” 🎉'
    const message = 'Line one <img src=x onerror=alert(1)>\nGrüße, 世界'
    await fillField(page, 'Title', title)
    await fillField(page, 'Message', message)
    await clickButton(page, 'Send to me')
    await waitForItem(page, 'Received', [title])
    const received = await page.$$eval('#received > li', (items) =>
      items.map((item) => ({
        title: item.querySelector('.title')?.textContent,
        body: item.querySelector('.body')?.textContent,
        elements: item.querySelectorAll('b, img').length,
      })),
    )
    expect(received).toEqual([{ title, body: message, elements: 0 }])
    // The service worker showed it as a notification too (a silent push would cost the subscription).
    const notifications = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body }))
    })
    expect(notifications).toContainEqual({ title, body: message })
    await waitForItem(page, 'Deliveries', ['created', 'this browser'])
    const [delivery] = await api.deliveries()
    expect(delivery).toMatchObject({ outcome: 'created', status: 201 })
    expect(errors).toEqual([])
    await mkdir(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: new URL('firefox.png', ARTIFACTS).pathname as `${string}.png`, fullPage: true })
  })

  it('Unsubscribe: the browser unsubscribes and the server removes the subscription', async () => {
    const endpoint = await browserEndpoint(page)
    await clickButton(page, 'Unsubscribe')
    await waitForState(page, 'Not subscribed')
    expect(await browserEndpoint(page)).toBeNull()
    await until('the server removing the subscription', async () => (await api.subscriptions()).length === 0)
    await untilUnsubscribedAtPushService(endpoint!)
  })

  it('a subscription the browser dropped without telling the server reports gone on the next send and is removed', async () => {
    const { id, endpoint } = await subscribe()
    // The browser drops it, and the page does not tell the server.
    expect(
      await page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready
        return (await registration.pushManager.getSubscription())!.unsubscribe()
      }),
    ).toBe(true)
    await untilUnsubscribedAtPushService(endpoint)
    expect((await api.subscriptions()).map((s) => s.id)).toEqual([id])

    await fillField(page, 'Title', 'Are you there?')
    await clickButton(page, 'Send to me')
    await waitForItem(page, 'Deliveries', ['gone'])
    const gone = (await api.deliveries()).find((d) => d.subscriptionId === id)
    expect(gone).toMatchObject({ outcome: 'gone', status: 410 })
    expect(await api.subscriptions()).toEqual([])
    await waitForState(page, 'The push service no longer knows')
    expect(await listTexts(page, 'Received')).toHaveLength(1)
  })

  it('after a restart with the same data directory, the subscriptions, the history and the VAPID key are unchanged', async () => {
    await subscribe()
    await fillField(page, 'Title', 'Before the restart')
    await clickButton(page, 'Send to me')
    await waitForItem(page, 'Received', ['Before the restart'])
    const before = {
      subscriptions: await api.subscriptions(),
      deliveries: await api.deliveries(),
      key: (await api.config()).applicationServerKey,
    }
    expect(before.subscriptions).toHaveLength(1)
    expect(before.deliveries.map((d) => d.outcome)).toEqual(['created', 'gone', 'created'])

    const { port, localPushPort } = demo!.config
    await demo!.close()
    demo = undefined
    demo = await startDemo({ dataDir: dataDir.path, token, port, localPushPort })
    api = demoApi(demo.url, token)
    expect(await api.subscriptions()).toEqual(before.subscriptions)
    expect(await api.deliveries()).toEqual(before.deliveries)
    expect((await api.config()).applicationServerKey).toBe(before.key)

    // The page, reloaded, shows the history the restarted server kept.
    await page.reload({ timeout: 15_000 })
    await waitForItem(page, 'Deliveries', ['gone'])
    const shown = await listTexts(page, 'Deliveries')
    expect(shown).toHaveLength(3)
    // The newest went to this browser's subscription, which the server kept under the same id.
    await waitForItem(page, 'Deliveries', ['created 201 this browser'])
    expect(await stateText(page)).not.toBe('')
  })
})
