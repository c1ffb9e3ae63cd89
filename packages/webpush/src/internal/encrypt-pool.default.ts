/** Runtimes without `node:worker_threads` (browsers, Workers): encryption stays on the calling thread. */
import { WebPushError } from '@wp/ece'
import type { EncryptPool } from './encrypt-pool.js'

/** No cores to add: `workers: 'auto'` is 0 here. */
export function autoWorkers(): number {
  return 0
}

/** @throws WebPushError `ERR_WP_INVALID_ARGUMENT`: worker threads need Node, Bun or Deno */
export function createEncryptPool(size: number): EncryptPool {
  throw new WebPushError(
    'ERR_WP_INVALID_ARGUMENT',
    `workers: ${size} needs node:worker_threads (Node, Bun or Deno); use 0 or 'auto' on this runtime`,
  )
}
