/** PEM (RFC 7468): the armour around DER, read and written. */
import { base64Decode, base64Encode, WebPushError } from '@wp/ece/utils'

/**
 * PEM armour (RFC 7468 §2): `-----BEGIN label-----`, the standard base64 of `der` in lines of 64
 * characters, `-----END label-----`, each line ending in a line feed.
 * @example
 * toPem('CERTIFICATE', der) // '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n'
 */
export function toPem(label: string, der: Uint8Array): string {
  const lines = base64Encode(der).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

const BEGIN = '-----BEGIN '
const END = '-----END '
const DASHES = '-----'
const LABEL = /^[A-Z0-9 ]+$/

/**
 * The blocks of a PEM text: label and DER bytes. Standard base64 inside, whitespace ignored (RFC 7468
 * §3); text around and between blocks is skipped. A block runs from its BEGIN line to an END line of
 * the same label before any other BEGIN; a BEGIN without one is skipped.
 *
 * One pass, linear in the length of the text: every search starts where the previous one stopped,
 * and the position of the next END line is kept, so no part of the text is scanned more than a few
 * times, however many BEGIN lines come without an END (a pattern such as
 * `BEGIN (.*?) END \1`, tried at each BEGIN, is quadratic there).
 * @throws WebPushError `ERR_WP_VAPID_KEY` for an encrypted (legacy `Proc-Type:`) block, `ERR_WP_BASE64URL` for
 *   a body that is not base64 (the key readers report both as `ERR_WP_VAPID_KEY`)
 */
export function readPemBlocks(text: string): { label: string; der: Uint8Array }[] {
  const out: { label: string; der: Uint8Array }[] = []
  let end = -1
  for (let begin = text.indexOf(BEGIN); begin >= 0; ) {
    const labelStart = begin + BEGIN.length
    // The first "-----" after the label is at or before the next BEGIN, which starts with one.
    const labelEnd = text.indexOf(DASHES, labelStart)
    if (labelEnd < 0) break
    const bodyStart = labelEnd + DASHES.length
    const next = text.indexOf(BEGIN, labelStart)
    if (end < bodyStart) end = text.indexOf(END, bodyStart)
    if (end < 0) break
    const label = text.slice(labelStart, labelEnd)
    if ((next < 0 || end < next) && LABEL.test(label) && text.startsWith(`${END}${label}${DASHES}`, end)) {
      const body = text.slice(bodyStart, end)
      // Headers such as "Proc-Type:" mean an encrypted (legacy) PEM.
      if (body.includes(':'))
        throw new WebPushError(
          'ERR_WP_VAPID_KEY',
          'encrypted PEM keys are not supported; export the key without a passphrase',
        )
      // RFC 7468 §3: the body is standard base64 (RFC 4648 §4), with line breaks and spaces anywhere.
      out.push({ label, der: base64Decode(body.replace(/\s+/g, ''), `the PEM ${label} block`) })
    }
    begin = next
  }
  return out
}
