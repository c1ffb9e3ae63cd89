#!/usr/bin/env node
/**
 * `wp-push-service [--port N] [--host H] [--tls] [--lenient] [--json]`: runs the local push service until
 * interrupted, and prints its URLs and the Firefox preferences that make a Firefox use it.
 */
import { parseArgs } from 'node:util'
import { startPushService } from './service.js'

const USAGE = `Usage: wp-push-service [--port N] [--host H] [--tls] [--lenient] [--json]

  --port N     port to listen on (default 8090; 0 picks a free one)
  --host H     interface to listen on (default 127.0.0.1)
  --tls        serve https:// and wss:// with a self-signed certificate made at start
  --lenient    accept requests without TTL or VAPID (production services refuse them)
  --json       print the URLs and preferences (and the certificate with --tls) as one JSON line
`

async function main(): Promise<void> {
  let values: ReturnType<typeof parse>
  try {
    values = parse()
  } catch (error) {
    process.stderr.write(`wp-push-service: ${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  // Digits only: Number() would also take '', ' 80', '0x50' and '1e3'.
  const port = values.port === undefined ? 8090 : /^\d{1,5}$/.test(values.port) ? Number(values.port) : Number.NaN
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('wp-push-service: --port must be a port number\n')
    process.exitCode = 2
    return
  }
  const service = await startPushService({
    host: values.host ?? '127.0.0.1',
    port,
    tls: values.tls === true,
    strict: values.lenient !== true,
  })
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        url: service.url,
        endpointBase: `${service.url}/push/`,
        webSocketUrl: service.webSocketUrl,
        firefoxPrefs: service.firefoxPrefs,
        // With --tls, the only way a sender reading this line can trust the service.
        ...(service.certificate === undefined ? {} : { certificate: service.certificate }),
      })}\n`,
    )
  } else {
    const prefs = Object.entries(service.firefoxPrefs)
      .map(([name, value]) => `  user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`)
      .join('\n')
    process.stdout.write(
      `@wp/push-service listening\n\n` +
        `  endpoints:  ${service.url}/push/<id>\n` +
        `  WebSocket:  ${service.webSocketUrl}\n\n` +
        `Firefox preferences (about:config, or user.js in the profile):\n${prefs}\n` +
        (service.certificate === undefined
          ? ''
          : `\nTLS certificate (trust it in the sender, e.g. NODE_EXTRA_CA_CERTS):\n${service.certificate}`) +
        `\nCtrl-C to stop.\n`,
    )
  }
  const stop = () => {
    service.close().then(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      tls: { type: 'boolean' },
      lenient: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values
}

await main()
