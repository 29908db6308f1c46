import { FrpStateError } from '../core/errors.js'

/**
 * The UTF-16 length of the UTF-8 string in `bytes[start, end)`, or
 * BAD_YJS_UPDATE where a fatal `TextDecoder` (what Yjs decodes strings
 * with) would throw: a stray or missing continuation byte, an overlong
 * form, a surrogate, a code point above U+10FFFF. Counting without decoding
 * spares a string per struct on the hot path of every update check.
 */
export function utf16Length(bytes: Uint8Array, start: number, end: number): number {
  let units = 0
  let i = start
  while (i < end) {
    const lead = bytes[i]!
    if (lead < 0x80) {
      i++
      units++
      continue
    }
    // The continuation bytes a lead takes, and the range of the first one (which rules out overlongs, surrogates and code points past U+10FFFF).
    let more: number
    let low = 0x80
    let high = 0xbf
    if (lead >= 0xc2 && lead <= 0xdf) more = 1
    else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2
      if (lead === 0xe0) low = 0xa0
      else if (lead === 0xed) high = 0x9f
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3
      if (lead === 0xf0) low = 0x90
      else if (lead === 0xf4) high = 0x8f
    } else throw invalid(i)
    if (i + more >= end) throw invalid(i)
    const first = bytes[i + 1]!
    if (first < low || first > high) throw invalid(i)
    for (let k = 2; k <= more; k++) {
      const next = bytes[i + k]!
      if (next < 0x80 || next > 0xbf) throw invalid(i)
    }
    i += more + 1
    // Four bytes encode a code point beyond the BMP: a surrogate pair in UTF-16.
    units += more === 3 ? 2 : 1
  }
  return units
}

function invalid(at: number): FrpStateError {
  return new FrpStateError('BAD_YJS_UPDATE', `a string holds invalid UTF-8 at byte ${at}`)
}
