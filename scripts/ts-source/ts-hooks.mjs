// Module hooks that let a child Node process run this repository's TypeScript sources, as vitest
// does in the test process: a `.js` specifier that names a `.ts` file resolves to it, and `.ts`
// files load with their types erased (TypeScript's transpileModule). Registered by `register.mjs`;
// the child runs with `--conditions=@wp/source` so that the @wp packages resolve to their sources.
import { readFile } from 'node:fs/promises'
import ts from 'typescript'

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context)
  } catch (error) {
    if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts'))
      return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context)
    throw error
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context)
  const source = await readFile(new URL(url), 'utf8')
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  })
  return { format: 'module', source: outputText, shortCircuit: true }
}
