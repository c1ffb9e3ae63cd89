import { expect, it } from 'vitest'
import webpush from 'web-push'
import { startPushService } from '../src/index.js'

it('web-push delivers to a test subscriber in both encodings', async () => {
  const service = await startPushService()
  const vapid = webpush.generateVAPIDKeys()
  const sub = await service.subscribe({ applicationServerKey: vapid.publicKey })
  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    const details = webpush.generateRequestDetails(sub.subscription, `hello ${contentEncoding}`, {
      vapidDetails: { subject: 'mailto:test@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      contentEncoding,
      TTL: 60,
    })
    const res = await fetch(details.endpoint, {
      method: 'POST',
      headers: details.headers as Record<string, string>,
      body: details.body,
    })
    expect(res.status).toBe(201)
    const got = await sub.next()
    expect(got.text).toBe(`hello ${contentEncoding}`)
    expect(got.claims?.sub).toBe('mailto:test@example.com')
  }
  await service.close()
})
