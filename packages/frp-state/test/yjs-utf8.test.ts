// utf16Length: the length Yjs's fatal TextDecoder gives a string, or a refusal wherever that decoder throws.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { utf16Length } from '../src/yjs/utf8.js'

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The decoder's verdict on `bytes`: the string's UTF-16 length, or 'invalid'. */
function decoded(bytes: Uint8Array): number | 'invalid' {
  try {
    return decoder.decode(bytes).length
  } catch {
    return 'invalid'
  }
}

function counted(bytes: Uint8Array): number | 'invalid' {
  try {
    return utf16Length(bytes, 0, bytes.length)
  } catch {
    return 'invalid'
  }
}

describe('utf16Length', () => {
  it('counts valid strings as TextDecoder does, astral characters as two units', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(counted(new TextEncoder().encode(text))).toBe(text.length)
      })
    )
    expect(counted(new TextEncoder().encode('a\u00e9\u20ac\u{1f600}\ufeff'))).toBe(6)
  })

  it('agrees with a fatal TextDecoder on any bytes, the malformed included', () => {
    // Bytes near the lead and continuation ranges, so overlongs, surrogates and truncations come up often.
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5))
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (values) => {
        const bytes = Uint8Array.from(values)
        expect(counted(bytes)).toBe(decoded(bytes))
      }),
      { numRuns: 20_000 }
    )
  })

  it('counts only its range of the array', () => {
    const bytes = new TextEncoder().encode('xx\u20acyy')
    expect(utf16Length(bytes, 2, 5)).toBe(1)
    expect(() => utf16Length(bytes, 2, 4)).toThrow(expect.objectContaining({ code: 'BAD_YJS_UPDATE' }))
  })
})
