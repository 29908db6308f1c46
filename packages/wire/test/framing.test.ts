import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecoder, WireError, decodeFrames, encodeFrame, encodeFrames } from '../src/index.js'

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Cuts `bytes` at the given points, as a network would. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let start = 0
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, p))
    start = p
  }
  return chunks
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

async function decodeError(chunks: Uint8Array[], maxFrameBytes?: number): Promise<string | undefined> {
  try {
    await collect(decodeFrames(chunks, maxFrameBytes === undefined ? {} : { maxFrameBytes }))
  } catch (err) {
    expect(err).toBeInstanceOf(WireError)
    return (err as WireError).code
  }
  return undefined
}

describe('framing', () => {
  it('round-trips any messages however the stream is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (messages, cuts) => {
        const stream = concat(await collect(encodeFrames(messages)))
        expect(await collect(decodeFrames(chunked(stream, cuts)))).toEqual(messages)
      }),
      { numRuns: 500 }
    )
  })

  it('writes the length as a minimal unsigned varint', () => {
    expect([...encodeFrame(new Uint8Array(0))]).toEqual([0])
    expect([...encodeFrame(new Uint8Array(300)).subarray(0, 2)]).toEqual([0xac, 0x02])
  })

  it('accepts Uint8ArrayList-like chunks, frames split across their pieces', async () => {
    const [a, b] = [encodeFrame(new Uint8Array([1, 2])), encodeFrame(new Uint8Array([3, 4, 5]))]
    const list = [a.subarray(0, 1), new Uint8Array([...a.subarray(1), ...b.subarray(0, 2)]), b.subarray(2)]
    expect(await collect(decodeFrames([list]))).toEqual([new Uint8Array([1, 2]), new Uint8Array([3, 4, 5])])
  })

  it('refuses an oversized frame from its header, before buffering the body', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 })
    // 1001 as a varint: the error comes with only the two header bytes pushed.
    expect(() => decoder.push(new Uint8Array([0xe9, 0x07]))).toThrow(/exceeds the limit/)
    expect(() => encodeFrame(new Uint8Array(1001), { maxFrameBytes: 1000 })).toThrow(WireError)
  })

  it('refuses malformed headers and streams cut inside a frame', async () => {
    expect(await decodeError([new Uint8Array([0x80, 0x00])])).toBe('MALFORMED') // non-minimal zero
    expect(await decodeError([new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])], 2 ** 40)).toBe('MALFORMED')
    expect(await decodeError([new Uint8Array([0x05, 1, 2])])).toBe('MALFORMED')
    expect(await decodeError([new Uint8Array([0x85])])).toBe('MALFORMED')
    expect(await decodeError([encodeFrame(new Uint8Array(10))], 9)).toBe('TOO_LARGE')
  })

  it('never throws anything but WireError on arbitrary streams', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), async (chunks) => {
        await decodeError(chunks, 256)
      }),
      { numRuns: 2000 }
    )
  })
})
