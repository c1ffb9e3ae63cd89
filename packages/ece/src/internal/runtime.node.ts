/// <reference types="node" />
/** The runtime where node:crypto exists (selected by the `node`, `bun` and `deno` conditions). */
import { createECDH } from 'node:crypto'
import { nobleBackend, nobleSyncBackend } from './backends/noble.js'
import { nodeBackend, nodeSyncBackend } from './backends/node.js'
import { hasWebCrypto, webcryptoBackend } from './backends/webcrypto.js'
import type { Runtime } from './runtime.js'

/** node:crypto first, then WebCrypto where it exists, then pure JS. */
export const runtime: Runtime = {
  available: {
    node: nodeBackend,
    ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
    noble: nobleBackend,
  },
  synchronous: { node: nodeSyncBackend, noble: nobleSyncBackend },
  preferred: 'node',
  /** Through OpenSSL: about 15x faster than pure JS. */
  derivePublicKey(privateKey) {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(privateKey)
    return new Uint8Array(ecdh.getPublicKey())
  },
  /** Every backend here is loaded with the module. */
  async load() {},
}
