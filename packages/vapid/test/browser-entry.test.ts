/**
 * The main entry bundles for browsers and Workers: no `node:` module is reachable from it under
 * their conditions (esbuild stops at one), and a key file read there fails with a `WebPushError`
 * that says why, while Node keeps reading files through the same export.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { readBoundedFile as readDefault } from '../src/internal/read-key-file.default.js'

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..')

async function bundle(conditions: string[]): Promise<string[]> {
  const result = await build({
    stdin: { contents: `export * from './src/index.ts'`, resolveDir: pkg, loader: 'ts' },
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@wp/source', ...conditions],
    logLevel: 'silent',
  })
  return Object.keys(result.metafile.inputs)
}

describe('the main entry outside Node', () => {
  for (const conditions of [['browser'], ['workerd', 'worker', 'browser']]) {
    it(`bundles without node: modules under ${conditions.join(', ')}`, async () => {
      const inputs = await bundle(conditions)
      expect(inputs.some((p) => p.endsWith('src/index.ts'))).toBe(true)
      expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([])
      expect(inputs.some((p) => p.endsWith('read-key-file.node.ts'))).toBe(false)
    })
  }

  it('refuses to read a key file without a file system, naming the file and what to pass instead', async () => {
    const read = readDefault('private_key.pem', 1024, 'ERR_WP_VAPID_KEY', 'VAPID key file')
    await expect(read).rejects.toMatchObject({ name: 'WebPushError', code: 'ERR_WP_VAPID_KEY' })
    await expect(read).rejects.toThrow(/VAPID key file private_key\.pem.*file system/)
  })
})
