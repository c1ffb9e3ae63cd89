/** The conformance suite in Deno, with no permission but the loopback network, against the built packages. */
import { describe, expect, it } from 'vitest'
import { bin, expectConformance, runSuite } from './harness.js'

describe('conformance in deno', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 120_000 }, async () => {
    const run = await runSuite(bin('deno'), ['run', '--allow-net=127.0.0.1'])
    // Each run prints the crypto backends it used: node:crypto to encrypt, and pure JS to sign, which
    // Deno's node:crypto does at half the speed (runtime.deno.ts): what @wp/vapid signed the push with.
    console.log(run.stdout.split('\n')[0])
    expect(run.stdout.split('\n')[0]).toBe('runtime deno, crypto backends: encrypt node, sign noble')
    expect(run.report?.backends).toEqual({ encrypt: 'node', sign: 'noble' })
    expect(run.code, run.stderr).toBe(0)
    expectConformance('deno', run.report, run.received, run.sent, run.stdout + run.stderr)
  })
})
