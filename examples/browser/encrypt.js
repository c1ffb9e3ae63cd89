// Encrypts a message for a push subscription in the page with @wp/ece (RFC 8291, WebCrypto), shows
// the body's length and the headers a push service needs, then decrypts it back with the receiver
// keys the page generated (the keys a browser's PushSubscription holds) and shows the text.
// Bundle it for the browser, e.g. `esbuild encrypt.js --bundle --format=esm --outfile=encrypt.bundle.js`.
import { decryptWebPush, encryptWebPush, generateSubscriptionKeys } from '@wp/ece'

const $ = (id) => document.getElementById(id)

async function roundTrip(event) {
  event?.preventDefault()
  // A receiver: its public key and auth secret are what `subscription.keys` holds (p256dh, auth).
  const receiver = await generateSubscriptionKeys()
  const message = $('message').value
  const encoding = $('encoding').value
  const pushed = await encryptWebPush(message, { p256dh: receiver.publicKey, auth: receiver.auth }, { encoding })
  $('length').textContent = `${pushed.body.byteLength} bytes (${pushed.encoding})`
  // What a sender puts on the request besides VAPID's: aesgcm also needs Encryption and Crypto-Key.
  const headers = { 'Content-Encoding': pushed.encoding, ...pushed.headers }
  $('headers').textContent = JSON.stringify(headers, null, 2)
  const plaintext = await decryptWebPush(pushed.body, receiver, { encoding: pushed.encoding, headers: pushed.headers })
  $('decrypted').textContent = new TextDecoder().decode(plaintext)
}

$('form').addEventListener('submit', (event) => {
  roundTrip(event).catch((error) => {
    $('decrypted').textContent = ''
    console.error(error)
  })
})
roundTrip().catch((error) => console.error(error))
