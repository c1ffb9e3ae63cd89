import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createSecureServer } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { expect, it } from 'vitest'
import { createTransport, toCurl } from '../src/index.node.js'

const key = readFileSync('/tmp/tt/key.pem'); const cert = readFileSync('/tmp/tt/cert.pem')
it('smoke', async () => {
  let conns = 0
  const h = (req: any, res: any) => { const chunks: Buffer[] = []; req.on('data', (c: Buffer) => chunks.push(c)); req.on('end', () => { res.writeHead(201, { location: '/m/1' }); res.end() }) }
  const s1 = createServer(h); s1.on('connection', () => conns++); await new Promise<void>(r => s1.listen(0, '127.0.0.1', r))
  const s2 = createHttpsServer({ key, cert }, h); await new Promise<void>(r => s2.listen(0, '127.0.0.1', r))
  const s3 = createSecureServer({ key, cert, allowHTTP1: true }, h); let c3 = 0; s3.on('secureConnection', () => c3++); await new Promise<void>(r => s3.listen(0, '127.0.0.1', r))
  const t = createTransport({ allowPrivateNetwork: true, ca: cert.toString() })
  const body = new Uint8Array(3000).fill(7)
  for (const [s, proto] of [[s1, 'http'], [s2, 'https'], [s3, 'https']] as const) {
    const port = (s.address() as any).port
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => t.send({ endpoint: `${proto}://127.0.0.1:${port}/push/${i}`, headers: { TTL: '60' }, body })))
    console.log(proto, port, rs[0]!.status, rs[0]!.protocol, rs[0]!.location)
  }
  console.log('h1 conns', conns, 'h2 conns', c3)
  const t2 = createTransport()
  await expect(t2.send({ endpoint: `https://127.0.0.1:1/x`, headers: {} })).rejects.toMatchObject({ code: 'ERR_WP_ENDPOINT_FORBIDDEN' })
  await expect(t2.send({ endpoint: `https://localhost:1/x`, headers: {} })).rejects.toMatchObject({ code: 'ERR_WP_ENDPOINT_FORBIDDEN' })
  console.log(toCurl({ endpoint: 'https://x.example/a', headers: { TTL: '1' }, body: Uint8Array.of(0, 37, 39, 92, 65) }))
  await t.close(); s1.close(); s2.close(); s3.close()
})
