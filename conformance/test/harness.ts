/**
 * The Node side of the conformance suite: starts a local @wp/push-service on 127.0.0.1, subscribes a
 * test subscriber, runs `suite.mjs` in another runtime with that subscription, and collects the
 * suite's result line and what the subscriber decrypted.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type ReceivedPush, startPushService } from '@wp/push-service'
import { expect } from 'vitest'

/** Every check of `suite.mjs`, in order: a run must report each of them, none skipped. */
export const CHECKS: string[] = [
  'rfc8188-3.1-encrypt',
  'rfc8188-3.1-decrypt',
  'rfc8188-3.2-encrypt',
  'rfc8188-3.2-decrypt',
  'rfc8291-A-encrypt',
  'rfc8291-A-decrypt',
  'roundtrip-aes128gcm',
  'roundtrip-aesgcm',
  'vapid-sign-verify',
  'webpush-send',
]

export interface SuiteRun {
  code: number | null
  stdout: string
  stderr: string
  /** The parsed `CONFORMANCE {json}` line, or undefined when the suite printed none. */
  report: Report | undefined
  /** What the test subscriber received and decrypted, or the error of waiting for it. */
  received: ReceivedPush | Error
  /** The text the suite was asked to push. */
  sent: string
}

const root = new URL('../../', import.meta.url)
export const suite: string = fileURLToPath(new URL('conformance/suite.mjs', root))
/** A runtime installed from npm as a root devDependency. */
export const bin = (name: string): string => fileURLToPath(new URL(`node_modules/.bin/${name}`, root))

/** Runs the suite as `command ...args suite.mjs <subscription> <text>`, within 60 s. */
export async function runSuite(command: string, args: string[]): Promise<SuiteRun> {
  const service = await startPushService({ host: '127.0.0.1' })
  try {
    const subscriber = await service.subscribe()
    const sent = `conformance ${command.split('/').pop()} ${Date.now()} ✓`
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          command,
          [...args, suite, JSON.stringify(subscriber.subscription), sent],
          { timeout: 60_000, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
          (error, out, err) =>
            resolve({ code: error ? ((error.code as number | null) ?? 1) : 0, stdout: out, stderr: err }),
        )
      },
    )
    const line = stdout.split('\n').find((l) => l.startsWith('CONFORMANCE '))
    const report = line ? JSON.parse(line.slice('CONFORMANCE '.length)) : undefined
    const received = await subscriber.next({ timeoutMs: 5000 }).catch((error: Error) => error)
    return { code, stdout, stderr, report, received, sent }
  } finally {
    await service.close()
  }
}

/** A suite's report, as its `CONFORMANCE {json}` line gives it. */
export interface Report {
  runtime: string
  /** The encryption backend (what `backends.encrypt` says). */
  backend: string
  /** The crypto backend for each operation: ES256 signing (VAPID) and everything else. */
  backends?: { encrypt: string; sign: string }
  results: { name: string; ok: boolean; error?: string }[]
}

/**
 * What every runtime's run must show: the runtime named, every check passed and none skipped, and
 * the test subscriber decrypting the text that was sent, as aes128gcm, with the suite's VAPID subject.
 * @param context printed with a failure (the run's output)
 */
export function expectConformance(
  runtime: string,
  report: Report | undefined,
  received: ReceivedPush | Error,
  sent: string,
  context: string,
): void {
  expect(report, context).toBeDefined()
  expect(report?.runtime).toBe(runtime)
  expect(report?.results.filter((r) => !r.ok)).toEqual([])
  expect(report?.results.map((r) => r.name)).toEqual(CHECKS)
  if (received instanceof Error) throw received
  expect(received.text).toBe(sent)
  expect(received.encoding).toBe('aes128gcm')
  expect(received.claims?.sub).toBe('mailto:conformance@example.com')
}
