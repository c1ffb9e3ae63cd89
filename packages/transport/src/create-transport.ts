/**
 * `createTransport` everywhere but Node (the `bun`, `deno`, `workerd`, `worker` and `browser` export
 * conditions, and any other runtime): over `fetch`. Bun's built-in `undici` lacks the dispatch API,
 * and undici reads environment variables that Deno would have to be granted.
 */
import { createFetchTransport } from './fetch-transport.js'
import type { Transport, TransportOptions } from './types.js'

/**
 * A transport over the runtime's `fetch`. `http2`, `proxy`,
 * `maxConnectionsPerOrigin`, `ca`, `lookup`, `originIdleMs` and `maxIdleOrigins` are left to the
 * runtime's `fetch`.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options, or when there is no `fetch`
 * @example
 * ```ts
 * const transport = createTransport()
 * const response = await transport.send({ endpoint, headers: { TTL: '60', ...vapid }, body })
 * await transport.close()
 * ```
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return createFetchTransport(options)
}
