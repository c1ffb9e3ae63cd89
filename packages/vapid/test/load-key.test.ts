import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateVapidKeys, importVapidKey, loadVapidKey } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'wp-vapid-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loadVapidKey', () => {
  it('imports a key given as a key, and reads one given as a file path', async () => {
    const { privateKey, publicKey } = await generateVapidKeys()
    const key = await importVapidKey(privateKey)
    const pemFile = join(dir, 'private_key.pem')
    writeFileSync(pemFile, key.toPEM())
    const derFile = join(dir, 'private_key.der')
    writeFileSync(derFile, key.toDER())
    for (const input of [privateKey, key.toPEM(), key.toJWK(), key, pemFile, derFile])
      expect((await loadVapidKey(input)).applicationServerKey).toBe(publicKey)
    expect(await loadVapidKey(key)).toBe(key)
  })

  it("reports a string that is neither a key nor a file as a key error, never as the file's", async () => {
    const missing = join(dir, 'no-such-file.pem')
    const error = await loadVapidKey(missing).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ERR_WP_VAPID_KEY' })
    expect(String((error as Error).message)).not.toContain('ENOENT')
    // PEM armour is never taken for a path.
    await expect(loadVapidKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).rejects.toMatchObject({
      code: 'ERR_WP_VAPID_KEY',
    })
  })
})
