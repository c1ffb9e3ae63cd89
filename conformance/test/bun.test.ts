/** The conformance suite in Bun, against the built packages. */
import { describe, expect, it } from 'vitest'
import { bin, CHECKS, runSuite } from './harness.js'

describe('conformance in bun', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 120_000 }, async () => {
    const run = await runSuite(bin('bun'), ['run'])
    // Each run prints the crypto backend it used.
    console.log(run.stdout.split('\n')[0])
    expect(run.stdout).toMatch(/^runtime bun, crypto backend (node|webcrypto|noble)\n/)
    expect(run.report, run.stdout + run.stderr).toBeDefined()
    expect(run.report?.runtime).toBe('bun')
    expect(run.report?.results.filter((r) => !r.ok)).toEqual([])
    expect(run.report?.results.map((r) => r.name)).toEqual(CHECKS)
    expect(run.code, run.stderr).toBe(0)
    if (run.received instanceof Error) throw run.received
    expect(run.received.text).toBe(run.sent)
    expect(run.received.encoding).toBe('aes128gcm')
    expect(run.received.claims?.sub).toBe('mailto:conformance@example.com')
  })
})
