/**
 * The demo's page in headless Debian Chromium (puppeteer-core, a fresh profile, no background
 * traffic): it loads without a console error or an uncaught exception, every control is there by
 * its visible name, it is usable with the keyboard alone with a visible focus, its text meets WCAG
 * AA contrast, an API error is announced in the polite status region, and a screenshot is saved to
 * test-artifacts/chromium.png. Chromium cannot subscribe here (its push service is Google's), so
 * the deliveries come from virtual subscribers of the demo's local push service.
 */
import { mkdir } from 'node:fs/promises'
import type { Browser, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Demo } from '../src/index.js'
import {
  collectErrors,
  control,
  demoApi,
  launchChromium,
  listTexts,
  newToken,
  startDemo,
  temporaryDirectory,
  waitForItem,
  waitForState,
} from './browser.js'

const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)

let dataDir: { path: string; remove(): Promise<void> }
let demo: Demo | undefined
let chromium: { browser: Browser; close(): Promise<void> } | undefined
let page: Page
let errors: string[]
const token = newToken()

beforeAll(async () => {
  dataDir = await temporaryDirectory('wp-demo-chromium-')
  demo = await startDemo({ dataDir: dataDir.path, token })
  chromium = await launchChromium()
  page = await chromium.browser.newPage()
  errors = collectErrors(page)
}, 60_000)

afterAll(async () => {
  await chromium?.close()
  await demo?.close()
  await dataDir?.remove()
})

/** Puts a live virtual subscriber and one that unsubscribed on the demo, so a send has both outcomes. */
async function addSubscribers(): Promise<void> {
  const api = demoApi(demo!.url, token)
  const { applicationServerKey } = await api.config()
  const live = await demo!.localPushService!.subscribe({ applicationServerKey })
  const dropped = await demo!.localPushService!.subscribe({ applicationServerKey })
  await dropped.unsubscribe()
  for (const subscriber of [live, dropped]) {
    const { status } = await api.call('POST', '/api/subscriptions', subscriber.subscription)
    expect(status).toBe(201)
  }
}

/** The accessible name (label, text) of the focused element, and whether its focus ring shows. */
const focused = (target: Page) =>
  target.evaluate(() => {
    const element = document.activeElement as HTMLElement | null
    if (!element || element === document.body) return { name: '', ring: false }
    const label = element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : undefined
    const style = getComputedStyle(element)
    return {
      name: (label ?? element.textContent ?? '').trim(),
      ring: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
    }
  })

