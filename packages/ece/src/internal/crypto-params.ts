/**
 * The parameters of the `Encryption` and `Crypto-Key` headers of the `aesgcm` encoding
 * (draft-ietf-httpbis-encryption-encoding-03 §3.1 and §4): `salt=...;rs=...`, `dh=...;p256ecdsa=...`.
 * Read by the receiving side here and by the push service, which normalises `Crypto-Key`.
 */

/**
 * Parameters of `Encryption`/`Crypto-Key` values: `a=b;c="d", e=f` (names in lowercase; the first
 * value of each name wins; a part without `=` is skipped). Exported from `@wp/ece/utils` as
 * `parseCryptoParams`.
 * @param value the header value
 * @returns the parameters by lowercase name, values unquoted; never throws
 * @example
 * ```ts
 * parseCryptoParams('dh=BNoR...; p256ecdsa=BOr7...') // { dh: 'BNoR...', p256ecdsa: 'BOr7...' }
 * ```
 */
export function parseCryptoParams(value: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of value.split(/[;,]/)) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const name = part.slice(0, eq).trim().toLowerCase()
    let v = part.slice(eq + 1).trim()
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1)
    if (!(name in out)) out[name] = v
  }
  return out
}
