/**
 * RFC 9112 §3.2: the request target, as a raw client sends it. Whatever the method and whatever the
 * target, a malformed one is a client error (400 or 404 in autopush's JSON shape), never a 500.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PushService, startPushService } from '../src/index.js'

let service: PushService

beforeAll(async () => {
  service = await startPushService()
})
afterAll(() => service.close())

/** Sends one raw request and resolves with the status code and body of the answer. */
function rawRequest(method: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1')
    let data = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (data += chunk))
    socket.on('error', reject)
    const timer = setTimeout(() => socket.destroy(new Error(`no answer to ${method} ${target} within 5 s`)), 5000)
    socket.on('close', () => {
      clearTimeout(timer)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)
      const split = data.indexOf('\r\n\r\n')
      let body = data.slice(split + 4)
      // The answer to `Connection: close` without a length comes chunked: one chunk, then the last.
      if (/^transfer-encoding: chunked$/im.test(data.slice(0, split)))
        body = body.slice(body.indexOf('\r\n') + 2, body.lastIndexOf('\r\n0\r\n'))
      resolve({ status, body })
    })
    socket.end(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  })
}

const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'OPTIONS', 'HEAD']
const TARGETS = [
  '//[',
  '//[::1',
  '//',
  '//a:b@:x/',
  '//%',
  '//host:99999/',
  '//push/abc',
  'http://[',
  'http://',
  'http://a b/',
  'https://%zz/',
  '*',
  'push/abc',
  '127.0.0.1:80',
  '/push/abc/../..',
  '/%',
]

describe('a malformed or unknown request target', () => {
  for (const method of METHODS) {
    it(`${method}: 400 or 404, never 500`, async () => {
      for (const target of TARGETS) {
        const { status, body } = await rawRequest(method, target)
        expect([400, 404, 405], `${method} ${target}`).toContain(status)
        // Node's own parser refuses some targets before the service sees them, with an empty 400.
        if (method !== 'HEAD' && body !== '')
          expect(JSON.parse(body), `${method} ${target}`).toMatchObject({ code: status })
      }
    })
  }

  it('still routes an origin-form and a well-formed absolute-form target', async () => {
    expect((await rawRequest('GET', '/')).status).toBe(200)
    expect((await rawRequest('GET', '/?x=1')).status).toBe(200)
    expect((await rawRequest('GET', `${service.url}/`)).status).toBe(200)
    expect((await rawRequest('POST', '/push/nosuchsubscription')).status).toBe(404)
  })
})
