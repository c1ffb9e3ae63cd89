/** The workerd binary of the npm package (its optional dependency for this platform). */
export declare const workerdBinary: string
/**
 * The newest compatibility date this workerd knows: recent enough that nothing in the bundles needs
 * `nodejs_compat` (they never import `node:*` under the workerd conditions), so no flag is set.
 */
export declare const compatibilityDate: string
/** The version of the npm `workerd` package (the runtime's release). */
export declare const workerdVersion: string

export interface WorkerSpec {
  /** The worker's ES module entry (its default export has `fetch`). */
  entry: string
  /** Text bindings: `env.NAME` in the worker. ASCII without control characters. */
  bindings?: Record<string, string>
}

export interface Workerd {
  /** Each worker's base URL, `http://127.0.0.1:<port>/`, by the name it was given. */
  urls: Record<string, string>
  /** What workerd wrote on stdout and stderr so far (its logs and errors). */
  output: () => string
  /** Stops workerd (SIGTERM, then SIGKILL after 5 s) and removes the bundles; settles within 10 s. */
  close: () => Promise<void>
}

/**
 * Bundles and serves `workers` in one workerd process and resolves once every socket answers
 * (within `timeoutMs`, 20 s by default). Rejects with workerd's output when it exits first. Each
 * socket's port is one the kernel just gave out; should another process take it before workerd binds
 * it, workerd is started again on new ports (three attempts).
 */
export declare function startWorkerd(
  workers: Record<string, WorkerSpec>,
  options?: { timeoutMs?: number },
): Promise<Workerd>
