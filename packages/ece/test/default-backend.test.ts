/**
 * The default backend of each runtime and operation is the fastest one measured there
 * (`bench/runtimes.mjs`, the README's "Backends per runtime" table): node:crypto for everything in
 * Node and Bun; in Deno node:crypto to encrypt and pure JS to sign (Deno's node:crypto signs about
 * half as fast as @noble there); WebCrypto in browsers and Workers. Deno and Bun run a small script on the
 * package's sources (the `@wp/source` condition), so the `#backends` map is resolved as they do.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { getBackend, getSyncBackend, useBackend } from '../src/backend.js'

const script = fileURLToPath(new URL('fixtures/default-backends.mjs', import.meta.url))
const bin = (name: string): string => fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url))

/** Runs the script in a runtime, within 60 s; its printed defaults. */
function defaultsIn(command: string, args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args, script],
      { timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command}: ${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout.trim().split('\n').pop() as string))
      },
    )
  })
}

describe('the default backend per runtime and operation', () => {
  it('is node:crypto for both operations in Node', () => {
    expect(getBackend().name).toBe('node')
    expect(getBackend('encrypt').name).toBe('node')
    expect(getBackend('sign').name).toBe('node')
    expect(getSyncBackend('sign').name).toBe('node')
  })

  it('is node:crypto to encrypt and pure JS to sign in Deno', { timeout: 60_000 }, async () => {
    const defaults = await defaultsIn(bin('deno'), ['run', '--conditions=@wp/source', '--sloppy-imports'])
    expect(defaults).toEqual({ encrypt: 'node', sign: 'noble', syncEncrypt: 'node', syncSign: 'noble' })
  })

  it('is node:crypto for both operations in Bun', { timeout: 60_000 }, async () => {
    const defaults = await defaultsIn(bin('bun'), ['--conditions=@wp/source'])
    expect(defaults).toEqual({ encrypt: 'node', sign: 'node', syncEncrypt: 'node', syncSign: 'node' })
  })

  it('is WebCrypto for both operations in browsers and Workers', async () => {
    vi.resetModules()
    vi.doMock('#backends', () => import('../src/internal/runtime.default.js'))
    try {
      const browser = await import('../src/backend.js')
      expect(browser.getBackend().name).toBe('webcrypto')
      expect(browser.getBackend('sign').name).toBe('webcrypto')
    } finally {
      vi.doUnmock('#backends')
      vi.resetModules()
    }
  })

  it('gives way to useBackend for every operation, and refuses an unknown operation', () => {
    expect(() => getBackend('verify' as 'sign')).toThrow(
      expect.objectContaining({
        code: 'ERR_WP_INVALID_ARGUMENT',
        message: "operation must be 'encrypt' or 'sign', got 'verify'",
      }),
    )
    expect(() => getSyncBackend(null as unknown as 'sign')).toThrow(
      expect.objectContaining({ code: 'ERR_WP_INVALID_ARGUMENT' }),
    )
    useBackend('noble')
    try {
      expect(getBackend().name).toBe('noble')
      expect(getBackend('sign').name).toBe('noble')
      useBackend('webcrypto')
      expect(getBackend('sign').name).toBe('webcrypto')
      expect(getSyncBackend('sign').name).toBe('node') // WebCrypto has no synchronous form
    } finally {
      useBackend('node')
    }
  })
})
