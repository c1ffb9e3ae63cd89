/**
 * Debian's headless Chromium and Firefox ESR, driven by puppeteer-core, each with a fresh profile.
 * A missing browser is a failure that says how to install it, never a skip. The code is launch.mjs
 * (plain JavaScript, which `bench/runtimes.mjs` imports too); this module gives it to TypeScript.
 */
export { type BrowserName, findBinary, type LaunchedBrowser, type LaunchOptions, launchBrowser } from './launch.mjs'
