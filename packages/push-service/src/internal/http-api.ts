/**
 * The HTTP side of RFC 8030, where senders push: routing, `POST /push/<id>` (TTL, Urgency, Topic,
 * Content-Encoding, the body, VAPID, and CORS for pages) and `DELETE /m/<id>`. What it accepts goes
 * to the store; what it refuses is answered in autopush's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ContentEncoding } from '@wp/ece'
import { parseCryptoParams } from '@wp/ece/utils'
import { allowCrossOrigin, answerPreflight } from './cors.js'
import type { Faults } from './faults.js'
import { answerError, HttpError } from './http-error.js'
import { requestPath } from './request-target.js'
import { type Message, newId, type Store } from './store.js'
import { checkVapid } from './vapid-auth.js'

/** RFC 8030 §7.2: push services must accept at least 4096 bytes of body; like the big ones, we take no more. */
const MAX_BODY = 4096
/** RFC 8030 §5.3: the urgencies. */
const URGENCIES = new Set(['very-low', 'low', 'normal', 'high'])
/** RFC 8030 §5.4: a topic is at most 32 characters of the URL and filename safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/
/** RFC 8188 §2.1: an aes128gcm body holds a header (21 bytes and a 65-byte key id, RFC 8291 §4) and a record of at least a delimiter and a 16-byte tag. */
const MIN_AES128GCM_BODY = 21 + 65 + 17

/** What the HTTP side needs of the service around it. */
export interface HttpContext {
  readonly store: Store
  readonly faults: Faults
  /** The service's origin (`aud`, RFC 8292 §2) and WebSocket URL, known once it listens. */
  readonly url: string
  readonly webSocketUrl: string
  /** `strict: false` takes requests without TTL and without VAPID. */
  readonly strict: boolean
  /** The longest TTL kept, in seconds. */
  readonly maxTtl: number
}

function cryptoParam(value: string | undefined, name: string): string | undefined {
  return value === undefined ? undefined : parseCryptoParams(value)[name]
}

/** The request listener: answers every request, an unexpected failure included. */
export function httpHandler(context: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(context, req, res).catch((error: unknown) => {
      try {
        if (!res.headersSent) answerError(res, error)
        else res.destroy()
      } catch {
        res.destroy()
      }
    })
  }
}

async function route(context: HttpContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = requestPath(req.url ?? '/')
  if (path === undefined) throw new HttpError(400, 102, 'Invalid URL endpoint: the request target must be a path')
  const push = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path)
  const message = /^\/m\/([A-Za-z0-9_-]+)$/.exec(path)
  if (push) {
    // A page may send pushes: every answer of the push endpoint, a refusal included, is readable cross-origin.
    allowCrossOrigin(res)
    if (req.method === 'OPTIONS') {
      req.resume()
      return answerPreflight(res)
    }
    if (req.method === 'POST') return onPush(context, req, res, push[1] as string)
  }
  if (message && req.method === 'DELETE') return onDelete(context, res, message[1] as string)
  if (path === '/' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ service: '@wp/push-service', url: context.url, webSocketUrl: context.webSocketUrl }))
    return
  }
  throw new HttpError(push || message ? 405 : 404, 102, push || message ? 'Method not allowed' : 'Invalid URL endpoint')
}

/** The body, at most {@link MAX_BODY} bytes (413 past it), or undefined when there is none. */
function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > MAX_BODY) {
    req.resume()
    return Promise.reject(
      new HttpError(413, 104, `Data payload too large: ${declared} bytes, the limit is ${MAX_BODY}`),
    )
  }
  // Not `for await`: leaving it early destroys the request, which leaves a paused keep-alive socket
  // that never serves the next request. Past the limit, answer 413 at once and read the rest to nowhere.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
      else if (size - chunk.length <= MAX_BODY)
        reject(new HttpError(413, 104, `Data payload too large: more than ${MAX_BODY} bytes`))
    })
    req.on('end', () => resolve(size === 0 ? undefined : new Uint8Array(Buffer.concat(chunks))))
    req.on('error', reject)
  })
}

