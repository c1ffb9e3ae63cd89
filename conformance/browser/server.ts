/**
 * The page of the conformance suite: `entry.mjs` (and through it suite.mjs) bundled with esbuild for
 * `platform: 'browser'` (ESM, split: what is loaded on demand is a chunk of its own) from the BUILT
 * packages, kept in memory and served with `index.html` from 127.0.0.1 (a secure context, so
 * `crypto.subtle` exists without TLS).
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative } from 'node:path'
import { build } from 'esbuild'

const here = import.meta.dirname

/** A running page server: its `url` (ending in `/`) and `close()`. */
export interface SuitePage {
  url: string
  close(): Promise<void>
}

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

/**
 * Serves `page` at `/` and the bundle's `files` (by path) on 127.0.0.1, on a free port; anything else
 * is 404, any method but GET 405.
 */
export async function servePage(page: Uint8Array, files: Map<string, Uint8Array>): Promise<SuitePage> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const script = files.get(path)
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end()
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page)
    } else if (script !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(script)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
