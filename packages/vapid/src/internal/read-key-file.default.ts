/**
 * Reading files where there is no file system (browsers, Workers): the `#read-file` import map picks
 * this module outside Node, Bun and Deno, so the package's entry bundles without `node:` modules.
 */
import { WebPushError, type WebPushErrorCode } from '@wp/ece/utils'

/**
 * Refuses: this runtime has no file system to read `path` from.
 * @throws WebPushError with `code`, always
 */
export async function readBoundedFile(
  path: string,
  _limit: number,
  code: WebPushErrorCode,
  what: string,
): Promise<Uint8Array> {
  throw new WebPushError(
    code,
    `cannot read the ${what} ${path}: this runtime has no file system (Node, Bun and Deno have one); pass the key itself instead`,
  )
}