/** The request's headers, names in lowercase, repeated ones joined with `, `. */
function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  return headers
}

/** RFC 8030 §5.2: the TTL kept, in seconds (at most `maxTtl`). */
function ttlOf(context: HttpContext, value: string | undefined): number {
  if (value === undefined) {
    if (context.strict) throw new HttpError(400, 111, 'Missing TTL header')
    return 0
  }
  if (!/^\d+$/.test(value.trim())) throw new HttpError(400, 112, 'Invalid TTL header value: use a number of seconds')
  return Math.min(Number(value.trim()), context.maxTtl)
}

/** The content encoding of a body (RFC 8291 §4, and aesgcm's Encryption and Crypto-Key), checked. */
function encodingOf(headers: Record<string, string>, body: Uint8Array): ContentEncoding {
  const ce = headers['content-encoding']
  if (ce === undefined) throw new HttpError(400, 110, 'Missing Content-Encoding header for a message with a body')
  if (ce !== 'aes128gcm' && ce !== 'aesgcm')
    throw new HttpError(400, 110, `Unknown Content-Encoding "${ce.slice(0, 32)}": use aes128gcm`)
  if (ce === 'aesgcm') {
    if (cryptoParam(headers.encryption, 'salt') === undefined)
      throw new HttpError(400, 101, 'Missing salt in the Encryption header')
    if (cryptoParam(headers['crypto-key'], 'dh') === undefined)
      throw new HttpError(400, 101, 'Missing dh in the Crypto-Key header')
  } else if (body.length < MIN_AES128GCM_BODY) {
    throw new HttpError(400, 110, 'The aes128gcm body is too short to hold its header and a record')
  }
  return ce
}

async function onPush(context: HttpContext, req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
  const { store } = context
  store.stats.requests++
  if (await context.faults.draw(req)) return
  const channel = store.get(id)
  if (channel === undefined) {
    req.resume()
    if (store.isGone(id)) throw new HttpError(410, 106, 'Invalid subscription: it was unsubscribed')
    throw new HttpError(404, 102, 'Invalid URL endpoint: no such subscription')
  }
  const headers = headersOf(req)
  const ttl = ttlOf(context, headers.ttl)
  const urgency = headers.urgency ?? 'normal'
  if (!URGENCIES.has(urgency)) throw new HttpError(400, 111, 'Invalid Urgency header: very-low, low, normal or high')
  const topic = headers.topic
  if (topic !== undefined && !TOPIC.test(topic))
    throw new HttpError(400, 113, 'Invalid Topic header value: at most 32 characters of base64url')

  const claims = await checkVapid(channel.key, headers, context.url, context.strict)
  const body = await readBody(req)
  const encoding = body === undefined ? undefined : encodingOf(headers, body)

  // RFC 8030 §5.2: a TTL of 0 for a receiver that is not online is dropped, so it takes no room.
  if (ttl !== 0 || channel.receiver.online) {
    const full = store.full(channel, topic)
    // autopush's errno 201: try again later, with back-off.
    if (full !== undefined) throw new HttpError(429, 201, `Too many messages waiting: at most ${full}`)
  }

  const message: Message = {
    id: newId(),
    channel,
    body,
    encoding,
    headers,
    claims,
    topic,
    urgency,
    // A TTL of 0 gets a second's grace while it is handed to an online receiver.
    expiresAt: Date.now() + (ttl === 0 ? 1000 : ttl * 1000),
    sent: false,
  }
  store.stats.accepted++
  res.writeHead(201, { location: `${context.url}/m/${message.id}`, ttl: String(ttl) })
  res.end()
  store.enqueue(message, ttl)
}

/** Deletes a message that is still waiting (autopush's `DELETE` of the `Location` a sender got). */
function onDelete(context: HttpContext, res: ServerResponse, id: string): void {
  if (!context.store.remove(id)) throw new HttpError(404, 102, 'No such message waiting')
  res.writeHead(204)
  res.end()
}
