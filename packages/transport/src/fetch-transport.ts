/**
 * The transport over `fetch`: for runtimes without Node's networking (Deno Deploy, Cloudflare
 * Workers, browsers' service workers) or to wrap requests. The runtime's `fetch` manages
 * connections; the private-network guard judges the host as written (IP literals and names such as
 * `localhost`), since `fetch` does not say which address it connected to.
 */
import { WebPushError } from '@wp/ece'
import { networkError } from './errors.js'
import { type AttemptControl, type RawResponse, sendWithRetries, toPolicy } from './internal/send.js'
import { type CheckedRequest, checkRequest } from './request.js'
import type { PushRequest, PushResponse, SendOptions, Transport, TransportOptions } from './types.js'

const MAX_RESPONSE_BODY = 64 * 1024

export function createFetchTransport(options: TransportOptions = {}): Transport {
  const policy = toPolicy(options.timeoutMs, options.retry)
  const fetchImpl = options.fetch ?? globalThis.fetch
  if (typeof fetchImpl !== 'function')
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', 'no fetch in this runtime: pass options.fetch')
  const allowPrivateNetwork = options.allowPrivateNetwork === true
  const inflight = new Set<Promise<unknown>>()
  let closed = false

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
      throw networkError(request.endpoint, error, false)
    }
    const responseHeaders: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      responseHeaders[name.toLowerCase()] = value
    })
    let body = ''
    if (response.body) {
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      let size = 0
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          size += value.length
          if (size > MAX_RESPONSE_BODY) {
            await reader.cancel()
            break
          }
          body += decoder.decode(value, { stream: true })
        }
      } catch (error) {
        if (signal.aborted) throw error
        // The connection broke while the answer came in: the request was written.
        throw networkError(request.endpoint, error, false)
      }
      body += decoder.decode()
    }
    return { status: response.status, headers: responseHeaders, body, protocol: 'http/1.1' }
  }

  return {
    send(request: PushRequest, sendOptions?: SendOptions): Promise<PushResponse> {
      if (closed) return Promise.reject(new WebPushError('ERR_WP_CLOSED', 'the transport is closed'))
      let checked: CheckedRequest
      try {
        checked = checkRequest(request, allowPrivateNetwork)
      } catch (error) {
        return Promise.reject(error)
      }
      const promise = sendWithRetries(attempt, checked, policy, sendOptions?.signal)
      inflight.add(promise)
      const done = () => inflight.delete(promise)
      promise.then(done, done)
      return promise
    },
    async close(): Promise<void> {
      closed = true
      while (inflight.size > 0) await Promise.allSettled([...inflight])
    },
  }
}
