/**
 * The conformance suite in a real browser: starts a local @wp/push-service on 127.0.0.1 and a test
 * subscriber, serves the bundled suite, opens it in headless Chromium or Firefox, passes the
 * subscription and a text to the page, and collects the suite's lines, its `CONFORMANCE {json}`
 * report and what the subscriber decrypted. The page's `webpush-send` is a cross-origin `fetch` to
 * the push service (another port), which its CORS answers allow.
 */
import { startPushService } from '@wp/push-service'
import type { SuiteRun } from '../test/harness.js'
import { type BrowserName, launchBrowser } from './launch.js'
import { serveSuite } from './server.js'

/** A run in a browser: the suite's lines (in place of stdout), the browser's user agent, the page's errors. */
export interface BrowserRun extends Omit<SuiteRun, 'code' | 'stdout' | 'stderr'> {
  lines: string[]
  userAgent: string
  /** Console errors and uncaught exceptions of the page. */
  errors: string[]
}

/** Rejects with `what` when `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Runs every check of suite.mjs in `name`, headless; the suite itself within 20 s. */
export async function runInBrowser(name: BrowserName): Promise<BrowserRun> {
  const service = await startPushService({ host: '127.0.0.1' })
  const site = await serveSuite().catch(async (error: unknown) => {
    await service.close()
    throw error
  })
  try {
    const subscriber = await service.subscribe()
    const sent = `conformance ${name} ${Date.now()} ✓`
    const launched = await launchBrowser(name)
    try {
      const page = await launched.browser.newPage()
      const errors: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url ?? ''})`)
      })
      page.on('pageerror', (error: unknown) =>
        errors.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`),
      )
      await page.goto(site.url, { waitUntil: 'load', timeout: 15_000 })
      await page.waitForFunction(
        () => typeof (globalThis as { runConformance?: unknown }).runConformance === 'function',
        {
          timeout: 10_000,
        },
      )
      type Run = (subscription: unknown, text: string) => Promise<{ lines: string[]; userAgent: string }>
      const { lines, userAgent } = await within(
        page.evaluate(
          (subscription: unknown, text: string) =>
            (globalThis as unknown as { runConformance: Run }).runConformance(subscription, text),
          subscriber.subscription as unknown,
          sent,
        ),
        20_000,
        `the suite in ${name}`,
      )
      const line = lines.find((l) => l.startsWith('CONFORMANCE '))
      const report = line ? JSON.parse(line.slice('CONFORMANCE '.length)) : undefined
      const received = await subscriber.next({ timeoutMs: 5000 }).catch((error: Error) => error)
      return { lines, userAgent, errors, report, received, sent }
    } finally {
      await launched.close()
    }
  } finally {
    await site.close()
    await service.close()
  }
}
