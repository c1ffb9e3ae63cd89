// A page and its script files served from memory on 127.0.0.1 (a secure context, so `crypto.subtle`
// exists without TLS). Plain JavaScript (typed by page-server.d.mts) so that plain Node imports it
// too: `bench/runtimes.mjs` serves its browser bench through it.
import { createServer } from 'node:http'

/**
 * Serves `page` at `/` and the bundle's `files` (by path) on 127.0.0.1, on a free port; anything else
 * is 404, any method but GET 405.
 * @param {Uint8Array} page
 * @param {Map<string, Uint8Array>} files
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function servePage(page, files) {
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
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
