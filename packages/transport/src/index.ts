import { createFetchTransport } from './fetch-transport.js'
import type { Transport, TransportOptions } from './types.js'

export * from './exports.js'

/**
 * A transport over `fetch` (this runtime has no Node networking). `http2`, `proxy`,
 * `maxConnectionsPerOrigin` and `ca` are left to the runtime's `fetch`.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return createFetchTransport(options)
}
