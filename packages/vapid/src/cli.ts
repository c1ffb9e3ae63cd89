#!/usr/bin/env node
/**
 * `vapid`: make, inspect and use VAPID keys from the shell.
 *
 *   vapid generate [--out DIR] [--json] [--force]
 *   vapid sign --key FILE --claims FILE [--json] [--legacy]
 *   vapid verify --token JWT --key FILE [--audience ORIGIN]
 *   vapid application-server-key --key FILE
 *
 * py_vapid's spellings work too: --gen, --sign CLAIMS, --applicationServerKey, -k/--private-key, --json.
 * Errors go to stderr and the exit status is non-zero on any failure (1; 2 for a usage error).
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { WebPushError } from '@wp/ece'
import { base64urlEncode, equalBytes } from '@wp/ece/utils'
import { parseVapidAuthorization } from './authorization.js'
import { audienceOf, vapidHeaders } from './headers.js'
import { checkAudience } from './internal/claims.js'
import { readBoundedFile, readKeyFile } from './internal/read-key-file.js'
import { readVapidKeyFile } from './key-file.js'
import { generateVapidKeys, importPublicKey, importVapidKey } from './keys.js'
import { verifyVapidToken } from './token.js'

const USAGE = `Usage: vapid <command> [options]

Commands:
  generate                   write private_key.pem and public_key.pem, print the application server key
      --out DIR              folder to write to (default: the current folder)
      --force                overwrite existing key files
      --json                 print {"applicationServerKey","publicKey","privateKey"} (base64url) instead
  sign                       print the VAPID headers for a claims file
      --key FILE             the private key (default: private_key.pem)
      --claims FILE          JSON with "sub", "aud" (the push service origin) and optionally "exp"
      --endpoint URL         take "aud" from this subscription endpoint instead
      --legacy               the aesgcm-era headers (Authorization: WebPush, Crypto-Key: p256ecdsa=)
      --json                 print the headers as JSON
  verify                     check a token's signature and claims; prints the claims as JSON
      --token JWT            the token, or a whole Authorization value ("vapid t=..., k=..." or
                             "WebPush ..."); its k= must be the key of --key
      --key FILE             a public or private key file (PEM or DER)
      --audience ORIGIN      also require this "aud"
  application-server-key     print the key a page passes to pushManager.subscribe()
      --key FILE             the private key (default: private_key.pem)

py_vapid spellings: --gen, --sign CLAIMS_FILE, --applicationServerKey, -k/--private-key FILE, --json.
`

class UsageError extends Error {}

/** Whether anything is at `path`: a file, a folder, or a symbolic link (even one that leads nowhere). */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch {
    return false
  }
}

/**
 * open(2) flags of a new file: created here (never an existing one, O_EXCL), and never through a
 * symbolic link (O_EXCL refuses a link at the path; O_NOFOLLOW says so again).
 */
const NEW_FILE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0)

/**
 * Writes `data` to a file that has `mode` from the moment it exists, so a private key is never in a
 * file others can read. Without `replace`, `path` must be free. With it, the data goes to a new file
 * beside `path`, which is then renamed over it: rename(2) replaces the name (a symbolic link is
 * replaced, never followed), and the old file, with its old permissions and any other names it has,
 * never holds the new data.
 */
async function writeNewFile(path: string, data: string, mode: number, replace: boolean): Promise<void> {
  const target = replace ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`) : path
  let file: Awaited<ReturnType<typeof open>>
  try {
    file = await open(target, NEW_FILE, mode)
  } catch (cause) {
    if ((cause as { code?: string }).code === 'EEXIST' && !replace)
      throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${path} exists; pass --force to overwrite it`)
    throw cause
  }
  try {
    try {
      // The umask can only have taken bits away; set exactly `mode` before any data is written.
      await file.chmod(mode)
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    if (replace) await rename(target, path)
  } catch (error) {
    await unlink(target).catch(() => {})
    throw error
  }
}

/**
 * The token of a whole `Authorization` value, read as a push service reads it (RFC 8292 §3 `vapid
 * t=…, k=…`, or `WebPush …`, whose key is the one of the key file). A `k=` must be the key of the key
 * file: a push service verifies the token with `k`, so a token that verifies with the file's key
 * under another `k` is refused there.
 */
function tokenOfHeader(value: string, publicKey: Uint8Array, keyFile: string): string {
  const credentials = parseVapidAuthorization(value, `p256ecdsa=${base64urlEncode(publicKey)}`)
  if (!equalBytes(credentials.publicKey, publicKey))
    throw new WebPushError('ERR_WP_VAPID_TOKEN', `the k= key of the Authorization value is not the key in ${keyFile}`)
  return credentials.token
}

