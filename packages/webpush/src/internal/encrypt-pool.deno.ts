/// <reference types="node" />
/**
 * Deno: `node:worker_threads` works and the pool is Node's, but a worker loads its modules only with
 * read permission for them: its own file (`encrypt-worker.js`, beside this file) and `@wp/ece`'s.
 * Without it `new Worker` throws, or the worker dies loading `@wp/ece`, and every message would be
 * encrypted on the calling thread while `workers` claimed otherwise; so the permission is checked
 * once, when the client is created: `'auto'` is then 0 and a number is refused.
 */
import { WebPushError } from '@wp/ece'
import type { EncryptPool } from './encrypt-pool.js'
import { autoWorkers as cores, createEncryptPool as threads } from './encrypt-pool.node.js'

interface DenoPermissions {
  permissions?: { querySync?(descriptor: { name: 'read'; path: URL }): { state: string } }
}

/** What a worker reads to start: its module, and the directory of `@wp/ece`'s. */
function workerReads(): URL[] {
  const reads = [new URL('./encrypt-worker.js', import.meta.url)]
  try {
    reads.push(new URL('.', import.meta.resolve('@wp/ece')))
  } catch {
    // not resolvable from here: the worker's own file is what there is to check
  }
  return reads
}

/** Whether this process may start a worker: `--allow-read`, or `--allow-read=` every path a worker reads. */
function mayStartWorkers(): boolean {
  const permissions = (globalThis as { Deno?: DenoPermissions }).Deno?.permissions
  const query = permissions?.querySync
  if (query === undefined) return true
  return workerReads().every((path) => query.call(permissions, { name: 'read', path }).state === 'granted')
}

/** The cores beside the calling thread's, or 0 where workers cannot start (no read permission). */
export function autoWorkers(): number {
  return mayStartWorkers() ? cores() : 0
}

/** @throws WebPushError `ERR_WP_INVALID_ARGUMENT`: a worker's modules may not be read (no `--allow-read`) */
export function createEncryptPool(size: number): EncryptPool {
  if (!mayStartWorkers())
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `workers: ${size} needs read permission in Deno for the modules a worker loads (deno run --allow-read, ` +
        `or --allow-read= @wp/webpush's dist/internal/encrypt-worker.js and @wp/ece's dist); use 0 or 'auto' without it`,
    )
  return threads(size)
}
