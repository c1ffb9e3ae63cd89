export * from './exports.js'
export { createTransport } from './node/create-transport.js'
export { createNodeTransport } from './node/transport.js'
