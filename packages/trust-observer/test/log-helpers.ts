import { leafHash, nodeHash, type Subtree, type SubtreeSource } from '../src/index.js'

/** Bytes from hex. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** Every perfect subtree hash of `entries`, level by level: the in-memory source the pure proof functions read. */
export function levelsOf(entries: readonly Uint8Array[]): Uint8Array[][] {
  const levels = [entries.map(leafHash)]
  for (let below = levels[0]!; below.length > 1; below = levels[levels.length - 1]!) {
    const level: Uint8Array[] = []
    for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!))
    levels.push(level)
  }
  return levels
}

/** A source over `levels` that fails the test on any subtree outside them. */
export function sourceOf(levels: readonly Uint8Array[][]): SubtreeSource {
  return ({ level, index }: Subtree) => {
    const hash = levels[level]?.[index]
    if (hash === undefined) throw new Error(`no subtree (${level}, ${index}) in the tree`)
    return hash
  }
}

/** The entries the brute-force comparisons use: distinct, of varied lengths (the first is empty). */
export function sampleEntries(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new TextEncoder().encode('e'.repeat(i % 7) + String(i)).subarray(i === 0 ? 1 : 0))
}
