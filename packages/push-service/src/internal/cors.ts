/**
 * CORS on the push endpoint (the Fetch standard's CORS protocol), as the real push services answer
 * it: a page may send pushes. No credentials are involved (VAPID travels in `Authorization`, set by
 * the page itself), so any origin is allowed.
 */
import type { ServerResponse } from 'node:http'

/**
 * The request headers a Web Push request carries beside the CORS-safelisted ones: RFC 8030 §5.2-5.4
 * (TTL, Urgency, Topic), RFC 8291 §4 and the older aesgcm (Content-Encoding, Encryption,
 * Crypto-Key), RFC 8292 §3 (Authorization) and a Content-Type other than the safelisted ones.
 * Listed by name: `*` would not cover Authorization (Fetch §3.2.3).
 */
const ALLOWED_HEADERS = 'TTL, Urgency, Topic, Content-Encoding, Encryption, Crypto-Key, Authorization, Content-Type'
/** What a page may read of an answer beside the safelisted headers: the message (RFC 8030 §5), the TTL kept (§5.2), when to retry (RFC 9110 §10.2.3). */
const EXPOSED_HEADERS = 'Location, TTL, Retry-After'
/** How long a browser may keep a preflight's answer, in seconds (browsers cap it: Chromium at 2 h). */
const MAX_AGE_SECONDS = 86_400

/** Sets the headers that let any origin read the answer to come (a refusal included). */
export function allowCrossOrigin(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS)
}

/** Answers a preflight `OPTIONS` of the push endpoint: POST with the Web Push request headers, from any origin. */
export function answerPreflight(res: ServerResponse): void {
  res.writeHead(204, {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(MAX_AGE_SECONDS),
  })
  res.end()
}
