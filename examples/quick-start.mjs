// End to end on this machine: a local push service, a subscriber, and a message encrypted with
// @wp/ece, signed with @wp/vapid and delivered with @wp/transport, in both encodings.
// Run with `npm run example` (it builds the packages first).
import { encryptWebPush } from '@wp/ece'
import { startPushService } from '@wp/push-service'
import { createTransport } from '@wp/transport'
import { generateVapidKeys, importVapidKey, VapidSigner } from '@wp/vapid'

const service = await startPushService()
console.log(`local push service at ${service.url} (Firefox: ${service.webSocketUrl})`)

const vapid = await importVapidKey((await generateVapidKeys()).privateKey)
const signer = new VapidSigner({ key: vapid, subject: 'mailto:demo@example.com' })
const subscriber = await service.subscribe({ applicationServerKey: vapid.applicationServerKey })
const { endpoint, keys } = subscriber.subscription
const transport = createTransport({ allowPrivateNetwork: true }) // the service is on 127.0.0.1

for (const encoding of ['aes128gcm', 'aesgcm']) {
  const message = await encryptWebPush(JSON.stringify({ title: 'Hello', encoding }), keys, { encoding })
  const vapidHeaders = await signer.headers(endpoint, encoding)
  const headers = { TTL: '60', Urgency: 'normal', 'Content-Encoding': encoding, ...message.headers, ...vapidHeaders }
  if (message.headers['Crypto-Key'] && vapidHeaders['Crypto-Key'])
    headers['Crypto-Key'] = `${message.headers['Crypto-Key']};${vapidHeaders['Crypto-Key']}`
  const response = await transport.send({ endpoint, headers, body: message.body })
  const received = await subscriber.next()
  console.log(
    `${encoding}: ${response.status} ${response.outcome} over ${response.protocol}; the subscriber decrypted ` +
      `${received.text} (VAPID sub ${received.claims?.sub})`,
  )
}

await transport.close()
await service.close()
