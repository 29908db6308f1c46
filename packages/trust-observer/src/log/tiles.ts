// Tiles (after tlog-tiles, the layout of Certificate Transparency's static logs): the tree's hashes grouped into
// records of 8 levels. Tile (L, N) holds the perfect subtrees of levels 8L … 8L + 7 above nodes N·256 … N·256 + 255
// of level 8L: up to 256 + 128 + … + 2 = 510 hashes, so an append writes about one hash record per 256 entries
// rather than one an entry and one an inner node, and a proof reads one record per 8 levels it climbs. The tile on
// the right edge of each tile level grows with the log and is written again by every append that adds to it.
import { LogError } from './errors.js'
import type { Subtree } from './geometry.js'
import { HASH_BYTES } from './hash.js'

export const TILE_HEIGHT = 8
export const TILE_WIDTH = 2 ** TILE_HEIGHT

/** Where the hash of a perfect subtree lives: tile (`level`, `index`), at `position` in its row `row` (0 to 7). */
export interface TilePlace {
  readonly level: number
  readonly index: number
  readonly row: number
  readonly position: number
}

/** The tile, row and position of `subtree`'s hash. */
export function placeOf(subtree: Subtree): TilePlace {
  const level = Math.floor(subtree.level / TILE_HEIGHT)
  const row = subtree.level - level * TILE_HEIGHT
  const rowWidth = TILE_WIDTH / 2 ** row
  const index = Math.floor(subtree.index / rowWidth)
  return { level, index, row, position: subtree.index - index * rowWidth }
}

/** Hashes in a tile whose bottom row holds `width` hashes: each row above holds half the row below, rounded down. */
function hashesOf(width: number): number {
  let hashes = 0
  for (let row = 0; row < TILE_HEIGHT; row++) hashes += Math.floor(width / 2 ** row)
  return hashes
}

// The record length of each width from 1 to 256 (strictly increasing in the width), to read a width back.
const WIDTH_OF_LENGTH = new Map(Array.from({ length: TILE_WIDTH }, (_, i) => [hashesOf(i + 1) * HASH_BYTES, i + 1]))

/** Where row `row` of a tile `width` nodes wide starts among its hashes. */
function rowStart(width: number, row: number): number {
  let start = 0
  for (let below = 0; below < row; below++) start += Math.floor(width / 2 ** below)
  return start
}

/**
 * The hashes of one tile, row by row (row 0 at the bottom), as far as the log
 * has completed them: a record read back (its hashes found in place, none
 * copied, since a proof wants a few of its 510), or rows being built.
 */
export class Tile {
  readonly index: number
  #rows: Uint8Array[][] | undefined
  readonly #record: Uint8Array | undefined
  readonly #width: number
  /** Changed since it was read or copied: to be written. */
  dirty = false

  constructor(index: number, rows: Uint8Array[][] = Array.from({ length: TILE_HEIGHT }, () => []), record?: Uint8Array, width = 0) {
    this.index = index
    this.#rows = record === undefined ? rows : undefined
    this.#record = record
    this.#width = width
  }

  /** How many hashes its bottom row holds. */
  get width(): number {
    return this.#rows === undefined ? this.#width : this.#rows[0]!.length
  }

  /** A copy that grows without changing this one, so a failed write leaves the committed tile as it was. */
  clone(): Tile {
    return new Tile(
      this.index,
      this.#built().map((row) => row.slice())
    )
  }

  /** The hash at `position` of `row`, if the tile holds it. */
  hash(row: number, position: number): Uint8Array | undefined {
    if (this.#rows !== undefined) return this.#rows[row]![position]
    if (position >= Math.floor(this.#width / 2 ** row)) return undefined
    const at = (rowStart(this.#width, row) + position) * HASH_BYTES
    return this.#record!.subarray(at, at + HASH_BYTES)
  }

  /** Adds the next hash of `row`. */
  push(row: number, position: number, hash: Uint8Array): void {
    const hashes = this.#built()[row]!
    // The frontier completes each level's subtrees in order: anything else is a bug, not a store to trust.
    if (position !== hashes.length) throw new LogError('CORRUPT_STORE', `tile ${this.index} row ${row} takes position ${hashes.length} next, not ${position}`)
    hashes.push(hash)
    this.dirty = true
  }

  /** The record: every row's hashes, bottom row first. */
  encode(): Uint8Array {
    if (this.#rows === undefined) return this.#record!
    const record = new Uint8Array(hashesOf(this.width) * HASH_BYTES)
    let at = 0
    for (const row of this.#rows) {
      for (const hash of row) {
        record.set(hash, at)
        at += HASH_BYTES
      }
    }
    return record
  }

  /** The rows, taken out of the record the first time they are built on. */
  #built(): Uint8Array[][] {
    this.#rows ??= Array.from({ length: TILE_HEIGHT }, (_, row) => Array.from({ length: Math.floor(this.#width / 2 ** row) }, (_, position) => this.hash(row, position)!))
    return this.#rows
  }
}

/** Tile `index` from its record; CORRUPT_STORE unless its length is that of a tile of some width. */
export function decodeTile(record: Uint8Array, level: number, index: number): Tile {
  const width = WIDTH_OF_LENGTH.get(record.length)
  if (width === undefined) throw new LogError('CORRUPT_STORE', `tile (${level}, ${index}) is ${record.length} bytes, the length of no tile`)
  return new Tile(index, undefined, record, width)
}

/** The tile levels of a log of `size` entries: one for every 8 levels of its tree. */
export function tileLevels(size: number): number {
  let levels = 0
  while (size >= TILE_WIDTH ** levels) levels++
  return levels
}

/** Which tile of tile level `level` the log's next node of that level goes into, and how many it holds already. */
export function edgeOf(size: number, level: number): { index: number; width: number } {
  const nodes = Math.floor(size / TILE_WIDTH ** level)
  const index = Math.floor(nodes / TILE_WIDTH)
  return { index, width: nodes - index * TILE_WIDTH }
}

/**
 * The right edge of the tiles: at each tile level, the tile the log's next
 * node of that level goes into, once it holds one. An append adds the hash of
 * every subtree it completes and writes each tile it filled or grew.
 */
export class TileEdge {
  readonly #tiles: (Tile | undefined)[]

  constructor(tiles: readonly (Tile | undefined)[] = []) {
    this.#tiles = [...tiles]
  }

  /** A copy whose tiles grow without changing this one's. */
  clone(): TileEdge {
    return new TileEdge(this.#tiles.map((tile) => tile?.clone()))
  }

  /** Adds the hash of a completed subtree; `write` gets every tile it fills and leaves behind. */
  add(subtree: Subtree, hash: Uint8Array, write: (level: number, tile: Tile) => void): void {
    const { level, index, row, position } = placeOf(subtree)
    let tile = this.#tiles[level]
    if (tile?.index !== index) {
      if (tile?.dirty === true) write(level, tile)
      tile = new Tile(index)
      this.#tiles[level] = tile
    }
    tile.push(row, position, hash)
  }

  /** Hands `write` every tile added to since this edge was copied. */
  flush(write: (level: number, tile: Tile) => void): void {
    this.#tiles.forEach((tile, level) => tile?.dirty === true && write(level, tile))
  }
}
