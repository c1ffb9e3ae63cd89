// Sends one Web Push message from Deno with @wp/webpush's webpush(), and prints the push service's status.
//
//   VAPID_PRIVATE_KEY_FILE=private_key.pem VAPID_SUBJECT=mailto:you@example.com \
//   deno run --allow-net --allow-read=private_key.pem \
//     --allow-env=VAPID_PRIVATE_KEY,VAPID_PRIVATE_KEY_FILE,VAPID_SUBJECT,ALLOW_PRIVATE_NETWORK \
//     send.ts '<subscription JSON>' 'Hello'
//
// The subscription is the browser's PushSubscription.toJSON(); without a text argument the text is
// read from stdin. Environment:
//   VAPID_PRIVATE_KEY       the VAPID private key (PEM or base64url), or
//   VAPID_PRIVATE_KEY_FILE  a file holding it (needs --allow-read for that file)
//   VAPID_SUBJECT           the `sub` claim: a mailto: or https: contact (RFC 8292 §2.1)
//   ALLOW_PRIVATE_NETWORK   local testing only: comma-separated origins of a local push service
//                           (`http://127.0.0.1:8090`), which are otherwise refused
// Under the `deno` export condition @wp/transport sends with fetch(): no transport option.
import { PushServiceError, WebPushError, webpush } from '@wp/webpush'

const [subscriptionJson, textArgument] = Deno.args
if (!subscriptionJson) {
  console.error("usage: send.ts '<subscription JSON>' [text, or stdin]")
  Deno.exit(2)
}
// Only the variables --allow-env lists can be read.
const env = (name: string) => Deno.env.get(name)
const keyFile = env('VAPID_PRIVATE_KEY_FILE')
const privateKey = keyFile ? await Deno.readTextFile(keyFile) : env('VAPID_PRIVATE_KEY')
const subject = env('VAPID_SUBJECT')
if (!privateKey || !subject) {
  console.error('set VAPID_PRIVATE_KEY (or VAPID_PRIVATE_KEY_FILE) and VAPID_SUBJECT')
  Deno.exit(2)
}
const text = textArgument ?? (await new Response(Deno.stdin.readable).text())
const allowed = env('ALLOW_PRIVATE_NETWORK')

try {
  const response = await webpush(JSON.parse(subscriptionJson), text, {
    vapidPrivateKey: privateKey,
    vapidClaims: { sub: subject },
    ttl: 3600,
    ...(allowed ? { allowPrivateNetwork: allowed.split(',') } : {}),
  })
  console.log(`status ${response.status}`)
} catch (error) {
  if (!(error instanceof WebPushError)) throw error
  // A push service's refusal carries its status (410: the subscription is gone, delete it).
  console.error(error instanceof PushServiceError ? `status ${error.statusCode} (${error.outcome})` : error.message)
  Deno.exit(1)
}
