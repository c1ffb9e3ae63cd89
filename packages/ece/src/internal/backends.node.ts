/** The backends available where node:crypto exists (selected by the `node`, `bun` and `deno` conditions). */
import type { BackendName, CryptoBackend } from '../backend.js'
import { nobleBackend } from './backend-noble.js'
import { nodeBackend } from './backend-node.js'
import { hasWebCrypto, webcryptoBackend } from './backend-webcrypto.js'

export const available: Partial<Record<BackendName, CryptoBackend>> = {
  node: nodeBackend,
  ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
  noble: nobleBackend,
}
export const preferred: BackendName = 'node'
