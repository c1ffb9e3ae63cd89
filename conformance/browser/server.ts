/**
 * The page of the conformance suite: `entry.mjs` (and through it suite.mjs) bundled with esbuild for
 * `platform: 'browser'` (ESM, split: what is loaded on demand is a chunk of its own) from the BUILT
 * packages, kept in memory and served with `index.html` from 127.0.0.1 (a secure context, so
 * `crypto.subtle` exists without TLS).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bundleForBrowser } from './bundle.mjs'
import { type SuitePage, servePage } from './page-server.mjs'

export { type SuitePage, servePage }

const here = import.meta.dirname

/** The bundle's files by URL path (`/entry.js` and its chunks), built in memory. */
export function bundleSuite(): Promise<Map<string, Uint8Array>> {
  return bundleForBrowser(join(here, 'entry.mjs'))
}

/** Bundles the suite and serves it with its page on 127.0.0.1, on a free port. */
export async function serveSuite(): Promise<SuitePage> {
  return servePage(await readFile(join(here, 'index.html')), await bundleSuite())
}
