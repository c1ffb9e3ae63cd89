/**
 * The transport over `fetch`: for runtimes without Node's networking (Deno Deploy, Cloudflare
 * Workers, browsers' service workers) or to wrap requests. The runtime's `fetch` manages
 * connections; the private-network guard judges the host as written (IP literals and names such as
 * `localhost`), since `fetch` does not say which address it connected to.
 */
import { WebPushError } from '@wp/ece'
import { NetworkError } from './errors.js'
import { BodyCollector } from './internal/http.js'
import { InFlight } from './internal/inflight.js'
import { toPrivateNetworkPolicy } from './internal/private-network.js'
import { type AttemptControl, type RawResponse, toPolicy } from './internal/send.js'
import type { CheckedRequest } from './request.js'
import type { PushRequest, PushResponse, SendOptions, Transport, TransportOptions } from './types.js'

/**
 * A transport that sends through `options.fetch` (default: the runtime's `fetch`). `http2`, `proxy`,
 * `maxConnectionsPerOrigin`, `ca`, `lookup`, `originIdleMs` and `maxIdleOrigins` are left to that
 * `fetch`. A failure of `fetch` is never retried, since it does not say whether the request was
 * written; answers carry no `protocol`, since it does not say which HTTP version it spoke.
 * @throws WebPushError `ERR_WP_INVALID_ARGUMENT` for bad options, or when there is no `fetch`
 */
export function createFetchTransport(options: TransportOptions = {}): Transport {
  const policy = toPolicy(options.timeoutMs, options.retry)
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'no fetch in this runtime: pass options.fetch')

  const attempt = async (request: CheckedRequest, control: AttemptControl): Promise<RawResponse> => {
    const signal = control.signal
    // fetch sets Content-Length from the body and fails on a second one (checkRequest made sure it matches).
    const headers: Record<string, string> = {}
    for (const name in request.headers)
      if (name.toLowerCase() !== 'content-length') headers[name] = request.headers[name] as string
    let response: Response
    try {
      response = await fetchImpl(request.endpoint, {
        method: 'POST',
        headers,
        body: (request.body ?? null) as BodyInit | null,
        redirect: 'manual',
        signal,
      })
    } catch (error) {
      if (signal.aborted) throw error
      // fetch does not say whether the request was written: never retried.
      throw new NetworkError(request.endpoint, { cause: error })
    }
    const responseHeaders: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      responseHeaders[name.toLowerCase()] = value
    })
    const body = new BodyCollector()
    if (response.body) {
      const reader = response.body.getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          if (!body.add(value)) {
            await reader.cancel()
            break
          }
        }
      } catch (error) {
        if (signal.aborted) throw error
        // The connection broke while the answer came in: the request was written.
        throw new NetworkError(request.endpoint, { cause: error })
      }
    }
    // fetch does not say which HTTP version it spoke.
    return { status: response.status, headers: responseHeaders, body: body.text(), protocol: undefined }
  }

  const sends = new InFlight(attempt, policy, toPrivateNetworkPolicy(options.allowPrivateNetwork))
  return {
    send: (request: PushRequest, sendOptions?: SendOptions): Promise<PushResponse> => sends.send(request, sendOptions),
    close: (): Promise<void> => sends.close(),
  }
}
