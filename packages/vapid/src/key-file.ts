/**
 * Reading a VAPID key file: where a file system exists (Node, Bun, Deno). Elsewhere the read is
 * refused with `ERR_WP_VAPID_KEY`, and the entry still bundles: no `node:` module is reachable.
 */
import { readKeyFile } from './internal/read-key-file.js'
import { importVapidKey, importVapidKeySync, type VapidKey, type VapidKeyInput } from './keys.js'

/**
 * Reads a VAPID private key file in Node (PEM, or DER bytes), e.g. the output of
 * `openssl ecparam -name prime256v1 -genkey -noout -out private_key.pem` or `vapid generate`.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file is missing, unreadable, larger than 64 KiB,
 *   or is not a key
 * @example
 * const key = await readVapidKeyFile('private_key.pem')
 */
export async function readVapidKeyFile(path: string): Promise<VapidKey> {
  const bytes = await readKeyFile(path)
  const text = new TextDecoder().decode(bytes)
  if (text.includes('-----BEGIN')) return importVapidKeySync(text)
  if (bytes[0] === 0x30) return importVapidKeySync(new Uint8Array(bytes))
  return importVapidKeySync(text.trim())
}

/**
 * Imports a VAPID private key given as anything {@link importVapidKey} takes or, in Node, as the path
 * of a key file: a string that is not a key (no PEM armour, no line break) is read as a file when it
 * names one. A failure is the import's error, so a mistyped key is reported as a key, not as a file.
 * @throws WebPushError `ERR_WP_VAPID_KEY`, as {@link importVapidKey}
 * @example
 * const key = await loadVapidKey(process.env.VAPID_PRIVATE_KEY ?? 'private_key.pem')
 */
export async function loadVapidKey(input: VapidKey | VapidKeyInput): Promise<VapidKey> {
  try {
    return await importVapidKey(input)
  } catch (error) {
    if (typeof input !== 'string' || input.includes('-----') || input.includes('\n')) throw error
    try {
      return await readVapidKeyFile(input)
    } catch {
      throw error
    }
  }
}
