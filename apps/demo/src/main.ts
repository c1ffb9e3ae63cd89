#!/usr/bin/env node
/**
 * The demo's command (`npm start` in apps/demo): reads the settings from the environment, starts the
 * demo, prints the URL to open (with the admin token) and how to open a Firefox that uses the local
 * push service, and stops within seconds on SIGTERM or SIGINT.
 */
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from './config.js'
import { createDemo } from './demo.js'

/** Stop waiting for a clean close after this long and exit anyway. */
const CLOSE_DEADLINE_MS = 4000

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    process.stderr.write(`demo: ${(error as Error).message}\n`)
    process.exitCode = 2
    return
  }
  const demo = await createDemo(config)
  // Before anything is printed: whoever reads the URL may signal at once.
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`demo: ${signal}, stopping\n`)
    const deadline = setTimeout(() => {
      process.stderr.write('demo: did not stop in time, exiting\n')
      process.exit(1)
    }, CLOSE_DEADLINE_MS)
    deadline.unref()
    demo.close().then(
      () => {
        clearTimeout(deadline)
        process.exitCode = 0
      },
      (error: unknown) => {
        process.stderr.write(`demo: error while stopping: ${(error as Error).message}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  const firefoxScript = relative(process.cwd(), fileURLToPath(new URL('./firefox.js', import.meta.url)))
  const lines = [
    `@wp/demo listening on ${demo.url} (push service: ${demo.config.pushService})`,
    '',
    `  Open: ${demo.adminUrl}`,
  ]
  if (demo.localPushService !== undefined)
    lines.push(
      `  Local push service: ${demo.localPushService.url} (Firefox connects to ${demo.localPushService.webSocketUrl})`,
      '',
      '  A Firefox that uses the local push service (fresh profile, the demo opened in it):',
      `    node ${firefoxScript} '${demo.adminUrl}'`,
    )
  lines.push('', `  Data: ${demo.config.dataDir}`, '  Stop: Ctrl+C', '')
  process.stdout.write(`${lines.join('\n')}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`)
  process.exit(1)
})
