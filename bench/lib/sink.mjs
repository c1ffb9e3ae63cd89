// A push-service stand-in for the transport bench, run in its own process: HTTPS with HTTP/1.1
// keep-alive and HTTP/2 (TLS, ALPN) on 127.0.0.1, answering every POST with 201 once its body is read.
// Prints one JSON line { h1, h2, cert } and serves until killed.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createSecureServer } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selfSignedCertificate } from '@wp/push-service'

const { cert, key } = selfSignedCertificate()
const dir = mkdtempSync(join(tmpdir(), 'wp-bench-'))
const certFile = join(dir, 'cert.pem')
writeFileSync(certFile, cert)

let served = 0
const answer = (req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    served++
    res.writeHead(201, { location: `/m/${served}`, ttl: '60' })
    res.end()
  })
}
const h1 = createHttpsServer({ cert, key, keepAliveTimeout: 60_000 }, answer)
h1.maxHeadersCount = 0
const h2 = createSecureServer({ cert, key, settings: { maxConcurrentStreams: 1000 } }, answer)
await Promise.all([new Promise((r) => h1.listen(0, '127.0.0.1', r)), new Promise((r) => h2.listen(0, '127.0.0.1', r))])
process.stdout.write(`${JSON.stringify({ h1: h1.address().port, h2: h2.address().port, cert: certFile })}\n`)
process.on('message', (m) => {
  if (m === 'count') process.send?.({ served })
})
