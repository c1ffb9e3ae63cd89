/**
 * `@wp/vapid/der`: the DER writer and PEM armour of @wp/vapid, for the other @wp packages (the push
 * service's self-signed certificate). Internal to this repository: documented, tested, but not part
 * of the public API, and it may change in any release.
 */
export {
  bitString,
  boolean,
  explicit,
  implicit,
  integer,
  octetString,
  oid,
  sequence,
  set,
  TAG,
  time,
  tlv,
  utf8String,
} from './internal/der.js'
export { toPem } from './internal/pem.js'
