import { WebPushError as EceError } from '@wp/ece'
import { PushServiceError as TransportPushServiceError } from '@wp/transport'
import { importVapidKey } from '@wp/vapid'
import { describe, expect, it } from 'vitest'
import { generateVapidKeys, PushServiceError, WebPushError } from '../src/index.js'

describe('@wp/webpush re-exports', () => {
  it('the error classes of the lower packages, the same classes', () => {
    expect(WebPushError).toBe(EceError)
    expect(PushServiceError).toBe(TransportPushServiceError)
  })

  it('generateVapidKeys makes a key pair that @wp/vapid imports', async () => {
    const keys = await generateVapidKeys()
    const key = await importVapidKey(keys.privateKey)
    expect(key.applicationServerKey).toBe(keys.publicKey)
  })
})
