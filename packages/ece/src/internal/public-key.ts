/**
 * The public point of a P-256 private scalar, Q = d·G (SEC 1 §3.2.1), in a few lines of BigInt
 * arithmetic: what browsers and Workers use to derive a key's public point synchronously (WebCrypto
 * cannot) without loading a curve library. A Montgomery ladder: one addition and one doubling per
 * bit, whatever its value; only the additions to the point at infinity while the leading bits are
 * zero are shorter, so the time can tell a scalar's bit length and nothing else. Runs once per key
 * imported (about 3 ms), never per message sent.
 */

/** P-256 (FIPS 186-5, SEC 2 §2.4.2): the field prime and the base point G; a is -3. */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n
/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
type Point = readonly [bigint, bigint, bigint]

const mod = (a: bigint): bigint => {
  const r = a % P
  return r < 0n ? r + P : r
}

/** dbl-2001-b (a = -3). Infinity (Z = 0) doubles to infinity. */
function double([x, y, z]: Point): Point {
  const delta = mod(z * z)
  const gamma = mod(y * y)
  const beta = mod(x * gamma)
  const alpha = mod(3n * (x - delta) * (x + delta))
  const x3 = mod(alpha * alpha - 8n * beta)
  const z3 = mod((y + z) * (y + z) - gamma - delta)
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma)
  return [x3, y3, z3]
}

/** add-2007-bl, with the cases it does not cover: infinity on either side, and equal points. */
function add(p: Point, q: Point): Point {
  const [x1, y1, z1] = p
  const [x2, y2, z2] = q
  if (z1 === 0n) return q
  if (z2 === 0n) return p
  const z1z1 = mod(z1 * z1)
  const z2z2 = mod(z2 * z2)
  const u1 = mod(x1 * z2z2)
  const u2 = mod(x2 * z1z1)
  const s1 = mod(y1 * z2 * z2z2)
  const s2 = mod(y2 * z1 * z1z1)
  const h = mod(u2 - u1)
  if (h === 0n) return s1 === s2 ? double(p) : [1n, 1n, 0n]
  const i = mod(4n * h * h)
  const j = mod(h * i)
  const r = mod(2n * (s2 - s1))
  const v = mod(u1 * i)
  const x3 = mod(r * r - j - 2n * v)
  const y3 = mod(r * (v - x3) - 2n * s1 * j)
  const z3 = mod(((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h)
  return [x3, y3, z3]
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = mod(base)
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b)
    b = mod(b * b)
  }
  return result
}

/**
 * The 65-byte uncompressed point (SEC 1 §2.3.3: 0x04 || x || y) of `privateKey`, a 32-byte scalar
 * the caller has checked to be from 1 to n-1.
 */
export function derivePublicKey(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  let d = 0n
  for (const byte of privateKey) d = (d << 8n) | BigInt(byte)
  let r0: Point = [1n, 1n, 0n]
  let r1: Point = [GX, GY, 1n]
  for (let bit = 255; bit >= 0; bit--) {
    if ((d >> BigInt(bit)) & 1n) {
      r0 = add(r0, r1)
      r1 = double(r1)
    } else {
      r1 = add(r0, r1)
      r0 = double(r0)
    }
  }
  const zInverse = power(r0[2], P - 2n) // Fermat: z^(p-2) = z^-1 mod p
  const z2 = mod(zInverse * zInverse)
  const out = new Uint8Array(65)
  out[0] = 0x04
  write(out, 1, mod(r0[0] * z2))
  write(out, 33, mod(r0[1] * z2 * zInverse))
  return out
}

function write(out: Uint8Array, offset: number, value: bigint): void {
  let v = value
  for (let i = offset + 31; i >= offset; i--, v >>= 8n) out[i] = Number(v & 0xffn)
}
