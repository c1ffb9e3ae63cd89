/**
 * HTTP/2 to one origin: one multiplexed node:http2 session, shared by every request and reopened
 * when it goes away, with server push refused, a deadline on the server's SETTINGS, and the
 * streams a GOAWAY or REFUSED_STREAM says were not processed marked as safe to send again.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as h2connect,
  constants as h2constants,
} from 'node:http2'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { NetworkError } from '../errors.js'
import { closedError } from '../internal/errors.js'
import { BodyCollector, flattenHeaders } from '../internal/http.js'
import type { AttemptControl, RawResponse } from '../internal/send.js'
import type { CheckedRequest } from '../request.js'
import { CLOSE_GRACE_MS, closeWithin } from './close-within.js'
import { type ConnectOptions, openSocket, type Target } from './connect.js'

/** What the HTTP/2 side takes from its transport. */
export interface H2Options {
  connect: ConnectOptions
  /** Aborted when the transport has let its sends finish: connects still running are cut. */
  stopConnects: AbortSignal
  /** The `User-Agent` sent when the request has none. */
  userAgent: string
  /** The deadline of the server's SETTINGS frame, as of every connect, in ms. */
  timeoutMs: number
}

/** A session and what the transport tracks of it. */
interface Session {
  session: ClientHttp2Session
  /** Its connection, which a session that closed gracefully leaves open until the peer closes. */
  socket: Socket | TLSSocket
  /** Streams open: while any is, the session keeps the process alive. */
  open: number
  /** The last-stream-id of the GOAWAYs received (RFC 9113 §6.8), `Infinity` before any. */
  lastStreamId: number
}

/**
 * Whether a stream that ended without an answer certainly was not processed, so that sending it
 * again is safe: it was never sent (no id), the server refused it (REFUSED_STREAM, RFC 9113 §8.7),
 * or its id is above the last-stream-id of a GOAWAY (§6.8), whatever the GOAWAY's error code.
 */
function unprocessed(stream: ClientHttp2Stream, live: Session): boolean {
  const id = stream.id
  return id === undefined || stream.rstCode === h2constants.NGHTTP2_REFUSED_STREAM || id > live.lastStreamId
}

/** A stream that ended or closed without a complete answer, as a `NetworkError`. */
function streamFailure(request: CheckedRequest, stream: ClientHttp2Stream, live: Session, what: string): NetworkError {
  const cause = Object.assign(new Error(what), { code: `RST_${stream.rstCode}` })
  return new NetworkError(request.endpoint, { cause, notWritten: unprocessed(stream, live) })
}

/** One origin's HTTP/2 session. */
export class H2Origin {
  readonly #target: Target
  readonly #options: H2Options
  /** Called once when each `send` settles. */
  readonly #settled: () => void
  /** Called when the current session goes away (the next request may choose the protocol again). */
  readonly #gone: () => void
  #current: Session | undefined
  /** The connection being opened, shared by the requests that wait for it. */
  #opening: Promise<Session> | undefined
  #closed = false

  constructor(target: Target, options: H2Options, settled: () => void, gone: () => void) {
    this.#target = target
    this.#options = options
    this.#settled = settled
    this.#gone = gone
  }

  /** The session being opened, if any: what closing waits for before closing the session. */
  get opening(): Promise<unknown> | undefined {
    return this.#opening
  }

