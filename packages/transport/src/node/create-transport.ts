/** `createTransport` in Node (the `node` export condition): Node's networking, or the given `fetch`. */
import { createFetchTransport } from '../fetch-transport.js'
import type { Transport, TransportOptions } from '../types.js'
import { createNodeTransport } from './transport.js'

/**
 * A transport: pooled keep-alive HTTP/1.1 and multiplexed HTTP/2 over Node's networking, or the
 * given `fetch` when `options.fetch` is set. Reuse one for every request, and `close()` it at
 * shutdown.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options (checked here, never at `send`)
 * @example
 * ```ts
 * const transport = createTransport({ timeoutMs: 10_000 })
 * const response = await transport.send({
 *   endpoint,
 *   headers: { TTL: '60', 'Content-Encoding': 'aes128gcm', ...vapid },
 *   body,
 * })
 * response.outcome // 'created'
 * await transport.close()
 * ```
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return options.fetch === undefined ? createNodeTransport(options) : createFetchTransport(options)
}
