/** Bounds on what anyone who can load the page can make the demo store. */
import { generateSubscriptionKeys } from '@wp/ece'
import { base64urlEncode } from '@wp/ece/utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { Demo } from '../src/index.js'
import { call, dump, startDemo, tempDir } from './helpers.js'

let demo: Demo | undefined
let dir: ReturnType<typeof tempDir> | undefined
afterEach(async () => {
  await demo?.close()
  dir?.remove()
  demo = undefined
})

describe('POST /api/subscriptions needs no token, so the number stored is bounded', () => {
  it('503 for a new endpoint past maxSubscriptions, the database unchanged; a known one still updates', async () => {
    dir = tempDir()
    demo = (await startDemo({ dataDir: dir.path, maxSubscriptions: 3 })).demo
    const receiver = await generateSubscriptionKeys()
    const keys = { p256dh: base64urlEncode(receiver.publicKey), auth: base64urlEncode(receiver.auth) }
    const endpoint = (i: number) => `https://updates.push.services.mozilla.com/wpush/v2/limit-${i}`
    for (let i = 0; i < 3; i++) {
      const answer = await call(demo, 'POST', '/api/subscriptions', {
        body: { endpoint: endpoint(i), keys },
        token: null,
      })
      expect(answer.status).toBe(201)
    }
    const before = dump(demo.db)
    const refused = await call(demo, 'POST', '/api/subscriptions', {
      body: { endpoint: endpoint(3), keys },
      token: null,
    })
    expect(refused.status).toBe(503)
    expect(refused.json).toEqual({
      error: { code: 'ERR_WP_TOO_MANY_SUBSCRIPTIONS', message: expect.stringContaining('at most 3') },
    })
    expect(dump(demo.db)).toBe(before)
    // an endpoint already stored is not a new one: posting it again still answers with its id
    const again = await call(demo, 'POST', '/api/subscriptions', { body: { endpoint: endpoint(1), keys }, token: null })
    expect(again.status).toBe(200)
    // room again once one is removed
    await call(demo, 'DELETE', '/api/subscriptions', { body: { endpoint: endpoint(0) }, token: null })
    const after = await call(demo, 'POST', '/api/subscriptions', { body: { endpoint: endpoint(3), keys }, token: null })
    expect(after.status).toBe(201)
  })
})
