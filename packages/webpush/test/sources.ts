/** Child processes that import the workspace's TypeScript sources, as the tests do. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Runs `script` in a new Node process with the `@wp/source` condition and the repository's
 * TypeScript hooks (scripts/ts-source), from this package's folder.
 * @returns what the script printed on stdout
 */
export async function runOnSources(script: string, timeoutMs = 20_000): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=@wp/source',
      '--import',
      new URL('../../../scripts/ts-source/register.mjs', import.meta.url).href,
      script,
    ],
    { timeout: timeoutMs, cwd: new URL('..', import.meta.url).pathname },
  )
  return stdout
}
