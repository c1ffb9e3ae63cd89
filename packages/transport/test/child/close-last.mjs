// A sender's shutdown: one push, then `await transport.close()` as the script's last step, with
// nothing else keeping the process alive. Prints `sent <status>`, then `closed` once close() settles.
//   node --conditions=@wp/source --import ./test/child/register.mjs test/child/close-last.mjs <endpoint> <http2>
import { createTransport } from '../../src/index.node.ts'

const [endpoint, http2] = process.argv.slice(2)
const transport = createTransport({ allowPrivateNetwork: true, http2: http2 === 'true', timeoutMs: 5000, retry: false })
const response = await transport.send({ endpoint, headers: { TTL: '60' }, body: new Uint8Array(10) })
process.stdout.write(`sent ${response.status}\n`)
await transport.close()
process.stdout.write('closed\n')
