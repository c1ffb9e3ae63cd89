/**
 * Debian's headless Chromium and Firefox ESR, driven by puppeteer-core, each with a fresh profile.
 * A missing browser is a failure that says how to install it, never a skip.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer, { type Browser } from 'puppeteer-core'

/** The browsers the suite runs in, by the Debian package that provides each. */
export type BrowserName = 'chromium' | 'firefox'

const PACKAGES: Record<BrowserName, { binary: string; install: string }> = {
  chromium: { binary: 'chromium', install: 'apt-get install -y chromium' },
  firefox: { binary: 'firefox-esr', install: 'apt-get install -y firefox-esr' },
}

/**
 * The path of `binary` on the PATH or at `/usr/bin/<binary>`.
 * @throws Error naming `install` when there is none
 */
export function findBinary(binary: string, install: string): string {
  try {
    const found = execFileSync('which', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (found !== '') return found
  } catch {}
  if (existsSync(`/usr/bin/${binary}`)) return `/usr/bin/${binary}`
  throw new Error(
    `${binary} is not installed: the conformance suite runs in a real headless browser. Install it with \`${install}\`.`,
  )
}

/** A launched browser and a `close()` that ends it and removes its profile. */
export interface LaunchedBrowser {
  browser: Browser
  close(): Promise<void>
}

/** Launches `name` headless with a fresh profile, within `timeoutMs`. */
export async function launchBrowser(name: BrowserName, timeoutMs = 20_000): Promise<LaunchedBrowser> {
  const { binary, install } = PACKAGES[name]
  const executablePath = findBinary(binary, install)
  if (name === 'firefox') {
    // puppeteer makes (and removes) a fresh profile; WebDriver BiDi.
    const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true, timeout: timeoutMs })
    return { browser, close: () => browser.close() }
  }
  const profile = await mkdtemp(join(tmpdir(), 'wp-conformance-chromium-'))
  try {
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      timeout: timeoutMs,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    })
    return {
      browser,
      async close() {
        try {
          await browser.close()
        } finally {
          await rm(profile, { recursive: true, force: true })
        }
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
