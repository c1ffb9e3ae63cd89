import type { Browser } from 'puppeteer-core'

/** The browsers the suite runs in, by the Debian package that provides each. */
export type BrowserName = 'chromium' | 'firefox'

/** A launched browser and a `close()` that ends it and removes its profile. */
export interface LaunchedBrowser {
  browser: Browser
  close(): Promise<void>
}

/**
 * The path of `binary` on the PATH or at `/usr/bin/<binary>`.
 * @throws Error naming `install` when there is none
 */
export declare function findBinary(binary: string, install: string): string

/** Launches `name` headless with a fresh profile, within `timeoutMs`. */
export declare function launchBrowser(name: BrowserName, timeoutMs?: number): Promise<LaunchedBrowser>
