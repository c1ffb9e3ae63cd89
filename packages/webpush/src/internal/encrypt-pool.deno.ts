/// <reference types="node" />
/**
 * Deno: `node:worker_threads` works and the pool is Node's, but Deno starts a worker only with read
 * permission for its module (`encrypt-worker.js`, beside this file). Without it `new Worker` throws and
 * every message would be encrypted on the calling thread while `workers` claimed otherwise, so the
 * permission is checked once, when the client is created: `'auto'` is then 0 and a number is refused.
 */
import { WebPushError } from '@wp/ece'
import type { EncryptPool } from './encrypt-pool.js'
import { autoWorkers as cores, createEncryptPool as threads } from './encrypt-pool.node.js'

interface DenoPermissions {
  permissions?: { querySync?(descriptor: { name: 'read'; path: URL }): { state: string } }
}

/** Whether this process may load the worker's module (`--allow-read`, or `--allow-read=<that file>`). */
function mayStartWorkers(): boolean {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno
  const query = deno?.permissions?.querySync
  if (query === undefined) return true
  return (
    query.call(deno?.permissions, { name: 'read', path: new URL('./encrypt-worker.js', import.meta.url) }).state ===
    'granted'
  )
}

/** The cores beside the calling thread's, or 0 where workers cannot start (no read permission). */
export function autoWorkers(): number {
  return mayStartWorkers() ? cores() : 0
}

/** @throws WebPushError `ERR_WP_INVALID_ARGUMENT`: the worker's module may not be read (no `--allow-read`) */
export function createEncryptPool(size: number): EncryptPool {
  if (!mayStartWorkers())
    throw new WebPushError(
      'ERR_WP_INVALID_ARGUMENT',
      `workers: ${size} needs read permission for @wp/webpush's encrypt-worker.js in Deno ` +
        `(deno run --allow-read); use 0 or 'auto' without it`,
    )
  return threads(size)
}
