/**
 * Helpers of the real-browser tests: Debian's headless Firefox ESR and Chromium driven by
 * puppeteer-core (launched by the conformance suite's launcher, so both suites run the same
 * browsers the same way), the demo started in a temporary data directory, the demo's API read from
 * the test's side, and the page driven by what a person sees (the accessible names of its controls).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LaunchedBrowser, launchBrowser } from '@wp/conformance/launch'
import type { ConsoleMessage, Page } from 'puppeteer-core'
import type { DeliveryRow } from '../src/db.js'
import { createDemo, type Demo } from '../src/index.js'

/** How long a browser may take to start: puppeteer's default (the conformance suite allows less). */
const LAUNCH_TIMEOUT_MS = 30_000

/**
 * What a headless Firefox needs beside the local push service's own preferences (see
 * firefox-push.md): without them the service worker's `showNotification()` rejects (no permission,
 * no desktop notification daemon), and the demo's service worker always shows one.
 */
export const HEADLESS_NOTIFICATION_PREFS: Record<string, unknown> = {
  'permissions.default.desktop-notification': 1,
  'alerts.useSystemBackend': false,
}

/** A headless Firefox ESR over WebDriver BiDi with a fresh profile, pointed at a push service by `prefs`. */
export function launchFirefox(prefs: Record<string, unknown>): Promise<LaunchedBrowser> {
  return launchBrowser('firefox', {
    timeoutMs: LAUNCH_TIMEOUT_MS,
    firefoxPrefs: { ...prefs, ...HEADLESS_NOTIFICATION_PREFS },
  })
}

/**
 * A headless Chromium with a fresh profile, quiet (no background traffic), a page tall enough for
 * the whole demo, and a `close()` that removes the profile.
 */
export function launchChromium(): Promise<LaunchedBrowser> {
  return launchBrowser('chromium', {
    timeoutMs: LAUNCH_TIMEOUT_MS,
    defaultViewport: { width: 1000, height: 1100 },
    profilePrefix: 'wp-demo-',
  })
}

/** Every console error and uncaught exception of a page, as lines, from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url ?? ''})`)
  })
  page.on('pageerror', (error: unknown) =>
    errors.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`),
  )
  return errors
}

/** A fresh temporary directory and its removal. */
export async function temporaryDirectory(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/** A random admin token in the alphabet the demo accepts. */
export const newToken = (): string => `test-${crypto.randomUUID()}`

/** The demo's API, read from the test's side with the admin token. */
export function demoApi(url: string, token: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(10_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T }
  }
  return {
    call,
    async subscriptions(): Promise<{ id: string; endpoint: string; createdAt: string }[]> {
      const { status, body } = await call<{ id: string; endpoint: string; createdAt: string }[]>(
        'GET',
        '/api/subscriptions',
      )
      if (status !== 200) throw new Error(`GET /api/subscriptions answered ${status}`)
      return body
    },
    async deliveries(): Promise<Delivery[]> {
      const { status, body } = await call<Delivery[]>('GET', '/api/deliveries?limit=1000')
      if (status !== 200) throw new Error(`GET /api/deliveries answered ${status}`)
      return body
    },
    async config(): Promise<DemoConfigAnswer> {
      const { status, body } = await call<DemoConfigAnswer>('GET', '/api/config')
      if (status !== 200) throw new Error(`GET /api/config answered ${status}`)
      return body
    },
  }
}

/** A row of `GET /api/deliveries`. */
export type Delivery = DeliveryRow

/** `GET /api/config`. */
export interface DemoConfigAnswer {
  applicationServerKey: string
  pushService: 'local' | 'public'
  localPushService?: { url: string; webSocketUrl: string; firefoxPrefs: Record<string, unknown> }
}

/** The selector of the control a person finds by its role and visible name. */
export const control = (role: string, name: string): string =>
  `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`

/** Clicks the button named `name` once it is visible and enabled (bounded by `timeout`). */
export async function clickButton(page: Page, name: string, timeout = 15_000): Promise<void> {
  await page.locator(control('button', name)).setTimeout(timeout).click()
}

/** Replaces the text of the field labelled `label`, as typing would. */
export async function fillField(page: Page, label: string, text: string, timeout = 15_000): Promise<void> {
  await page.locator(control('textbox', label)).setTimeout(timeout).fill(text)
}

/** The text of each item of the list labelled `name`, in page order (newest first). */
export async function listTexts(page: Page, name: string): Promise<string[]> {
  const list = await page.waitForSelector(control('list', name), { timeout: 15_000 })
  if (!list) throw new Error(`no list named ${name}`)
  try {
    return await list.evaluate((element) =>
      [...element.querySelectorAll(':scope > li')].map((item) => (item.textContent ?? '').replace(/\s+/g, ' ').trim()),
    )
  } finally {
    await list.dispose()
  }
}

/** Waits (at most `timeout`) until the list labelled `name` has an item that contains every one of `parts`. */
export async function waitForItem(page: Page, name: string, parts: string[], timeout = 15_000): Promise<string> {
  const deadline = Date.now() + timeout
  let seen: string[] = []
  while (Date.now() < deadline) {
    seen = await listTexts(page, name)
    const found = seen.find((text) => parts.every((part) => text.includes(part)))
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(
    `no item of "${name}" contains ${JSON.stringify(parts)} within ${timeout} ms; it shows ${JSON.stringify(seen)}`,
  )
}

/** The text of the subscription's state on the page. */
export const stateText = (page: Page): Promise<string> =>
  page.$eval('#state', (element) => (element.textContent ?? '').trim())

/** Waits (at most `timeout`) until the page's subscription state starts with `prefix`. */
export async function waitForState(page: Page, prefix: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (expected: string) => (document.getElementById('state')?.textContent ?? '').trim().startsWith(expected),
    { timeout },
    prefix,
  )
}

/** The endpoint of the page's PushSubscription as the browser has it, or null. */
export const browserEndpoint = (page: Page): Promise<string | null> =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready
    return (await registration.pushManager.getSubscription())?.endpoint ?? null
  })

/** Polls `probe` every 100 ms until it returns true, for at most `timeout` ms; then fails with `what`. */
export async function until(what: string, probe: () => Promise<boolean>, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (await probe()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: not within ${timeout} ms`)
}

/**
 * Starts the demo on 127.0.0.1 with its local push service, on free ports unless `port` and
 * `localPushPort` are given (a restart takes the same ones, so the page keeps its origin and
 * Firefox reconnects to the same push service address). Its log lines go to `logs`.
 */
export async function startDemo(options: {
  dataDir: string
  token: string
  port?: number
  localPushPort?: number
  logs?: string[]
}): Promise<Demo> {
  const demo = await createDemo({
    host: '127.0.0.1',
    port: options.port ?? 0,
    localPushPort: options.localPushPort ?? 0,
    dataDir: options.dataDir,
    token: options.token,
    pushService: 'local',
    log: (line) => options.logs?.push(line),
  })
  if (demo.localPushService === undefined) throw new Error('the demo started without its local push service')
  return demo
}
