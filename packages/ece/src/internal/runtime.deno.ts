/**
 * Deno (selected by the `deno` condition): node:crypto exists, as in Node, but Deno's node:crypto
 * signs slowly. Measured with `bench/runtimes.mjs` (ops/s, Deno 2.9, 2-core x86-64): a VAPID token
 * (ES256) about 1,400/s on `node`, 1,500/s on `webcrypto` and 3,000/s on `noble`, while a 3 KB
 * `encryptWebPush` is fastest on `node` (about 950/s, against 750/s on `webcrypto` and 500/s on
 * `noble`). So encryption keeps node:crypto and ES256 signing defaults to pure JS.
 */
import type { Runtime } from './runtime.js'
import { runtime as nodeRuntime } from './runtime.node.js'

/** The Node runtime's backends, with pure JS the default for signing. */
export const runtime: Runtime = {
  ...nodeRuntime,
  preferredFor: { sign: 'noble' },
}
