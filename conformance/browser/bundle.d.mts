/** The bundle of `entry` (a module's path) for the browser, by URL path: `/<entry's name>.js` and its chunks. */
export declare function bundleForBrowser(entry: string): Promise<Map<string, Uint8Array>>
