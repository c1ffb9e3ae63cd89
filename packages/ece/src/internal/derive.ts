/**
 * Key derivation for RFC 8188 and RFC 8291, and for the older `aesgcm` draft
 * (draft-ietf-webpush-encryption-04 on draft-ietf-httpbis-encryption-encoding-03).
 */
import { concatBytes, utf8Encode } from '../bytes.js'
import type { ContentEncoding } from '../content-encoding.js'
import { type AnyBackend, all, call, type Steps } from './steps.js'

const ONE = Uint8Array.of(1)
/** The info strings, and each followed by HKDF-Expand's single counter octet 0x01. */
function labels(cek: string, nonce: string) {
  const cekBytes = utf8Encode(cek)
  const nonceBytes = utf8Encode(nonce)
  return {
    cek: cekBytes,
    nonce: nonceBytes,
    cekOne: concatBytes(cekBytes, ONE),
    nonceOne: concatBytes(nonceBytes, ONE),
  }
}
const info = {
  aes128gcm: labels('Content-Encoding: aes128gcm\0', 'Content-Encoding: nonce\0'),
  aesgcm: labels('Content-Encoding: aesgcm\0', 'Content-Encoding: nonce\0'),
}
const webPushInfo = utf8Encode('WebPush: info\0')
const aesgcmAuthInfo = utf8Encode('Content-Encoding: auth\0')
const p256Label = utf8Encode('P-256\0')

/** The content-encryption key and nonce base of one message. */
export interface ContentKeys {
  cek: Uint8Array
  nonce: Uint8Array
}

/**
 * RFC 8188 §2.2 and §2.3: PRK = HKDF-Extract(salt, IKM); CEK = the first 16 octets of
 * HKDF-Expand(PRK, cek_info), NONCE = the first 12 of HKDF-Expand(PRK, nonce_info). For `aesgcm`
 * the infos end with the `context` of the draft (§4.2 of draft -03).
 */
export function* contentKeys(
  backend: AnyBackend,
  encoding: ContentEncoding,
  salt: Uint8Array,
  ikm: Uint8Array,
  context?: Uint8Array,
): Steps<ContentKeys> {
  const labels = info[encoding]
  // RFC 5869 §2.2-§2.3 with L <= HashLen: PRK = HMAC(salt, IKM) and OKM = HMAC(PRK, info || 0x01)[:L].
  // The CEK and the NONCE share the PRK: it is computed once (an HKDF call each would do it twice).
  const prk = yield* call(backend.hmacSha256(salt, ikm))
  const [cek, nonce] = yield* call(
    all([
      backend.hmacSha256(prk, context ? concatBytes(labels.cek, context, ONE) : labels.cekOne),
      backend.hmacSha256(prk, context ? concatBytes(labels.nonce, context, ONE) : labels.nonceOne),
    ]),
  )
  return { cek: (cek as Uint8Array).subarray(0, 16), nonce: (nonce as Uint8Array).subarray(0, 12) }
}

/** RFC 8291 §3.4: key_info = "WebPush: info" || 0x00 || ua_public || as_public. */
export function webPushKeyInfo(uaPublic: Uint8Array, asPublic: Uint8Array): Uint8Array {
  return concatBytes(webPushInfo, uaPublic, asPublic)
}

/**
 * draft-ietf-webpush-encryption-04 §3.3 with draft-ietf-httpbis-encryption-encoding-03 §4.2:
 * context = "P-256" || 0x00 || uint16(len(ua_public)) || ua_public || uint16(len(as_public)) || as_public.
 */
export function aesgcmContext(uaPublic: Uint8Array, asPublic: Uint8Array): Uint8Array {
  const out = new Uint8Array(p256Label.length + 4 + uaPublic.length + asPublic.length)
  let o = 0
  out.set(p256Label, o)
  o += p256Label.length
  out[o++] = uaPublic.length >>> 8
  out[o++] = uaPublic.length & 0xff
  out.set(uaPublic, o)
  o += uaPublic.length
  out[o++] = asPublic.length >>> 8
  out[o++] = asPublic.length & 0xff
  out.set(asPublic, o)
  return out
}

/**
 * The input keying material of one Web Push message, from the ECDH secret and the auth secret.
 * `aes128gcm` (RFC 8291 §3.4): IKM = HKDF(auth, ecdh_secret, key_info, 32).
 * `aesgcm` (draft -04 §3.3): IKM = HKDF(auth, ecdh_secret, "Content-Encoding: auth" || 0x00, 32).
 */
export function* webPushIkm(
  backend: AnyBackend,
  encoding: ContentEncoding,
  auth: Uint8Array,
  ecdhSecret: Uint8Array,
  uaPublic: Uint8Array,
  asPublic: Uint8Array,
): Steps<Uint8Array> {
  const keyInfo = encoding === 'aes128gcm' ? webPushKeyInfo(uaPublic, asPublic) : aesgcmAuthInfo
  return yield* call(backend.hkdf(auth, ecdhSecret, keyInfo, 32))
}

/** RFC 8188 §2.3: the nonce of record `seq` is NONCE XOR seq (seq as a 96-bit big-endian integer). */
export function recordNonce(base: Uint8Array, seq: number): Uint8Array {
  const nonce = new Uint8Array(base)
  if (seq === 0) return nonce
  let rest = seq
  for (let i = 11; i >= 6 && rest > 0; i--) {
    nonce[i] = (nonce[i] as number) ^ (rest & 0xff)
    rest = Math.floor(rest / 256)
  }
  return nonce
}
