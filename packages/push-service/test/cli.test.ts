/** The built `wp-push-service` binary (dist/cli.js): --json start-up line, --help, bad arguments. */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FakeFirefox } from './fake-firefox.js'
import { expectError, https, sleep } from './helpers.js'

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js')
const children: ChildProcess[] = []

beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(
      `${CLI} is missing: build first (\`npm run build\` at the root, or tsc -p tsconfig.build.json in ece, vapid, push-service)`,
    )
})
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return child
}

/** Runs the CLI to its end: exit code, stdout and stderr. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk))
  // A CLI that takes a bad argument starts serving instead of exiting: stop it rather than hang.
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    }),
  )
}

/** The first line the CLI prints. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.once('line', (line) => {
      lines.close()
      resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`wp-push-service exited with ${code} before printing`)))
  })
}

describe('wp-push-service', () => {
  it('--port 0 --json prints one JSON line with its URLs and Firefox prefs, then serves until killed', async () => {
    const child = start(['--port', '0', '--json'])
    const info = JSON.parse(await firstLine(child)) as {
      url: string
      endpointBase: string
      webSocketUrl: string
      firefoxPrefs: Record<string, unknown>
    }
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(info.url).not.toMatch(/:0$/)
    expect(info.endpointBase).toBe(`${info.url}/push/`)
    expect(info.webSocketUrl).toBe(`${info.url.replace('http', 'ws')}/`)
    expect(info.firefoxPrefs).toMatchObject({
      'dom.push.serverURL': info.webSocketUrl,
      'dom.push.testing.allowInsecureServerURL': true,
      'dom.push.connection.enabled': true,
      'dom.push.testing.ignorePermission': true,
    })

    const root = await fetch(`${info.url}/`)
    expect(root.status).toBe(200)
    expect(root.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await root.json()).toMatchObject({ url: info.url, webSocketUrl: info.webSocketUrl })

    const unknown = await fetch(`${info.endpointBase}unknownsubscription`, {
      method: 'POST',
      headers: { TTL: '60' },
    })
    await expectError(unknown, 404, 102)

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('--tls --json prints the certificate to trust, and serves https with it', async () => {
    const child = start(['--port', '0', '--json', '--tls'])
    const info = JSON.parse(await firstLine(child)) as { url: string; webSocketUrl: string; certificate: string }
    expect(info.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(info.webSocketUrl).toMatch(/^wss:\/\//)
    expect(info.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/)
    const answer = await https(`${info.url}/`, { ca: info.certificate })
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({ url: info.url })
    child.kill('SIGTERM')
  })

  it('keeps running through hostile WebSocket frames, closing only the sockets that sent them', async () => {
    const child = start(['--port', '0', '--json'])
    const info = JSON.parse(await firstLine(child)) as { url: string; webSocketUrl: string }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const frames: [string | Uint8Array, number][] = [
      ['{"messageType":"ack","updates":[null]}', 1002],
      ['{"messageType":"register","channelID":{"toString":1}}', 1002],
      ['{"messageType":"nack","version":"v","code":{"toString":1}}', 1002],
      [new Uint8Array([0x7b, 0xff, 0x7d]), 1007], // not UTF-8
    ]
    for (const [frame, code] of frames) {
      const agent = await FakeFirefox.connect(info.webSocketUrl)
      await agent.hello()
      agent.sendRaw(frame)
      expect((await agent.closedWithin()).code).toBe(code)
    }
    const still = await Promise.race([
      exited.then((exitCode) => `exited with ${exitCode}`),
      sleep(300).then(() => 'running'),
    ])
    expect(still).toBe('running')
    expect((await fetch(`${info.url}/`)).status).toBe(200)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: wp-push-service/)
    for (const option of ['--port', '--host', '--tls', '--lenient', '--json']) expect(stdout).toContain(option)
  })

  const bad = [['eighty'], ['70000'], ['-1'], ['1.5'], [''], ['0x50'], ['1e3']].map((value) => ['--port', ...value])
  for (const args of [...bad, ['--port'], ['--no-such-option']])
    it(`${args.map((a) => JSON.stringify(a)).join(' ')} exits 2 with a message on stderr`, async () => {
      const { code, stdout, stderr } = await run(args)
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toMatch(/^wp-push-service: /)
    })
})
