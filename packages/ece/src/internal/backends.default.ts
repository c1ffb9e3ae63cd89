/** The backends available in every other runtime: WebCrypto where it exists, pure JS always. */
import type { BackendName, CryptoBackend } from '../backend.js'
import { nobleBackend } from './backend-noble.js'
import { hasWebCrypto, webcryptoBackend } from './backend-webcrypto.js'

export const available: Partial<Record<BackendName, CryptoBackend>> = {
  ...(hasWebCrypto() ? { webcrypto: webcryptoBackend } : {}),
  noble: nobleBackend,
}
export const preferred: BackendName = hasWebCrypto() ? 'webcrypto' : 'noble'
