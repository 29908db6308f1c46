import { describe, expect, it } from 'vitest'
import { WireError, scanMessage } from '../src/index.js'

function scanCode(bytes: number[], maxOccurrences = 4): string | undefined {
  try {
    scanMessage(new Uint8Array(bytes), { maxOccurrences })
  } catch (err) {
    expect(err).toBeInstanceOf(WireError)
    return (err as WireError).code
  }
  return undefined
}

describe('scanMessage', () => {
  it('accepts well-formed fields of every allowed wire type', () => {
    expect(scanCode([0x08, 0x96, 0x01, 0x12, 0x01, 0x61, 0x1d, 0, 0, 0, 0, 0x19, 0, 0, 0, 0, 0, 0, 0, 0])).toBeUndefined()
  })

  it('counts occurrences per field number', () => {
    expect(scanCode([0x08, 1, 0x08, 1, 0x08, 1], 3)).toBeUndefined()
    expect(scanCode([0x08, 1, 0x08, 1, 0x08, 1, 0x08, 1], 3)).toBe('TOO_LARGE')
  })

  it('refuses groups, bad wire types, field 0 and truncation', () => {
    expect(scanCode([0x0b])).toBe('MALFORMED') // start group
    expect(scanCode([0x0c])).toBe('MALFORMED') // end group
    expect(scanCode([0x0e])).toBe('MALFORMED') // wire type 6
    expect(scanCode([0x00, 0x01])).toBe('MALFORMED') // field 0
    expect(scanCode([0x12, 0x05, 0x61])).toBe('MALFORMED') // length past the end
    expect(scanCode([0x08, 0xff])).toBe('MALFORMED') // varint cut off
    expect(scanCode([0x08, ...new Array<number>(10).fill(0xff), 0x01])).toBe('MALFORMED') // 11-byte varint
  })

  it('scans the messages inside the fields its nested rules name', () => {
    const inner = [0x08, 1, 0x08, 1, 0x08, 1] // field 1, three times
    const outer = [0x12, inner.length, ...inner] // field 2 holds it
    const rules = (max: number) => ({ maxOccurrences: 1, nested: { 2: { maxOccurrences: max } } })
    expect(() => scanMessage(new Uint8Array(outer), rules(3))).not.toThrow()
    expect(() => scanMessage(new Uint8Array(outer), rules(2))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }) as Error)
    expect(() => scanMessage(new Uint8Array([0x12, 2, 0x0b, 0]), rules(3))).toThrow(expect.objectContaining({ code: 'MALFORMED' }) as Error)
    // Other fields, and a nested field of another wire type, are skipped as before.
    expect(() => scanMessage(new Uint8Array([0x0a, inner.length, ...inner, 0x10, 5]), { maxOccurrences: 1, nested: { 2: { maxOccurrences: 1 } } })).not.toThrow()
  })
})
