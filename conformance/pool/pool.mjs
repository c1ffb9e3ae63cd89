// Sends `count` messages with `createPushClient({ workers })` to a local sink, in whichever runtime
// runs it, and prints one line: `POOL {json}` with how many were accepted and where they were
// encrypted (on worker threads or on the calling thread), or the error creating the client threw.
//   <runtime> pool.mjs <sink port> <workers: a number or auto> <count>
// It reads the client's pool through the package's internal createClientCore (dist/client.js), which
// the public API does not expose.
import { generateSubscriptionKeys } from '@wp/ece'
import { createClientCore } from '../../packages/webpush/dist/client.js'

const [port, workersArg, countArg] = globalThis.Deno?.args ?? process.argv.slice(2)
const workers = workersArg === 'auto' ? 'auto' : Number(workersArg)
const count = Number(countArg)
const keys = await generateSubscriptionKeys()
const subscriptions = Array.from({ length: count }, (_, i) => ({
  endpoint: `http://127.0.0.1:${port}/push/${i}`,
  keys: { p256dh: keys.publicKey, auth: keys.auth },
}))

let made
try {
  made = createClientCore({ workers, allowPrivateNetwork: [`http://127.0.0.1:${port}`] })
} catch (error) {
  console.log(`POOL ${JSON.stringify({ error: { code: error.code, message: error.message } })}`)
  throw error
}
const { client, core } = made
let accepted = 0
for await (const result of client.sendMany(subscriptions, 'pooled', { ttl: 60 })) if (result.ok) accepted++
const size = core.pool?.size ?? 0
const counts = core.pool ? { ...core.pool.counts } : { workers: 0, here: count }
await client.close()
console.log(`POOL ${JSON.stringify({ accepted, size, counts })}`)
