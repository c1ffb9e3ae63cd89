/** The `wp-push-worker` command's refusals: the built binary, its exit codes and what it prints. */
import { generateVapidKeys, importVapidKey } from '@wp/vapid'
import { afterAll, describe, expect, it } from 'vitest'
import { killAll, runCli, tempFiles } from './fixtures/workers.js'

const files = tempFiles({
  'private_key.pem': (await importVapidKey((await generateVapidKeys()).privateKey)).toPEM(),
  'not-a-key.pem': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
})
afterAll(async () => {
  await killAll()
  files.remove()
})

const SUBJECT = ['--subject', 'mailto:ops@example.com']

describe.concurrent('wp-push-worker refuses', () => {
  it('a missing --key: a usage error naming it, exit 2', async () => {
    const cli = runCli(['--redis', 'redis://127.0.0.1:1', ...SUBJECT])
    expect(await cli.exited(15_000)).toEqual({ code: 2, signal: null })
    expect(cli.stderr).toMatch(/--key is required/)
    expect(cli.stderr).toMatch(/Usage: wp-push-worker/)
    expect(cli.stdout).toBe('')
  })

  it('an unreadable key file: exit 1, naming --key', async () => {
    const cli = runCli(['--redis', 'redis://127.0.0.1:1', '--key', files.path('missing.pem'), ...SUBJECT])
    expect(await cli.exited(15_000)).toEqual({ code: 1, signal: null })
    expect(cli.stderr).toMatch(/cannot read --key .*ENOENT/)
  })

  it('a key file that holds no key: exit 1, the key error named', async () => {
    const cli = runCli(['--redis', 'redis://127.0.0.1:1', '--key', files.path('not-a-key.pem'), ...SUBJECT])
    expect(await cli.exited(15_000)).toEqual({ code: 1, signal: null })
    expect(cli.stderr).toMatch(/ERR_WP_VAPID_KEY/)
  })

  it.each([
    ['not a URL', 'not a url', 'private_key.pem'],
    ['another scheme', 'http://127.0.0.1:6379', 'private_key.pem'],
    // A usage error is found before any file is read.
    ['with a missing key file', 'http://127.0.0.1:6379', 'missing.pem'],
  ])('a bad --redis (%s): a usage error naming it, exit 2', async (_, redis, key) => {
    const cli = runCli(['--redis', redis, '--key', files.path(key), ...SUBJECT])
    expect(await cli.exited(15_000)).toEqual({ code: 2, signal: null })
    expect(cli.stderr).toMatch(/^wp-push-worker: --redis must be a redis:\/\/ or rediss:\/\/ URL/)
    expect(cli.stderr).toMatch(/Usage: wp-push-worker/)
  })

  it('unknown options and bad numbers: usage errors, exit 2', async () => {
    const unknown = runCli(['--redis', 'redis://127.0.0.1:1', '--nope'])
    const concurrency = runCli(['--redis', 'redis://127.0.0.1:1', '--key', 'k', ...SUBJECT, '--concurrency', '0'])
    expect(await unknown.exited(15_000)).toEqual({ code: 2, signal: null })
    expect(await concurrency.exited(15_000)).toEqual({ code: 2, signal: null })
    expect(concurrency.stderr).toMatch(/--concurrency must be a positive integer/)
  })

  it('SIGTERM while it is still starting (Redis unreachable): exit 0 at once, not killed by the signal', async () => {
    // Nothing listens on port 1: the start waits for Redis.
    const cli = runCli(['--redis', 'redis://127.0.0.1:1', '--key', files.path('private_key.pem'), ...SUBJECT])
    // Its key is read and its connection tried once it has printed a Redis error.
    const deadline = Date.now() + 15_000
    while (!cli.stderr.includes('redis:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(cli.stderr).toMatch(/redis:/)
    const signalled = performance.now()
    cli.child.kill('SIGTERM')
    expect(await cli.exited(10_000)).toEqual({ code: 0, signal: null })
    expect(performance.now() - signalled).toBeLessThan(5000)
    expect(cli.stdout).toBe('')
  })
})
