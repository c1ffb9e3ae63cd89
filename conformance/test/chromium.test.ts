/** The conformance suite in Debian's headless Chromium, bundled with esbuild from the built packages. */
import { describe, expect, it } from 'vitest'
import { findBinary } from '../browser/launch.js'
import { runInBrowser } from '../browser/run.js'
import { expectConformance } from './harness.js'

describe('conformance in chromium', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 45_000 }, async () => {
    const run = await runInBrowser('chromium')
    // Each run prints the crypto backends it used: WebCrypto for both (runtime.default.ts).
    console.log(`${run.lines[0]} (${run.userAgent})`)
    expect(run.userAgent).toMatch(/Chrome\//)
    expect(run.lines[0]).toBe('runtime browser, crypto backends: encrypt webcrypto, sign webcrypto')
    expect(run.report?.backends).toEqual({ encrypt: 'webcrypto', sign: 'webcrypto' })
    expect(run.errors).toEqual([])
    expectConformance('browser', run.report, run.received, run.sent, run.lines.join('\n'))
  })

  it('fails, naming the apt-get command, when the browser is missing', () => {
    expect(() => findBinary('wp-no-such-browser', 'apt-get install -y chromium')).toThrow(
      /wp-no-such-browser is not installed.*`apt-get install -y chromium`/,
    )
  })
})
