/** The demo's VAPID key: made on first start at `DATA_DIR/vapid.pem` (mode 0600), read on every later one. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateVapidKeys, importVapidKey, readVapidKeyFile, type VapidKey } from '@wp/vapid'

/**
 * Reads `dataDir/vapid.pem`, or makes a fresh P-256 key and writes it there as PKCS #8 PEM, readable
 * by its owner only. The file is created exclusively (`wx`), so two demos starting at once on one
 * `DATA_DIR` never overwrite each other's key: the loser reads the winner's.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file exists and is not a key
 */
export async function loadOrCreateVapidKey(dataDir: string): Promise<VapidKey> {
  const path = join(dataDir, 'vapid.pem')
  try {
    return await readVapidKeyFile(path)
  } catch (error) {
    if (!isMissing(error)) throw error
  }
  const { privateKey } = await generateVapidKeys()
  const key = await importVapidKey(privateKey)
  try {
    await writeFile(path, key.toPEM(), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readVapidKeyFile(path)
    throw error
  }
  return key
}

/** True when the key file does not exist (readVapidKeyFile keeps Node's error as the cause). */
function isMissing(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true
  return false
}
