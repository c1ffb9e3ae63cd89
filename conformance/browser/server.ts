/**
 * The page of the conformance suite: `entry.mjs` (and through it suite.mjs) bundled with esbuild for
 * `platform: 'browser'` (ESM, split: what is loaded on demand is a chunk of its own) from the BUILT
 * packages, kept in memory and served with `index.html` from 127.0.0.1 (a secure context, so
 * `crypto.subtle` exists without TLS).
 */
import { readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { build } from 'esbuild'
import { type SuitePage, servePage } from './page-server.mjs'

export { type SuitePage, servePage }

const here = import.meta.dirname

/** The bundle's files by URL path (`/entry.js` and its chunks), built in memory. */
export async function bundleSuite(): Promise<Map<string, Uint8Array>> {
  const outdir = join(here, 'out')
  const result = await build({
    entryPoints: [join(here, 'entry.mjs')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir,
    logLevel: 'silent',
  })
  const files = new Map<string, Uint8Array>()
  for (const file of result.outputFiles)
    files.set(`/${relative(outdir, file.path).split('\\').join('/')}`, file.contents)
  return files
}

/** Bundles the suite and serves it with its page on 127.0.0.1, on a free port. */
export async function serveSuite(): Promise<SuitePage> {
  return servePage(await readFile(join(here, 'index.html')), await bundleSuite())
}
