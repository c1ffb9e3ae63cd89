#!/usr/bin/env node
/**
 * `node dist/firefox.js [DEMO_URL]` (`npm run firefox` in apps/demo): opens Debian's `firefox-esr`,
 * headful, with a fresh temporary profile whose `user.js` points Firefox's push client at the
 * demo's local push service, at the demo's URL (with `#token=…` when given). The preferences come
 * from the running demo's `GET /api/config`; the profile is deleted when Firefox exits.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from './config.js'

/** Quiet first-run preferences for a throwaway profile. */
const QUIET_PREFS: Record<string, string | number | boolean> = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
}

/** One `user_pref(...)` line per preference (user.js syntax: JSON literals). */
export function userJs(prefs: Record<string, string | number | boolean>): string {
  return Object.entries(prefs)
    .map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`)
    .join('\n')
    .concat('\n')
}

async function main(): Promise<void> {
  let target = process.argv[2]
  if (target === undefined) {
    const config = loadConfig()
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    target = `http://${host}:${config.port}/`
  }
  let base: URL
  try {
    base = new URL(target)
  } catch {
    throw new Error('the argument must be the demo URL, such as http://127.0.0.1:3000/#token=…')
  }
  let response: Response
  try {
    response = await fetch(new URL('/api/config', base))
  } catch {
    throw new Error(`no demo answers at ${base.origin}: start it first (npm start in apps/demo)`)
  }
  const config = (await response.json()) as {
    localPushService?: { firefoxPrefs: Record<string, string | number | boolean> }
  }
  if (config.localPushService === undefined)
    throw new Error('the demo runs with PUSH_SERVICE=public: open it in any browser, no special profile is needed')

  const profile = mkdtempSync(join(tmpdir(), 'wp-demo-firefox-'))
  writeFileSync(join(profile, 'user.js'), userJs({ ...QUIET_PREFS, ...config.localPushService.firefoxPrefs }))
  const binary = process.env.FIREFOX ?? 'firefox-esr'
  process.stdout.write(`Opening ${binary} with a fresh profile using the demo's local push service\n`)
  const child = spawn(binary, ['--no-remote', '--new-instance', '--profile', profile, base.href], { stdio: 'inherit' })
  const cleanup = (): void => rmSync(profile, { recursive: true, force: true })
  child.on('error', (error: NodeJS.ErrnoException) => {
    cleanup()
    process.stderr.write(
      error.code === 'ENOENT'
        ? `demo: ${binary} not found: apt-get install -y firefox-esr, or set FIREFOX to a Firefox binary\n`
        : `demo: cannot start ${binary}: ${error.message}\n`,
    )
    process.exitCode = 1
  })
  child.on('exit', (code) => {
    cleanup()
    process.exitCode = code ?? 0
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`)
  process.exitCode = 1
})
