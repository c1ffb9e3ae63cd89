// Runs ES module workers in workerd (Cloudflare Workers' runtime, the npm `workerd` binary), offline:
// each worker is bundled with esbuild from the BUILT packages under workerd's export conditions
// (`workerd`, `worker`, `browser`, as `scripts/bundle-size.mjs` bundles them), served on its own
// socket on 127.0.0.1, and its `fetch()` may reach loopback addresses only (the local push service);
// no other address, public or private, is reachable from it. Plain JavaScript (typed by
// serve.d.mts) so that plain Node imports it too: `bench/runtimes.mjs` measures in workerd through it.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const require = createRequire(import.meta.url)
const packageModules = fileURLToPath(new URL('../node_modules', import.meta.url))
const workerdPackage = require('workerd')
/** The workerd binary of the npm package (its optional dependency for this platform). */
export const workerdBinary = workerdPackage.default
/**
 * The newest compatibility date this workerd knows: recent enough that nothing in the bundles needs
 * `nodejs_compat` (they never import `node:*` under the workerd conditions), so no flag is set.
 */
export const compatibilityDate = workerdPackage.compatibilityDate
/** The version of the npm `workerd` package (the runtime's release). */
export const workerdVersion = workerdPackage.version

/** A free TCP port on 127.0.0.1 (the kernel's pick; released for workerd to bind). */
async function freePort() {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  await new Promise((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no TCP port from the kernel')
  return address.port
}

/** A Cap'n Proto text literal: only printable ASCII, with `\` and `"` escaped. */
function capnpText(value, what) {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`${what}: expected printable ASCII`)
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** The capnp config: one worker, one socket per worker, and a loopback-only outbound network. */
function config(workers) {
  const ident = (name) => `w${name}`
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  services = [',
    ...workers.map((w) => `    (name = ${capnpText(w.name, 'worker name')}, worker = .${ident(w.name)}),`),
    '    (name = "loopback", network = (allow = ["local"])),',
    '  ],',
    '  sockets = [',
    ...workers.map(
      (w) =>
        `    (name = ${capnpText(w.name, 'worker name')}, address = "127.0.0.1:${w.port}", http = (), service = ${capnpText(w.name, 'worker name')}),`,
    ),
    '  ],',
    ');',
    ...workers.flatMap((w) => [
      `const ${ident(w.name)} :Workerd.Worker = (`,
      `  modules = [(name = "worker.mjs", esModule = embed ${capnpText(w.module, 'module file')})],`,
      `  compatibilityDate = ${capnpText(compatibilityDate, 'compatibility date')},`,
      '  globalOutbound = "loopback",',
      '  bindings = [',
      ...Object.entries(w.bindings).map(
        ([name, value]) => `    (name = ${capnpText(name, 'binding name')}, text = ${capnpText(value, name)}),`,
      ),
      '  ],',
      ');',
    ]),
    '',
  ].join('\n')
}

/** Stops a child: SIGTERM, SIGKILL after `graceMs`, and settles once it exited (or 5 s after SIGKILL). */
async function stop(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit').then(() => true)
  child.kill('SIGTERM')
  if (await Promise.race([exited, sleep(graceMs, false)])) return
  child.kill('SIGKILL')
  await Promise.race([exited, sleep(5000)])
}

/** A worker's name: it names its socket, its service and its `urls` entry. */
const NAME = /^[a-z][a-z0-9]*$/i

/** The workerd process serving `config.capnp` of `dir`, once every URL answers; rejects if it exits first. */
async function serve(dir, urls, deadline) {
  let output = ''
  const child = spawn(workerdBinary, ['serve', join(dir, 'config.capnp')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.setEncoding('utf8').on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk) => {
    output += chunk
  })
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`workerd exited (${signal ?? code}) before serving: ${output.slice(0, 4000)}`)
  })
  exited.catch(() => {})
  try {
    for (const url of urls) {
      for (;;) {
        const answered = await Promise.race([
          exited,
          fetch(url, { signal: AbortSignal.timeout(2000) }).then(
            async (response) => {
              await response.body?.cancel()
              return true
            },
            () => false,
          ),
        ])
        if (answered) break
        if (Date.now() > deadline) throw new Error(`workerd did not answer on ${url} in time: ${output.slice(0, 4000)}`)
        await sleep(50)
      }
    }
  } catch (error) {
    await stop(child)
    throw error
  }
  return { child, output: () => output }
}

/**
 * Bundles and serves `workers` in one workerd process and resolves once every socket answers
 * (within `timeoutMs`, 20 s by default). Rejects with workerd's output when it exits first. Each
 * socket's port is one the kernel just gave out; should another process take it before workerd binds
 * it, workerd is started again on new ports (three attempts).
 * @param {Record<string, { entry: string, bindings?: Record<string, string> }>} workers
 * @param {{ timeoutMs?: number }} [options]
 */
export async function startWorkerd(workers, { timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs
  const dir = await mkdtemp(join(tmpdir(), 'wp-workerd-'))
  let child
  const close = async () => {
    if (child) await stop(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (const [name, spec] of Object.entries(workers)) {
      if (!NAME.test(name)) throw new Error(`worker name ${JSON.stringify(name)}: expected letters and digits`)
      await build({
        entryPoints: [spec.entry],
        outfile: join(dir, `${name}.mjs`),
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['module', 'main'],
        // A worker outside any package (the examples) resolves @wp/* from this package's dependencies.
        nodePaths: [packageModules],
        logLevel: 'silent',
      })
    }
    for (let attempt = 1; ; attempt++) {
      const specs = []
      for (const [name, spec] of Object.entries(workers)) {
        specs.push({ name, module: `${name}.mjs`, port: await freePort(), bindings: spec.bindings ?? {} })
      }
      await writeFile(join(dir, 'config.capnp'), config(specs))
      const urls = Object.fromEntries(specs.map((s) => [s.name, `http://127.0.0.1:${s.port}/`]))
      try {
        const served = await serve(dir, Object.values(urls), deadline)
        child = served.child
        return { urls, output: served.output, close }
      } catch (error) {
        if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error
      }
    }
  } catch (error) {
    await close()
    throw error
  }
}
