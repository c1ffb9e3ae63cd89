/** The conformance suite in Debian's headless Chromium, bundled with esbuild from the built packages. */
import { describe, expect, it } from 'vitest'
import { findBinary } from '../browser/launch.js'
import { runInBrowser } from '../browser/run.js'
import { CHECKS } from './harness.js'

describe('conformance in chromium', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 45_000 }, async () => {
    const run = await runInBrowser('chromium')
    // Each run prints the crypto backend it used.
    console.log(`${run.lines[0]} (${run.userAgent})`)
    expect(run.userAgent).toMatch(/Chrome\//)
    expect(run.lines[0]).toBe('runtime browser, crypto backend webcrypto')
    expect(run.report, run.lines.join('\n')).toBeDefined()
    expect(run.report?.runtime).toBe('browser')
    expect(run.report?.backend).toBe('webcrypto')
    expect(run.report?.results.filter((r) => !r.ok)).toEqual([])
    expect(run.report?.results.map((r) => r.name)).toEqual(CHECKS)
    expect(run.errors).toEqual([])
    if (run.received instanceof Error) throw run.received
    expect(run.received.text).toBe(run.sent)
    expect(run.received.encoding).toBe('aes128gcm')
    expect(run.received.claims?.sub).toBe('mailto:conformance@example.com')
  })

  it('fails, naming the apt-get command, when the browser is missing', () => {
    expect(() => findBinary('wp-no-such-browser', 'apt-get install -y chromium')).toThrow(
      /wp-no-such-browser is not installed.*`apt-get install -y chromium`/,
    )
  })
})
