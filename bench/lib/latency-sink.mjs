// A push service stand-in with a push service's latency, run in its own process: HTTP/1.1 keep-alive
// on 127.0.0.1, answering every POST with 201 after a delay drawn uniformly from [--min, --max] ms
// (default 20 to 50), once its body is read. Prints one JSON line { port } and serves until killed;
// answers the message 'count' with { served }.
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { min: { type: 'string', default: '20' }, max: { type: 'string', default: '50' } },
})
const min = Number(values.min)
const spread = Number(values.max) - min

let served = 0
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    setTimeout(
      () => {
        served++
        res.writeHead(201, { location: `/m/${served}`, ttl: '60' })
        res.end()
      },
      min + Math.random() * spread,
    )
  })
})
server.maxHeadersCount = 0
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`)
process.on('message', (m) => {
  if (m === 'count') process.send?.({ served })
})