describe('the demo in Chromium', () => {
  it('loads without console errors or uncaught exceptions, with every control named', async () => {
    await page.goto(`${demo!.url}/#token=${token}`, { timeout: 15_000 })
    await waitForState(page, 'Not subscribed')
    // The event stream is open (it never goes idle, so network idleness cannot be awaited).
    await page.waitForFunction(() => document.getElementById('live')?.textContent?.startsWith('Live:'), {
      timeout: 15_000,
    })
    for (const name of ['Subscribe', 'Unsubscribe', 'Send to me', 'Send to everyone'])
      expect(await page.$(control('button', name)), `button ${name}`).not.toBeNull()
    for (const name of ['Title', 'Message'])
      expect(await page.$(control('textbox', name)), `field ${name}`).not.toBeNull()
    for (const name of ['Received', 'Deliveries']) expect(await listTexts(page, name)).toEqual([])
    expect(page.url()).toBe(`${demo!.url}/`)
    expect(await page.evaluate(() => navigator.serviceWorker.ready.then((r) => r.active?.scriptURL))).toBe(
      `${demo!.url}/sw.js`,
    )
    const favicon = await page.evaluate(async () => {
      const response = await fetch('/favicon.ico')
      const bytes = new Uint8Array(await response.arrayBuffer())
      return { status: response.status, header: [...bytes.slice(0, 4)] }
    })
    expect(favicon).toEqual({ status: 200, header: [0, 0, 1, 0] })
    expect(errors).toEqual([])
  })

  it('is usable with the keyboard alone: Tab reaches every enabled control with a visible focus ring, Enter sends', async () => {
    await addSubscribers()
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    const seen: { name: string; ring: boolean }[] = []
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab')
      const now = await focused(page)
      seen.push(now)
      if (now.name === 'Send to everyone') break
    }
    expect(seen.map((s) => s.name)).toEqual(['Skip to sending', 'Subscribe', 'Title', 'Message', 'Send to everyone'])
    expect(seen.every((s) => s.ring)).toBe(true)
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Sent to 2'), {
      timeout: 15_000,
    })
    expect(await page.$eval('#status', (e) => [e.getAttribute('role'), e.textContent])).toEqual([
      'status',
      'Sent to 2 subscriptions: 1 created, 1 gone.',
    ])
    await waitForItem(page, 'Deliveries', ['created'])
    await waitForItem(page, 'Deliveries', ['gone'])
    expect(errors).toEqual([])
  })

  it('saves a screenshot to test-artifacts/chromium.png', async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    const png = await page.screenshot({
      path: new URL('chromium.png', ARTIFACTS).pathname as `${string}.png`,
      fullPage: true,
    })
    expect(png.subarray(1, 4).toString()).toBe('PNG')
  })

  it('updates Deliveries live from the event stream when someone else sends', async () => {
    const before = (await listTexts(page, 'Deliveries')).length
    const { status } = await demoApi(demo!.url, token).call('POST', '/api/notify', {
      title: 'From elsewhere',
      body: 'Sent through the API, not by this page',
      to: 'all',
    })
    expect(status).toBe(200)
    await page.waitForFunction(
      (n: number) => document.querySelectorAll('#deliveries > li').length >= n,
      { timeout: 15_000 },
      before + 1,
    )
    // Only the live subscriber is left (the gone one was removed), so exactly one new delivery.
    expect((await listTexts(page, 'Deliveries'))[0]).toMatch(/^created 201 /)
    // The batch's progress, from the event stream's progress events: done, 1 of 1, by outcome.
    await page.waitForFunction(() => document.getElementById('batch-label')?.textContent?.endsWith(': done'), {
      timeout: 15_000,
    })
    const progress = await page.evaluate(() => ({
      hidden: document.getElementById('batch')?.hidden,
      text: document.getElementById('batch-text')?.textContent,
      value: (document.getElementById('batch-progress') as HTMLProgressElement | null)?.value,
      max: (document.getElementById('batch-progress') as HTMLProgressElement | null)?.max,
    }))
    expect(progress).toEqual({ hidden: false, text: '1 of 1 done: 1 created.', value: 1, max: 1 })
  })

  for (const scheme of ['light', 'dark'] as const)
    it(`meets WCAG AA contrast for its text and controls (${scheme} scheme)`, async () => {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }])
      const failures = await page.evaluate(() => {
        const channel = (c: number) => {
          const s = c / 255
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
        }
        const parse = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number)
        const luminance = ([r = 0, g = 0, b = 0]: number[]) =>
          0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
        const background = (element: Element | null): number[] => {
          for (let e = element; e; e = e.parentElement) {
            const [r = 0, g = 0, b = 0, a = 1] = parse(getComputedStyle(e).backgroundColor)
            if (a > 0 && getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)') return [r, g, b]
          }
          return [255, 255, 255]
        }
        const out: string[] = []
        for (const element of document.querySelectorAll(
          'h1, h2, p, label, button, input, textarea, li span, li time, a',
        )) {
          const text =
            element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement
              ? 'field'
              : element.textContent
          if (!(element as HTMLElement).offsetParent || (text ?? '').trim() === '') continue
          const fg = luminance(parse(getComputedStyle(element).color))
          const bg = luminance(background(element))
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)
          if (ratio < 4.5)
            out.push(`${element.tagName}.${element.className} "${element.textContent?.trim()}": ${ratio.toFixed(2)}`)
        }
        return { out, page: luminance(background(document.body)) }
      })
      // The scheme took effect: a light page in light, a dark one in dark.
      expect(scheme === 'light' ? failures.page > 0.5 : failures.page < 0.1).toBe(true)
      expect(failures.out).toEqual([])
    })

  it('announces an API error in the polite status region', async () => {
    await page.locator(control('textbox', 'Message')).fill('x'.repeat(5000))
    await page.locator(control('button', 'Send to everyone')).click()
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Could not send'), {
      timeout: 15_000,
    })
    const status = await page.$eval('#status', (e) => ({
      role: e.getAttribute('role'),
      live: e.getAttribute('aria-live'),
      text: e.textContent,
    }))
    expect(status.role).toBe('status')
    expect(status.live).toBe('polite')
    expect(status.text).toMatch(/^Could not send: .+\(ERR_WP_[A-Z_]+\)\.$/)
    // Chromium reports every HTTP error answer as a failed resource; nothing else may appear.
    expect(errors.filter((line) => !/Failed to load resource: .* 413/.test(line))).toEqual([])
    await page.locator(control('textbox', 'Message')).fill('It works: this message went through the push service.')
  })
})