/** The most a claims file may hold. */
const MAX_JSON_BYTES = 64 * 1024

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  // Bounded like a key file: a claims file is a few hundred bytes, and a device or a pipe that never
  // ends must not be read whole.
  const bytes = await readBoundedFile(path, MAX_JSON_BYTES, 'ERR_WP_INVALID_ARGUMENT', `${what} file`)
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes))
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object')
    return value
  } catch {
    throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${path} is not a JSON object`)
  }
}

export async function main(argv: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      out: { type: 'string', short: 'o' },
      force: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
      key: { type: 'string', short: 'k' },
      'private-key': { type: 'string' },
      claims: { type: 'string', short: 'c' },
      endpoint: { type: 'string' },
      legacy: { type: 'boolean' },
      token: { type: 'string', short: 't' },
      audience: { type: 'string' },
      // py_vapid
      gen: { type: 'boolean', short: 'g' },
      sign: { type: 'string', short: 's' },
      applicationServerKey: { type: 'boolean' },
      'application-server-key': { type: 'boolean' },
    },
  })
  if (values.help) {
    out(USAGE)
    return 0
  }
  const commands: string[] = [...positionals]
  if (values.gen) commands.push('generate')
  if (values.sign !== undefined) commands.push('sign')
  if (values.applicationServerKey || values['application-server-key']) commands.push('application-server-key')
  if (commands.length === 0) throw new UsageError('no command given')
  const keyFile = values.key ?? values['private-key'] ?? 'private_key.pem'

  for (const command of commands) {
    switch (command) {
      case 'generate':
      case 'gen': {
        const dir = values.out ?? '.'
        const privatePath = join(dir, 'private_key.pem')
        const publicPath = join(dir, 'public_key.pem')
        if (!values.force)
          for (const path of [privatePath, publicPath])
            if (await exists(path))
              throw new WebPushError('ERR_WP_INVALID_ARGUMENT', `${path} exists; pass --force to overwrite it`)
        const pair = await generateVapidKeys()
        const key = await importVapidKey(pair.privateKey)
        await mkdir(dir, { recursive: true })
        // Each file is new and has its mode from its creation; with --force it replaces the old name,
        // never writing into the old file or through a link. Without --force, a file that appeared
        // since the check above is refused.
        const replace = values.force === true
        await writeNewFile(privatePath, key.toPEM(), 0o600, replace)
        await writeNewFile(publicPath, key.publicKeyPEM(), 0o644, replace)
        err(`wrote ${privatePath} and ${publicPath}`)
        if (values.json)
          out(
            JSON.stringify({
              applicationServerKey: key.applicationServerKey,
              publicKey: pair.publicKey,
              privateKey: pair.privateKey,
            }),
          )
        else out(key.applicationServerKey)
        break
      }
      case 'sign': {
        const claimsFile = values.claims ?? values.sign
        if (claimsFile === undefined) throw new UsageError('sign needs --claims FILE')
        const claims = await readJson(claimsFile, 'claims')
        const key = await readVapidKeyFile(keyFile)
        const encoding = values.legacy ? 'aesgcm' : 'aes128gcm'
        const exp = claims.exp as number | undefined
        if (values.endpoint === undefined && claims.aud === undefined)
          throw new WebPushError(
            'ERR_WP_VAPID_CLAIMS',
            'the claims need "aud" (the push service origin), or pass --endpoint',
          )
        // An "aud" in the claims must already be an origin: it is checked, not cut down to one.
        const audience = values.endpoint !== undefined ? audienceOf(values.endpoint) : checkAudience(claims.aud)
        const headers = await vapidHeaders({
          key,
          endpoint: audience,
          subject: claims.sub as string,
          encoding,
          ...(exp === undefined ? {} : { expiresAt: exp }),
        })
        if (values.json) out(JSON.stringify(headers))
        else for (const [name, value] of Object.entries(headers)) out(`${name}: ${value}`)
        break
      }
      case 'verify': {
        const value = values.token
        if (value === undefined) throw new UsageError('verify needs --token JWT')
        const bytes = await readKeyFile(keyFile)
        const text = new TextDecoder().decode(bytes)
        const publicKey = importPublicKey(text.includes('-----BEGIN') ? text : new Uint8Array(bytes))
        const token = /\s/.test(value.trim()) ? tokenOfHeader(value, publicKey, keyFile) : value
        const claims = await verifyVapidToken(
          token,
          publicKey,
          values.audience === undefined ? {} : { audience: values.audience },
        )
        out(JSON.stringify(claims))
        break
      }
      case 'application-server-key': {
        const key = await readVapidKeyFile(keyFile)
        out(values.json ? JSON.stringify({ applicationServerKey: key.applicationServerKey }) : key.applicationServerKey)
        break
      }
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  }
  return 0
}

async function run(): Promise<void> {
  const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(line.endsWith('\n') ? line : `${line}\n`)
  try {
    process.exitCode = await main(process.argv.slice(2), write(process.stdout), write(process.stderr))
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`vapid: ${(error as Error).message}\n\n${USAGE}`)
      process.exitCode = 2
    } else if (WebPushError.is(error)) {
      process.stderr.write(`vapid: ${error.message} (${error.code})\n`)
      process.exitCode = 1
    } else {
      process.stderr.write(`vapid: ${(error as Error)?.message ?? String(error)}\n`)
      process.exitCode = 1
    }
  }
}

await run()
