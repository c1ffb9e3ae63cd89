// `createTransport()` as a Bun or Deno program gets it, through the package's export conditions:
// one push to the given local endpoint, then `close()`. Prints `sent <status> <protocol>` and
// `closed`. Reads no environment variable, so Deno needs no more than `--allow-net`.
//   bun run test/child/default-transport.mjs <endpoint>
//   deno run --allow-net=127.0.0.1 test/child/default-transport.mjs <endpoint>
import { createTransport } from '@wp/transport'

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2)
const transport = createTransport({ allowPrivateNetwork: [new URL(args[0]).origin], timeoutMs: 5000, retry: false })
const response = await transport.send({ endpoint: args[0], headers: { TTL: '60' }, body: new Uint8Array(10) })
console.log(`sent ${response.status} ${response.protocol ?? 'fetch'}`)
await transport.close()
console.log('closed')
