/** The bounded read of a key file (Node only: node:fs/promises, imported when first needed). */
import { WebPushError } from '@wp/ece/utils'
import { MAX_KEY_INPUT_BYTES } from './key-formats.js'

/**
 * The bytes of a key file (Node), reading at most {@link MAX_KEY_INPUT_BYTES} and one more: a larger
 * file, or one that never ends (a device, a pipe), is refused without being read whole.
 * @throws WebPushError `ERR_WP_VAPID_KEY` when the file is missing, unreadable or too large
 */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  const { open } = await import('node:fs/promises')
  const unreadable = (cause: unknown): WebPushError => {
    const code = (cause as { code?: string }).code
    return new WebPushError(
      'ERR_WP_VAPID_KEY',
      code === 'ENOENT'
        ? `no VAPID key file at ${path}`
        : `cannot read the VAPID key file ${path} (${code ?? 'error'})`,
      { cause },
    )
  }
  let file: Awaited<ReturnType<typeof open>>
  try {
    file = await open(path, 'r')
  } catch (cause) {
    throw unreadable(cause)
  }
  try {
    const buffer = new Uint8Array(MAX_KEY_INPUT_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_KEY_INPUT_BYTES)
      throw new WebPushError(
        'ERR_WP_VAPID_KEY',
        `the VAPID key file ${path} is larger than ${MAX_KEY_INPUT_BYTES} bytes; a key file is far smaller`,
      )
    return buffer.subarray(0, length)
  } catch (cause) {
    throw WebPushError.is(cause) ? cause : unreadable(cause)
  } finally {
    await file.close()
  }
}
