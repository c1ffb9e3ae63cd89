/** Server-sent events (HTML Living Standard §9.2): one `delivery` event per delivery, to every open stream. */
import { HttpError } from './http-error.js'

/** Options of {@link createEventHub}. */
export interface EventHubOptions {
  /** Streams open at once; one more is refused with 503 (default 32). */
  maxStreams?: number
  /** A comment line is sent this often so proxies and browsers keep the stream open (default 15000 ms). */
  keepAliveMs?: number
}

/** The open event streams. */
export interface EventHub {
  /** Opens a stream; its response is `text/event-stream`. @throws HttpError 503 past `maxStreams` or after `close()` */
  open(): Response
  /** Sends one event to every open stream. */
  publish(event: string, data: unknown): void
  /** The streams open. */
  readonly size: number
  /** Ends every stream and refuses new ones. */
  close(): void
}

const encoder = new TextEncoder()

/**
 * A stream writer that never buffers without bound: a client that stops reading gets its stream
 * closed once more than this much waits for it.
 */
const MAX_QUEUED_BYTES = 1024 * 1024

/** Makes the hub of event streams. */
export function createEventHub(options: EventHubOptions = {}): EventHub {
  const maxStreams = options.maxStreams ?? 32
  const keepAliveMs = options.keepAliveMs ?? 15_000
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>()
  let closed = false

  const drop = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    if (!streams.delete(controller)) return
    try {
      controller.close()
    } catch {}
  }
  const write = (controller: ReadableStreamDefaultController<Uint8Array>, text: string): void => {
    // desiredSize counts down from the high-water mark as bytes queue up unread.
    if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
      drop(controller)
      return
    }
    try {
      controller.enqueue(encoder.encode(text))
    } catch {
      streams.delete(controller)
    }
  }
  const timer = setInterval(() => {
    for (const controller of streams) write(controller, ': keep-alive\n\n')
  }, keepAliveMs)
  timer.unref()

  return {
    open() {
      if (closed) throw new HttpError(503, 'ERR_WP_SHUTTING_DOWN', 'the demo is shutting down')
      if (streams.size >= maxStreams)
        throw new HttpError(503, 'ERR_WP_TOO_MANY_STREAMS', `at most ${maxStreams} event streams may be open at once`)
      let own: ReadableStreamDefaultController<Uint8Array> | undefined
      const body = new ReadableStream<Uint8Array>(
        {
          start(controller) {
            own = controller
            streams.add(controller)
            // `retry` (§9.2.6): how long a browser waits before it reconnects.
            controller.enqueue(encoder.encode('retry: 2000\n: connected\n\n'))
          },
          cancel() {
            if (own !== undefined) streams.delete(own)
          },
        },
        { highWaterMark: 0, size: (chunk) => chunk.byteLength },
      )
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache',
          'X-Accel-Buffering': 'no',
        },
      })
    },
    publish(event, data) {
      if (streams.size === 0) return
      // JSON.stringify never yields a line break, so the data is one `data:` line.
      const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
      for (const controller of streams) write(controller, text)
    },
    get size() {
      return streams.size
    },
    close() {
      closed = true
      clearInterval(timer)
      for (const controller of [...streams]) drop(controller)
    },
  }
}
