/** Bounded reads of small files: through node:fs/promises in Node, Bun and Deno, refused elsewhere. */
import { readBoundedFile } from '#read-file'
import { MAX_KEY_INPUT_BYTES } from './key-formats.js'

export { readBoundedFile }

/**
 * The bytes of a key file (Node), at most {@link MAX_KEY_INPUT_BYTES}; a key file is far smaller.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file is missing, unreadable or too large, or
 *   where the runtime has no file system
 */
export function readKeyFile(path: string): Promise<Uint8Array> {
  return readBoundedFile(path, MAX_KEY_INPUT_BYTES, 'ERR_WP_VAPID_KEY', 'VAPID key file')
}
