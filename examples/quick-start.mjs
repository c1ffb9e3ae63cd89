// Encrypts a push message for a freshly made subscription and decrypts it as the browser would,
// in both encodings. Run with `npm run demo` (it builds the packages first).
import { decryptWebPush, encryptWebPush, generateSubscriptionKeys, getBackend } from '@wp/ece'

const receiver = await generateSubscriptionKeys()
const subscription = { p256dh: receiver.publicKey, auth: receiver.auth }
for (const encoding of ['aes128gcm', 'aesgcm']) {
  const message = await encryptWebPush('Hello from @wp/ece', subscription, { encoding, padding: 'max' })
  const plaintext = await decryptWebPush(message.body, receiver, { encoding, headers: message.headers })
  console.log(
    `${encoding}: ${message.body.length}-byte body ${JSON.stringify(message.headers)} -> ` +
      `"${new TextDecoder().decode(plaintext)}" (backend: ${getBackend().name})`,
  )
}
