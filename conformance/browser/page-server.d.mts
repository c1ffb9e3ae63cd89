/** A running page server: its `url` (ending in `/`) and `close()`. */
export interface SuitePage {
  url: string
  close(): Promise<void>
}

/**
 * Serves `page` at `/` and the bundle's `files` (by path) on 127.0.0.1, on a free port; anything else
 * is 404, any method but GET 405.
 */
export declare function servePage(page: Uint8Array, files: Map<string, Uint8Array>): Promise<SuitePage>
