/** The conformance suite in Bun, against the built packages. */
import { describe, expect, it } from 'vitest'
import { bin, expectConformance, runSuite } from './harness.js'

describe('conformance in bun', () => {
  it('passes every check, and the test subscriber decrypts the push', { timeout: 120_000 }, async () => {
    const run = await runSuite(bin('bun'), ['run'])
    // Each run prints the crypto backends it used: node:crypto for both (runtime.node.ts, under `bun`).
    console.log(run.stdout.split('\n')[0])
    expect(run.stdout.split('\n')[0]).toBe('runtime bun, crypto backends: encrypt node, sign node')
    expect(run.report?.backends).toEqual({ encrypt: 'node', sign: 'node' })
    expect(run.code, run.stderr).toBe(0)
    expectConformance('bun', run.report, run.received, run.sent, run.stdout + run.stderr)
  })
})
