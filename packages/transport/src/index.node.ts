import { createFetchTransport } from './fetch-transport.js'
import { createNodeTransport } from './node/transport.js'
import type { Transport, TransportOptions } from './types.js'

export * from './exports.js'
export { createNodeTransport } from './node/transport.js'

/**
 * A transport: pooled HTTP/1.1 and multiplexed HTTP/2 over Node's networking, or the given `fetch`
 * when `options.fetch` is set.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  return options.fetch === undefined ? createNodeTransport(options) : createFetchTransport(options)
}
