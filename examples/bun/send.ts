// Sends one Web Push message from Bun with @wp/webpush's webpush(), and prints the push service's status.
//
//   VAPID_PRIVATE_KEY_FILE=private_key.pem VAPID_SUBJECT=mailto:you@example.com \
//     bun run send.ts '<subscription JSON>' 'Hello'
//
// The subscription is the browser's PushSubscription.toJSON(); without a text argument the text is
// read from stdin. Environment:
//   VAPID_PRIVATE_KEY       the VAPID private key (PEM or base64url), or
//   VAPID_PRIVATE_KEY_FILE  a file holding it
//   VAPID_SUBJECT           the `sub` claim: a mailto: or https: contact (RFC 8292 §2.1)
//   ALLOW_PRIVATE_NETWORK   local testing only: comma-separated origins of a local push service
//                           (`http://127.0.0.1:8090`), which are otherwise refused
// Under the `bun` export condition @wp/transport sends with fetch(): no transport option.
import { PushServiceError, WebPushError, webpush } from '@wp/webpush'

const [subscriptionJson, textArgument] = Bun.argv.slice(2)
if (!subscriptionJson) {
  console.error("usage: send.ts '<subscription JSON>' [text, or stdin]")
  process.exit(2)
}
const { VAPID_PRIVATE_KEY, VAPID_PRIVATE_KEY_FILE, VAPID_SUBJECT, ALLOW_PRIVATE_NETWORK } = process.env
const privateKey = VAPID_PRIVATE_KEY_FILE ? await Bun.file(VAPID_PRIVATE_KEY_FILE).text() : VAPID_PRIVATE_KEY
if (!privateKey || !VAPID_SUBJECT) {
  console.error('set VAPID_PRIVATE_KEY (or VAPID_PRIVATE_KEY_FILE) and VAPID_SUBJECT')
  process.exit(2)
}
const text = textArgument ?? (await Bun.stdin.text())

try {
  const response = await webpush(JSON.parse(subscriptionJson), text, {
    vapidPrivateKey: privateKey,
    vapidClaims: { sub: VAPID_SUBJECT },
    ttl: 3600,
    ...(ALLOW_PRIVATE_NETWORK ? { allowPrivateNetwork: ALLOW_PRIVATE_NETWORK.split(',') } : {}),
  })
  console.log(`status ${response.status}`)
} catch (error) {
  if (!(error instanceof WebPushError)) throw error
  // A push service's refusal carries its status (410: the subscription is gone, delete it).
  console.error(error instanceof PushServiceError ? `status ${error.statusCode} (${error.outcome})` : error.message)
  process.exit(1)
}
