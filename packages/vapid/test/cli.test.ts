/** The `vapid` CLI, run as the real built binary (node dist/cli.js) in a fresh folder per test. */
import { execFile } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, type ExpectStatic, it } from 'vitest'
import {
  generateVapidKeys,
  importPublicKey,
  importVapidKey,
  readVapidKeyFile,
  type VapidKey,
  vapidHeaders,
} from '../src/index.js'
import { joseVerify, parseVapidHeaders, tempDir } from './helpers.js'

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const CLI = join(packageDir, 'dist', 'cli.js')
const root = tempDir()
let folders = 0

/** A fresh empty folder for one test. */
function fresh(): string {
  const dir = join(root, String(++folders))
  mkdirSync(dir)
  return dir
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `node dist/cli.js ...args` in `cwd`; never throws. */
function vapid(cwd: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

function claims(dir: string, value: object, name = 'claims.json'): string {
  writeFileSync(join(dir, name), JSON.stringify(value))
  return name
}

/** Headers printed as "Name: value" lines. */
function headerLines(stdout: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of stdout.trim().split('\n')) {
    const i = line.indexOf(': ')
    out[line.slice(0, i)] = line.slice(i + 2)
  }
  return out
}

const mode = (path: string): number => statSync(path).mode & 0o777
const SUB = 'mailto:ops@example.com'
const AUD = 'https://fcm.googleapis.com'

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`build the CLI first: cd packages/vapid && npx tsc -p tsconfig.build.json`)
  const built = statSync(CLI).mtimeMs
  const sources = ['src', 'src/internal'].flatMap((d) =>
    readdirSync(join(packageDir, d))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(packageDir, d, f)),
  )
  const stale = sources.filter((f) => statSync(f).mtimeMs > built)
  if (stale.length > 0)
    throw new Error(`dist/cli.js is older than ${stale.join(', ')}: rebuild it (npx tsc -p tsconfig.build.json)`)
})

/** A folder holding private_key.pem and public_key.pem made in-process (as the CLI writes them), and claims.json. */
async function keyFolder(): Promise<{ dir: string; key: VapidKey }> {
  const dir = fresh()
  const key = await importVapidKey((await generateVapidKeys()).privateKey)
  writeFileSync(join(dir, 'private_key.pem'), key.toPEM(), { mode: 0o600 })
  writeFileSync(join(dir, 'public_key.pem'), key.publicKeyPEM())
  claims(dir, { sub: SUB, aud: AUD })
  return { dir, key }
}

/** Asserts a failed run: exit status `code`, nothing on stdout, the error code on stderr. */
function failed(expect: ExpectStatic, run: Run, code: number, errorCode?: string): void {
  expect(run.code, run.stderr).toBe(code)
  expect(run.stdout).toBe('')
  expect(run.stderr).not.toBe('')
  if (errorCode !== undefined) expect(run.stderr).toContain(errorCode)
}

