/**
 * Bounded reads of small files where a file system exists (Node, Bun, Deno: node:fs/promises,
 * imported when first needed). The `#read-file` import map picks this module under the `node`, `bun`
 * and `deno` conditions and `read-key-file.default.ts` everywhere else, so no `node:` module is
 * reachable from the package's entry in a browser or a Worker.
 */
import { WebPushError, type WebPushErrorCode } from '@wp/ece/utils'

/**
 * The bytes of a small file, reading at most `limit` bytes and one more: a larger file, or one that
 * never ends (a device, a pipe), is refused without being read whole.
 * @param what names the file in messages ("VAPID key file", "claims file")
 * @throws WebPushError with `code` when the file is missing, unreadable or larger than `limit`
 */
export async function readBoundedFile(
  path: string,
  limit: number,
  code: WebPushErrorCode,
  what: string,
): Promise<Uint8Array> {
  const { open } = await import('node:fs/promises')
  const unreadable = (cause: unknown): WebPushError => {
    const errno = (cause as { code?: string }).code
    return new WebPushError(
      code,
      errno === 'ENOENT' ? `no ${what} at ${path}` : `cannot read the ${what} ${path} (${errno ?? 'error'})`,
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
    const buffer = new Uint8Array(limit + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > limit) throw new WebPushError(code, `the ${what} ${path} is larger than ${limit} bytes`)
    return buffer.subarray(0, length)
  } catch (cause) {
    throw WebPushError.is(cause) ? cause : unreadable(cause)
  } finally {
    await file.close()
  }
}
