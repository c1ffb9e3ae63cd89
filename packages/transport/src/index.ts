export { createTransport } from './create-transport.js'
export * from './exports.js'
