import type { Browser } from 'puppeteer-core'

/** The browsers the suite runs in, by the Debian package that provides each. */
export type BrowserName = 'chromium' | 'firefox'

/** A launched browser and a `close()` that ends it and removes its profile. */
export interface LaunchedBrowser {
  browser: Browser
  close(): Promise<void>
}

/** How to launch: anything left out is as the conformance suite has it. */
export interface LaunchOptions {
  /** How long the browser may take to start, in ms (default 20000). */
  timeoutMs?: number
  /** The size of every new page (default: puppeteer's, 800x600). */
  defaultViewport?: { width: number; height: number }
  /** Firefox preferences on top of puppeteer's own (Firefox only). */
  firefoxPrefs?: Record<string, unknown>
  /** The start of the temporary profile directory's name (Chromium; default `'wp-conformance-'`). */
  profilePrefix?: string
}

/**
 * The path of `binary` on the PATH or at `/usr/bin/<binary>`.
 * @throws Error naming `install` when there is none
 */
export declare function findBinary(binary: string, install: string): string

/** Launches `name` headless with a fresh profile. */
export declare function launchBrowser(name: BrowserName, options?: LaunchOptions): Promise<LaunchedBrowser>
