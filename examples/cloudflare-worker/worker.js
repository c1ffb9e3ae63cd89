// A Cloudflare Worker that sends a Web Push message with @wp/webpush.
//
//   POST /  Authorization: Bearer <SEND_TOKEN>
//   { "subscription": <the browser's PushSubscription.toJSON()>, "payload": <any JSON value> }
//
// answers `{ "status": 201 }` when the push service accepted the message, `{ "gone": true }` (410)
// when the subscription no longer exists (delete it), and `{ "code": "ERR_WP_..." }` otherwise.
// Keys and settings come from the Worker's bindings (see wrangler.toml):
//   VAPID_PRIVATE_KEY      the VAPID private key (a secret: `wrangler secret put VAPID_PRIVATE_KEY`)
//   VAPID_SUBJECT          the `sub` claim: a mailto: or https: contact (RFC 8292 §2.1)
//   SEND_TOKEN             the bearer token a caller must present (a secret)
//   ALLOW_PRIVATE_NETWORK  optional, for local testing only: comma-separated origins of a local push
//                          service (`http://127.0.0.1:8090`), which are otherwise refused
// No transport option: under the `workerd` export condition @wp/transport sends with the Worker's
// fetch(), and @wp/ece encrypts with WebCrypto. No `nodejs_compat` flag is needed.
import { PushServiceError, WebPushError, webpush } from '@wp/webpush'

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** Compares two strings in time independent of where they differ (both hashed first). */
async function sameSecret(a, b) {
  const digest = async (text) => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  const [x, y] = await Promise.all([digest(a), digest(b)])
  return crypto.subtle.timingSafeEqual(x, y)
}

export default {
  async fetch(request, env) {
    if (request.method !== 'POST') return json({ error: 'POST { subscription, payload }' }, 405)
    const token = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '')
    if (!env.SEND_TOKEN || !(await sameSecret(token, env.SEND_TOKEN))) return json({ error: 'unauthorized' }, 401)
    let subscription
    let payload
    try {
      ;({ subscription, payload } = await request.json())
    } catch {
      return json({ error: 'the body must be JSON: { subscription, payload }' }, 400)
    }
    try {
      const response = await webpush(subscription, payload, {
        vapidPrivateKey: env.VAPID_PRIVATE_KEY,
        vapidClaims: { sub: env.VAPID_SUBJECT },
        ttl: 3600,
        ...(env.ALLOW_PRIVATE_NETWORK ? { allowPrivateNetwork: env.ALLOW_PRIVATE_NETWORK.split(',') } : {}),
      })
      return json({ status: response.status })
    } catch (error) {
      if (error instanceof PushServiceError && error.outcome === 'gone') return json({ gone: true }, 410)
      if (error instanceof WebPushError) return json({ code: error.code, message: error.message }, 502)
      throw error
    }
  },
}
