// `node --conditions=@wp/source --import <this file> script.mjs` runs a script on the TypeScript
// sources of the @wp packages (see ts-hooks.mjs). Used by tests that need a child process.
import { register } from 'node:module'

register('./ts-hooks.mjs', import.meta.url)
