/** The public shapes of @wp/transport. */

/** A prepared push request: encrypted body and all headers already set. */
export interface PushRequest {
  /** The subscription endpoint (an `https:` URL; `http:` only with `allowPrivateNetwork`). */
  endpoint: string
  /** Request headers (TTL, Content-Encoding, Authorization, ...). */
  headers: Record<string, string>
  /** The encrypted body; absent for a push without payload. */
  body?: Uint8Array
}

/**
 * What a push service's answer means for the sender:
 * - `created`: 2xx, the message was accepted.
 * - `gone`: 404 or 410, the subscription no longer exists: delete it.
 * - `too-large`: 413, the body is too large for this service.
 * - `rate-limited`: 429 (and WNS's 406): slow down, see `retryAfterMs`.
 * - `unauthorized`: 401 or 403: VAPID or key mismatch. Never a reason to delete the subscription.
 * - `bad-request`: 400 and any other 4xx: the request is malformed.
 * - `server-error`: 5xx.
 */
export type PushOutcome =
  | 'created'
  | 'gone'
  | 'too-large'
  | 'rate-limited'
  | 'unauthorized'
  | 'bad-request'
  | 'server-error'

/** A push service's answer. */
export interface PushResponse {
  status: number
  /** Response headers, names in lowercase. */
  headers: Record<string, string>
  /** The response body as text (push services answer with short JSON or text). */
  body: string
  outcome: PushOutcome
  /** How long the service asked us to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number
  /** The message's URL from `Location` (RFC 8030 §5), on 201. */
  location?: string
  /** The service's reason for a failure, from Mozilla's JSON, Apple's `{ reason }`, FCM's text or WNS's headers. */
  reason?: string
  /** The HTTP version the answer came over; absent over `fetch`, which does not say. */
  protocol?: 'http/1.1' | 'h2'
  /** How many attempts this took (1 when there was no retry). */
  attempts?: number
}

/** Retry policy: only where the service says the message was not taken, or the request was never written. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number
  /** Longest wait before a retry, in ms (default 60000). A `Retry-After` longer than this is not waited for. */
  maxDelayMs?: number
  /** First backoff delay, in ms, doubled each retry with full jitter (default 500). */
  baseDelayMs?: number
}

/** Options of `createTransport`. */
export interface TransportOptions {
  /**
   * Limit on each attempt, from connecting to the end of the response body, in ms (default 30000).
   * Also the deadline of each connect (DNS, proxy tunnel, TCP, TLS, HTTP/2 SETTINGS).
   */
  timeoutMs?: number
  /** The retry policy, or `false` for none. */
  retry?: RetryOptions | false
  /** `'auto'` (ALPN decides, the default), `true` (HTTP/2 only) or `false` (HTTP/1.1 only). Node only. */
  http2?: 'auto' | boolean
  /** Most HTTP/1.1 connections open to one origin (default 64). HTTP/2 uses one session per origin. */
  maxConnectionsPerOrigin?: number
  /**
   * An HTTP CONNECT proxy URL (`http://user:pass@proxy:3128`, credentials percent-encoded). Checked
   * by `createTransport`. Node only.
   */
  proxy?: string
  /** A `fetch` to send with (for runtimes without Node's networking, or to wrap requests). */
  fetch?: typeof globalThis.fetch
  /**
   * Allow endpoints on loopback, private, link-local and unspecified addresses, and `http:` endpoints
   * (default false): `true` for any, or a list of origins (`['http://127.0.0.1:8090']`) that alone
   * may be; every other endpoint stays guarded.
   */
  allowPrivateNetwork?: boolean | readonly string[]
  /** Extra CA certificates (PEM) to trust, e.g. a local test service's self-signed one. Node only. */
  ca?: string | string[]
  /**
   * The resolver, with the signature of `dns.lookup` called with `{ all: true }` (default:
   * `dns.lookup`). The private-network guard judges the addresses it returns. Node only.
   */
  lookup?: (
    hostname: string,
    options: { all: true },
    callback: (error: Error | null, addresses: { address: string; family: number }[]) => void,
  ) => void
  /** The `User-Agent` header sent when the request has none. */
  userAgent?: string
  /**
   * How long an origin with no request in flight keeps its connections and state, in ms (default
   * 60000). After that its HTTP/1.1 connections and HTTP/2 session are closed and it is forgotten.
   * Node only.
   */
  originIdleMs?: number
  /**
   * Most origins kept while idle (default 256): past this, the least recently used idle origin is
   * released at once. Origins with requests in flight do not count. Node only.
   */
  maxIdleOrigins?: number
}

/** Options of one `send`. */
export interface SendOptions {
  signal?: AbortSignal
}

/** Delivers prepared push requests; reuse one for many requests, `close()` it at the end. */
export interface Transport {
  /**
   * Sends the request, retrying where that is safe; resolves on 2xx. Rejects with a
   * `PushServiceError` for any other answer (`ERR_WP_PUSH_SERVICE`, `ERR_WP_SUBSCRIPTION_GONE`), a
   * `NetworkError` (`ERR_WP_NETWORK`), or a `WebPushError` with `ERR_WP_TIMEOUT`, `ERR_WP_ABORTED`,
   * `ERR_WP_CLOSED`, `ERR_WP_ENDPOINT_FORBIDDEN` or `ERR_WP_INVALID_ARGUMENT` (the request is checked
   * before any I/O). Never throws synchronously.
   */
  send(request: PushRequest, options?: SendOptions): Promise<PushResponse>
  /**
   * Stops taking requests and retrying (a send waiting to retry rejects with its last answer or
   * error), lets the attempts in flight finish, then closes every connection.
   */
  close(): Promise<void>
}
