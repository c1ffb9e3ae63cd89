// Debian's headless Chromium and Firefox ESR, driven by puppeteer-core, each with a fresh profile.
// A missing browser is a failure that says how to install it, never a skip. Plain JavaScript (typed
// by launch.d.mts) so that plain Node imports it too: `bench/runtimes.mjs` measures in these browsers.
// The one launcher of the repository's real-browser tests: the demo's import it as
// `@wp/conformance/launch`.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer from 'puppeteer-core'

/** The Debian package that provides each browser. */
const PACKAGES = {
  chromium: { binary: 'chromium', install: 'apt-get install -y chromium' },
  firefox: { binary: 'firefox-esr', install: 'apt-get install -y firefox-esr' },
}

/**
 * The path of `binary` on the PATH or at `/usr/bin/<binary>`.
 * @param {string} binary
 * @param {string} install
 * @returns {string}
 * @throws Error naming `install` when there is none
 */
export function findBinary(binary, install) {
  try {
    const found = execFileSync('which', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    if (found !== '') return found
  } catch {}
  if (existsSync(`/usr/bin/${binary}`)) return `/usr/bin/${binary}`
  throw new Error(
    `${binary} is not installed: these tests run in a real headless browser. Install it with \`${install}\`.`,
  )
}

/**
 * Launches `name` headless with a fresh profile.
 * @param {'chromium' | 'firefox'} name
 * @param {import('./launch.d.mts').LaunchOptions} [options]
 */
export async function launchBrowser(name, options = {}) {
  const { timeoutMs = 20_000, defaultViewport, firefoxPrefs, profilePrefix = 'wp-conformance-' } = options
  const { binary, install } = PACKAGES[name]
  const executablePath = findBinary(binary, install)
  // Only what is asked goes to puppeteer: its own defaults stand for the rest.
  const asked = {
    timeout: timeoutMs,
    ...(defaultViewport === undefined ? {} : { defaultViewport }),
  }
  if (name === 'firefox') {
    // puppeteer makes (and removes) a fresh profile; WebDriver BiDi.
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath,
      headless: true,
      ...asked,
      ...(firefoxPrefs === undefined ? {} : { extraPrefsFirefox: firefoxPrefs }),
    })
    return { browser, close: () => browser.close() }
  }
  const profile = await mkdtemp(join(tmpdir(), `${profilePrefix}chromium-`))
  try {
    const browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      ...asked,
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