  /** Opens the session on `socket`, a connection the server chose h2 on (the ALPN probe's). */
  adopt(socket: Socket | TLSSocket): void {
    if (this.#closed) socket.destroy()
    else this.#start(socket)
  }

  #start(socket: Socket | TLSSocket): Session {
    const target = this.#target
    const session = h2connect(`${target.protocol}//${target.hostname}:${target.port}`, {
      createConnection: () => socket,
      // No server push (RFC 9113 §6.5.2, §8.4): a push service has nothing to push to a sender.
      settings: { enablePush: false },
    })
    const live: Session = { session, socket, open: 0, lastStreamId: Number.POSITIVE_INFINITY }
    this.#current = live
    session.unref()
    // The server's connection preface is a SETTINGS frame (RFC 9113 §3.4): a server that never sends
    // one is a stalled connect, dropped at the same deadline.
    const preface = setTimeout(() => {
      session.destroy(Object.assign(new Error('no SETTINGS from the server'), { code: 'ETIMEDOUT' }))
    }, this.#options.timeoutMs)
    preface.unref()
    session.once('remoteSettings', () => clearTimeout(preface))
    const forget = () => {
      if (this.#current !== live) return
      this.#current = undefined
      this.#gone()
    }
    session.on('close', () => {
      clearTimeout(preface)
      forget()
    })
    session.on('goaway', (_code: number, lastStreamId: number) => {
      // Streams above it were not processed, whatever the code, and may be sent again (§6.8).
      if (lastStreamId < live.lastStreamId) live.lastStreamId = lastStreamId
      forget()
    })
    session.on('error', forget)
    // Push is off, and a pushed stream is refused all the same: one left open would hold the session.
    session.on('stream', (stream: ClientHttp2Stream) => stream.close(h2constants.NGHTTP2_REFUSED_STREAM))
    return live
  }

  #session(): Promise<Session> {
    const current = this.#current
    if (current !== undefined && !current.session.closed && !current.session.destroyed) return Promise.resolve(current)
    // Concurrent requests share one new connection instead of each opening its own.
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined
    })
    return this.#opening
  }

  async #open(): Promise<Session> {
    const target = this.#target
    const https = target.protocol === 'https:'
    const socket = await openSocket(
      target,
      https ? ['h2'] : undefined,
      this.#options.connect,
      this.#options.stopConnects,
    )
    if (this.#closed) {
      socket.destroy()
      throw closedError()
    }
    if (https && (socket as TLSSocket).alpnProtocol !== 'h2') {
      socket.destroy()
      const cause = Object.assign(new Error('the server does not speak HTTP/2'), { code: 'ENOH2' })
      throw new NetworkError(target.endpoint, { cause, notWritten: true })
    }
    return this.#start(socket)
  }

  /**
   * Sends one request on a stream of the session (opening one if needed). Calls the `settled`
   * callback once, however it ends.
   */
  async send(request: CheckedRequest, control: AttemptControl): Promise<RawResponse> {
    let live: Session
    try {
      live = await this.#session()
    } catch (error) {
      this.#settled()
      throw error
    }
    const { session } = live
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': request.path,
      'user-agent': this.#options.userAgent,
      'content-length': String(request.body?.length ?? 0),
    }
    // Field names are lowercase in HTTP/2 (RFC 9113 §8.2.1). checkRequest refused every
    // connection-specific field, which HTTP/2 forbids (§8.2.2), and Host (it is :authority here).
    for (const name in request.headers) headers[name.toLowerCase()] = request.headers[name] as string
    // Keep the process alive while a stream is open, per session: a session that went away may still
    // finish streams after its successor opened.
    if (live.open++ === 0) session.ref()
    return new Promise<RawResponse>((resolve, reject) => {
      let stream: ClientHttp2Stream
      let settled = false
      const finish = (error: unknown, value?: RawResponse) => {
        if (settled) return
        settled = true
        this.#settled()
        control.onCancel = undefined
        if (--live.open === 0 && !session.destroyed) session.unref()
        if (error !== undefined) reject(error)
        else resolve(value as RawResponse)
      }
      const onAbort = () => {
        stream?.close(h2constants.NGHTTP2_CANCEL)
        finish(Object.assign(new Error('aborted'), { name: 'AbortError' }))
      }
      try {
        stream = session.request(headers, { endStream: request.body === undefined || request.body.length === 0 })
      } catch (error) {
        finish(new NetworkError(request.endpoint, { cause: error, notWritten: true }))
        return
      }
      control.onCancel = onAbort
      let status = 0
      let responseHeaders: Record<string, string> = {}
      let body: BodyCollector | undefined
      stream.on('response', (h) => {
        status = Number(h[':status'])
        responseHeaders = flattenHeaders(h)
      })
      stream.on('data', (chunk: Buffer) => {
        body ??= new BodyCollector()
        body.add(chunk)
      })
      stream.on('end', () => {
        // The stream can end without a response when the session goes away under it.
        if (status === 0) return finish(streamFailure(request, stream, live, 'stream ended without a response'))
        finish(undefined, {
          status,
          headers: responseHeaders,
          body: body === undefined ? '' : body.text(),
          protocol: 'h2',
        })
      })
      stream.on('error', (error) => {
        // Refused or above a GOAWAY's last-stream-id: the server did not process it, a retry is safe.
        finish(new NetworkError(request.endpoint, { cause: error, notWritten: unprocessed(stream, live) }))
      })
      stream.on('close', () => {
        if (!settled) finish(streamFailure(request, stream, live, 'stream closed'))
      })
      if (request.body !== undefined && request.body.length > 0) stream.end(request.body)
    })
  }

  /**
   * Closes the session and refuses to open another: gracefully (streams in flight finish), destroyed
   * after a short grace. Returns what settles when it is closed, or undefined when there was none.
   */
  close(): Promise<void> | undefined {
    this.#closed = true
    const live = this.#current
    this.#current = undefined
    if (live === undefined) return undefined
    const { session, socket } = live
    if (session.closed || session.destroyed) return undefined
    // An idle session is unref'd, and a graceful close waits for the peer to close its side: held
    // until then (the grace at most), so that a process with nothing else to do does not exit
    // with the close unsettled. Past the grace the connection is destroyed too: a session closed
    // gracefully and then destroyed would leave it open for as long as the peer keeps it.
    session.ref()
    return closeWithin(new Promise<void>((resolve) => session.close(resolve)), CLOSE_GRACE_MS, () => {
      session.destroy()
      socket.destroy()
    })
  }
}
