#!/usr/bin/env node
// Installs the workspace's dependencies when they are missing or older than the lockfile, with the
// pnpm version pinned in package.json's `packageManager`. It needs nothing but Node: a pnpm already
// on the PATH at that version is used, otherwise `npx` fetches it. Runs in well under a second when
// everything is already installed.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const [, version] = /^pnpm@(\d+\.\d+\.\d+)/.exec(manifest.packageManager) ?? []
if (!version) throw new Error('package.json must pin pnpm in "packageManager"')

const lockfile = join(root, 'pnpm-lock.yaml')
const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml')
const upToDate =
  existsSync(installed) &&
  existsSync(lockfile) &&
  normalise(readFileSync(installed, 'utf8')) === normalise(readFileSync(lockfile, 'utf8'))

if (!upToDate || process.argv.includes('--force')) {
  const pnpm = pnpmCommand()
  const args = [...pnpm.slice(1), 'install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]
  console.log(`> ${pnpm[0]} ${args.join(' ')}`)
  const result = spawnSync(pnpm[0], args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

function pnpmCommand() {
  try {
    const found = execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    if (found.trim() === version) return ['pnpm']
  } catch {}
  return ['npx', '-y', `pnpm@${version}`]
}

function normalise(text) {
  return text.replace(/\r\n/g, '\n').trim()
}
