/** The page's files from `public/`: a fixed set of types, no directory listing, nothing outside the folder. */
import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

/** The media types served; any other extension is not served. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Answers `GET`/`HEAD` for a file of `root`, or undefined when there is none (the caller answers 404).
 * `/` is `index.html`. Every answer carries `Cache-Control: no-cache` (the browser revalidates, so a
 * new service worker or page is picked up at once) and a weak ETag for the revalidation.
 */
export async function serveStatic(root: string, pathname: string, request: Request): Promise<Response | undefined> {
  let name: string
  try {
    name = decodeURIComponent(pathname === '/' ? '/index.html' : pathname)
  } catch {
    return undefined
  }
  // No dot-segments, hidden files, backslashes or NULs: only plain names under root.
  if (name.includes('\0') || name.includes('\\') || name.split('/').some((part) => part.startsWith('.')))
    return undefined
  const type = TYPES[extname(name).toLowerCase()]
  if (type === undefined) return undefined
  const base = resolve(root)
  const path = resolve(base, `.${name}`)
  if (!path.startsWith(base + sep)) return undefined
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch {
    return undefined
  }
  if (!info.isFile()) return undefined
  const etag = `W/"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`
  const headers = {
    'Content-Type': type,
    'Cache-Control': 'no-cache',
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
  }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(path))
  return new Response(body, { status: 200, headers: { ...headers, 'Content-Length': String(info.size) } })
}
