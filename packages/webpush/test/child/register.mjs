// `node --conditions=@wp/source --import ./test/child/register.mjs script.mjs` runs a script on the
// TypeScript sources (see ts-hooks.mjs).
import { register } from 'node:module'

register('./ts-hooks.mjs', import.meta.url)
