/** The conformance suite in Deno, with no permission but the loopback network, against the built packages. */
import { describe, expect, it } from 'vitest'
import { bin, expectConformance, runSuite } from './harness.js'

describe('conformance in deno', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 120_000 }, async () => {
    const run = await runSuite(bin('deno'), ['run', '--allow-net=127.0.0.1'])
    // Each run prints the crypto backend it used.
    console.log(run.stdout.split('\n')[0])
    expect(run.stdout).toMatch(/^runtime deno, crypto backend (node|webcrypto|noble)\n/)
    expect(run.code, run.stderr).toBe(0)
    expectConformance('deno', run.report, run.received, run.sent, run.stdout + run.stderr)
  })
})
