/**
 * Servers that misbehave on purpose: subscription endpoints are chosen by whoever subscribes, so the
 * transport must stay bounded against any of them. Connections that stall at every stage, HTTP/2
 * server push, GOAWAY, informational answers and malformed proxy settings.
 */
import { describe, expect, it } from 'vitest'
import { createTransport } from '../src/index.node.js'

describe('the proxy option is checked when the transport is made', () => {
  it.each([
    ['bad percent-encoding in the user', 'http://pu%zzsher:secret@127.0.0.1:3128'],
    ['bad percent-encoding in the password', 'http://pusher:s%E0%A4%A@127.0.0.1:3128'],
    ['a control character in the password', 'http://pusher:se%0D%0Acret@127.0.0.1:3128'],
    ['a colon in the user', 'http://pu%3Asher:secret@127.0.0.1:3128'],
    ['another scheme', 'socks5://pusher:secret@127.0.0.1:1080'],
    ['https', 'https://pusher:secret@127.0.0.1:3128'],
    ['no host', 'http://pusher:secret@:3128'],
    ['a path', 'http://pusher:secret@127.0.0.1:3128/secret/path'],
    ['a query', 'http://pusher:secret@127.0.0.1:3128/?secret'],
    ['not a URL', 'pusher:secret at the proxy'],
  ])('refuses %s with ERR_WP_INVALID_ARGUMENT, without echoing the credentials', (_, proxy) => {
    let thrown: unknown
    try {
      createTransport({ proxy })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toMatchObject({ code: 'ERR_WP_INVALID_ARGUMENT' })
    const message = (thrown as Error).message
    expect(message).toMatch(/proxy/)
    expect(message).not.toMatch(/secret|pusher|pu%|s%E0/)
    expect(JSON.stringify(thrown)).not.toMatch(/secret/)
  })

  it.each([
    'http://127.0.0.1:3128',
    'http://127.0.0.1:3128/',
    'http://pusher:p%40ss%3Aw%25rd@127.0.0.1:3128',
    'http://pusher@proxy.example',
  ])('accepts %s', (proxy) => {
    expect(() => createTransport({ proxy })).not.toThrow()
  })
})