// Each run of the binary costs about half a second of CPU: the tests run concurrently, and each
// runs its invocations in parallel where they do not depend on each other.
describe.concurrent('vapid CLI', () => {
  it('generate writes private_key.pem (0600) and public_key.pem, prints the key; never overwrites without --force', async ({
    expect,
  }) => {
    const dir = fresh()
    const run = await vapid(dir, 'generate')
    expect(run.code, run.stderr).toBe(0)
    const printed = run.stdout.trim()
    expect(run.stdout).toMatch(/^[A-Za-z0-9_-]{87}\n$/)
    expect(readdirSync(dir).sort()).toEqual(['private_key.pem', 'public_key.pem'])
    expect(mode(join(dir, 'private_key.pem'))).toBe(0o600)
    const key = await readVapidKeyFile(join(dir, 'private_key.pem'))
    expect(key.applicationServerKey).toBe(printed)
    expect(importPublicKey(readFileSync(join(dir, 'public_key.pem'), 'utf8'))).toEqual(key.publicKey)

    const files = (): string[] => ['private_key.pem', 'public_key.pem'].map((f) => readFileSync(join(dir, f), 'utf8'))
    const before = files()
    failed(expect, await vapid(dir, 'generate'), 1, 'ERR_WP_INVALID_ARGUMENT')
    expect(files()).toEqual(before)
    expect(readdirSync(dir).sort()).toEqual(['private_key.pem', 'public_key.pem'])

    // --force overwrites, and leaves the private key 0600 even when the old file was readable by all.
    chmodSync(join(dir, 'private_key.pem'), 0o644)
    const forced = await vapid(dir, 'generate', '--force')
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout.trim()).not.toBe(printed)
    expect(files()).not.toEqual(before)
    expect((await readVapidKeyFile(join(dir, 'private_key.pem'))).applicationServerKey).toBe(forced.stdout.trim())
    expect(mode(join(dir, 'private_key.pem'))).toBe(0o600)
  })

  it('generate never writes through a symlink at either key path, with or without --force', async ({ expect }) => {
    const dir = fresh()
    const outside = fresh()
    writeFileSync(join(outside, 'victim.txt'), 'keep me', { mode: 0o644 })
    chmodSync(join(outside, 'victim.txt'), 0o644)
    symlinkSync(join(outside, 'victim.txt'), join(dir, 'private_key.pem'))
    symlinkSync(join(outside, 'nothing-here.pem'), join(dir, 'public_key.pem')) // dangling
    const untouched = async (): Promise<void> => {
      expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe('keep me')
      expect((await stat(join(outside, 'victim.txt'))).mode & 0o777).toBe(0o644)
      expect(readdirSync(outside)).toEqual(['victim.txt'])
    }

    // Without --force: both names are taken (a dangling link too), so nothing is written.
    failed(expect, await vapid(dir, 'generate'), 1, 'ERR_WP_INVALID_ARGUMENT')
    await untouched()
    expect(lstatSync(join(dir, 'private_key.pem')).isSymbolicLink()).toBe(true)

    // With --force: the links are replaced by regular files; their targets are never opened.
    const forced = await vapid(dir, 'generate', '--force')
    expect(forced.code, forced.stderr).toBe(0)
    await untouched()
    for (const [name, want] of [
      ['private_key.pem', 0o600],
      ['public_key.pem', 0o644],
    ] as const) {
      expect(lstatSync(join(dir, name)).isFile(), name).toBe(true)
      expect((await stat(join(dir, name))).mode & 0o777, name).toBe(want)
    }
    expect((await readVapidKeyFile(join(dir, 'private_key.pem'))).applicationServerKey).toBe(forced.stdout.trim())
    expect(readdirSync(dir).sort()).toEqual(['private_key.pem', 'public_key.pem'])
  })

  it('generate --force over a 0644 key file never puts the new key in that file: a fresh 0600 file replaces it', async ({
    expect,
  }) => {
    const dir = fresh()
    const first = await vapid(dir, 'generate')
    expect(first.code, first.stderr).toBe(0)
    const path = join(dir, 'private_key.pem')
    chmodSync(path, 0o644)
    // A second name for the old file: whatever is written into that file shows through it.
    linkSync(path, join(dir, 'old-name.pem'))
    const before = readFileSync(path, 'utf8')
    const oldInode = (await stat(path)).ino

    const forced = await vapid(dir, 'generate', '--force')
    expect(forced.code, forced.stderr).toBe(0)
    // The old 0644 file still holds the old key only: the new one was never written where others could read it.
    expect(readFileSync(join(dir, 'old-name.pem'), 'utf8')).toBe(before)
    expect((await stat(join(dir, 'old-name.pem'))).mode & 0o777).toBe(0o644)
    const now = await stat(path)
    expect(now.ino).not.toBe(oldInode)
    expect(now.mode & 0o777).toBe(0o600)
    expect(readFileSync(path, 'utf8')).not.toBe(before)
    expect((await readVapidKeyFile(path)).applicationServerKey).toBe(forced.stdout.trim())
    // No temporary file is left behind.
    expect(readdirSync(dir).sort()).toEqual(['old-name.pem', 'private_key.pem', 'public_key.pem'])
  })

  it('generate refuses when only public_key.pem exists; --gen --out DIR --json writes there', async ({ expect }) => {
    const [a, b] = [fresh(), fresh()]
    writeFileSync(join(a, 'public_key.pem'), 'keep me')
    const [refused, gen] = await Promise.all([vapid(a, 'generate'), vapid(b, '--gen', '--out', 'keys/vapid', '--json')])
    failed(expect, refused, 1, 'ERR_WP_INVALID_ARGUMENT')
    expect(readdirSync(a)).toEqual(['public_key.pem'])
    expect(readFileSync(join(a, 'public_key.pem'), 'utf8')).toBe('keep me')

    expect(gen.code, gen.stderr).toBe(0)
    expect(readdirSync(b)).toEqual(['keys'])
    expect(readdirSync(join(b, 'keys/vapid')).sort()).toEqual(['private_key.pem', 'public_key.pem'])
    expect(mode(join(b, 'keys/vapid/private_key.pem'))).toBe(0o600)
    const out = JSON.parse(gen.stdout)
    const key = await readVapidKeyFile(join(b, 'keys/vapid/private_key.pem'))
    expect(out).toEqual({
      applicationServerKey: key.applicationServerKey,
      publicKey: key.applicationServerKey,
      privateKey: key.toBase64url(),
    })
    expect(importPublicKey(readFileSync(join(b, 'keys/vapid/public_key.pem'), 'utf8'))).toEqual(key.publicKey)
  })

  it('sign and --sign print headers that jose verifies: --legacy, --json, --endpoint, -k/--private-key, exp', async ({
    expect,
  }) => {
    const { dir, key } = await keyFolder()
    const other = await importVapidKey((await generateVapidKeys()).privateKey)
    writeFileSync(join(dir, 'other.pem'), other.toPEM('sec1'))
    const exp = Math.floor(Date.now() / 1000) + 3600
    claims(dir, { sub: SUB, exp }, 'no-aud.json')
    const MOZ = 'https://updates.push.services.mozilla.com'
    const [plain, pyVapid, endpoint] = await Promise.all([
      vapid(dir, 'sign', '--claims', 'claims.json'),
      vapid(dir, '--sign', 'claims.json', '--legacy', '--json', '-k', 'other.pem'),
      vapid(
        dir,
        'sign',
        '-c',
        'no-aud.json',
        '--endpoint',
        `${MOZ}/wpush/v2/gAAAA`,
        '--private-key',
        'private_key.pem',
      ),
    ])
    for (const r of [plain, pyVapid, endpoint]) expect(r.code, r.stderr).toBe(0)

    const a = headerLines(plain.stdout)
    expect(Object.keys(a)).toEqual(['Authorization'])
    expect(a.Authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/)
    const pa = parseVapidHeaders(a)
    expect(pa.key).toBe(key.applicationServerKey)
    expect(await joseVerify(pa.token, pa.key, AUD)).toMatchObject({ aud: AUD, sub: SUB })

    const b = JSON.parse(pyVapid.stdout)
    expect(Object.keys(b).sort()).toEqual(['Authorization', 'Crypto-Key'])
    expect(b.Authorization).toMatch(/^WebPush [\w-]+\.[\w-]+\.[\w-]+$/)
    expect(b['Crypto-Key']).toBe(`p256ecdsa=${other.applicationServerKey}`)
    await joseVerify(parseVapidHeaders(b).token, other.publicKey, AUD)

    const c = parseVapidHeaders(headerLines(endpoint.stdout))
    expect(c.key).toBe(key.applicationServerKey)
    expect(await joseVerify(c.token, key.publicKey, MOZ)).toEqual({ aud: MOZ, exp, sub: SUB })
  })

  it('sign refuses bad claims and a missing or wrong key file, creating no file', async ({ expect }) => {
    const { dir } = await keyFolder()
    claims(dir, { sub: SUB, aud: `${AUD}/fcm/send/abc` }, 'path.json')
    const empty = fresh()
    claims(empty, { sub: SUB, aud: AUD })
    const [path, publicOnly, missing] = await Promise.all([
      vapid(dir, '--sign', 'path.json'),
      vapid(dir, 'sign', '--claims', 'claims.json', '--key', 'public_key.pem'),
      vapid(empty, 'sign', '--claims', 'claims.json', '-k', 'sub/dir/private_key.pem'),
    ])
    failed(expect, path, 1, 'ERR_WP_VAPID_CLAIMS')
    failed(expect, publicOnly, 1, 'ERR_WP_VAPID_KEY')
    failed(expect, missing, 1, 'ERR_WP_VAPID_KEY')
    expect(readdirSync(empty)).toEqual(['claims.json'])
    expect(readdirSync(dir).sort()).toEqual(['claims.json', 'path.json', 'private_key.pem', 'public_key.pem'])
  })

  it('sign reads at most 64 KiB of a claims file: a larger one, or one that never ends, is refused', async ({
    expect,
  }) => {
    const { dir } = await keyFolder()
    writeFileSync(join(dir, 'big.json'), `{"sub":"${SUB}","aud":"${AUD}","x":"${'a'.repeat(70_000)}"}`)
    const started = Date.now()
    const [big, endless] = await Promise.all([
      vapid(dir, 'sign', '--claims', 'big.json'),
      vapid(dir, 'sign', '--claims', '/dev/zero'),
    ])
    failed(expect, big, 1, 'ERR_WP_INVALID_ARGUMENT')
    expect(big.stderr).toContain('larger than 65536 bytes')
    failed(expect, endless, 1, 'ERR_WP_INVALID_ARGUMENT')
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('application-server-key and --applicationServerKey print the key; a missing key fails and creates nothing', async ({
    expect,
  }) => {
    const { dir, key } = await keyFolder()
    const empty = fresh()
    const [named, alias, missing] = await Promise.all([
      vapid(dir, 'application-server-key'),
      vapid(dir, '--applicationServerKey', '-k', 'private_key.pem'),
      vapid(empty, '--applicationServerKey'),
    ])
    expect(named.code, named.stderr).toBe(0)
    expect(named.stdout).toBe(`${key.applicationServerKey}\n`)
    expect(alias.code, alias.stderr).toBe(0)
    expect(alias.stdout).toBe(`${key.applicationServerKey}\n`)
    failed(expect, missing, 1, 'ERR_WP_VAPID_KEY')
    expect(readdirSync(empty)).toEqual([])
  })

  it('verify prints the claims of a good token and fails with the wrong key', async ({ expect }) => {
    const { dir, key } = await keyFolder()
    const other = await importVapidKey((await generateVapidKeys()).privateKey)
    writeFileSync(join(dir, 'other_public.pem'), other.publicKeyPEM())
    const headers = await vapidHeaders({ key, endpoint: `${AUD}/fcm/send/x`, subject: SUB })
    const { token } = parseVapidHeaders(headers)
    const [ok, wrong] = await Promise.all([
      vapid(dir, 'verify', '--token', headers.Authorization as string, '--key', 'public_key.pem', '--audience', AUD),
      vapid(dir, 'verify', '--token', token, '--key', 'other_public.pem'),
    ])
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ aud: AUD, sub: SUB })
    failed(expect, wrong, 1, 'ERR_WP_VAPID_TOKEN')
  })

  it('verify reads a whole Authorization value as a push service does: any order, quotes, WebPush; k= must be the key', async ({
    expect,
  }) => {
    const { dir, key } = await keyFolder()
    const other = await importVapidKey((await generateVapidKeys()).privateKey)
    const { token } = parseVapidHeaders(await vapidHeaders({ key, endpoint: `${AUD}/fcm/send/x`, subject: SUB }))
    const k = key.applicationServerKey
    const verify = (value: string): Promise<Run> => vapid(dir, 'verify', '--token', value, '--key', 'public_key.pem')
    const [reordered, quoted, legacy, otherK, noK] = await Promise.all([
      verify(`VAPID k=${k} ,t=${token}`),
      verify(`vapid t="${token}", k="${k}"`),
      verify(`WebPush ${token}`),
      // The token verifies with the key file, but a push service verifies it with k= and refuses it.
      verify(`vapid t=${token}, k=${other.applicationServerKey}`),
      verify(`vapid t=${token}`),
    ])
    for (const run of [reordered, quoted, legacy]) {
      expect(run.code, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ aud: AUD, sub: SUB })
    }
    failed(expect, otherK, 1, 'ERR_WP_VAPID_TOKEN')
    failed(expect, noK, 1, 'ERR_WP_VAPID_TOKEN')
  })

  it('--help exits 0 on stdout; an unknown command or option exits 2 on stderr', async ({ expect }) => {
    const dir = fresh()
    const [help, unknown, option] = await Promise.all([
      vapid(dir, '--help'),
      vapid(dir, 'frobnicate'),
      vapid(dir, '--gen', '--bogus'),
    ])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--applicationServerKey')
    expect(help.stderr).toBe('')
    for (const r of [unknown, option]) failed(expect, r, 2)
    expect(readdirSync(dir)).toEqual([])
  })
})
