import { open, rename, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { HASH_BYTES } from '../core/constants.js'
import { encodeManifest, type Manifest } from '../core/manifest.js'
import type { MerkleNodes } from '../core/tree.js'
import type { Bitfield } from '../core/bitfield.js'
import { syncDirectory } from './io.js'

/** The files of one content's directory. */
export const FILE = { manifest: 'manifest', data: 'data', nodes: 'nodes', held: 'held' } as const

/** Writes `bytes` to `path` durably: written and synced whole, so a crash leaves it complete or absent. */
async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'w')
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Replaces `name` in `dir` atomically: a crash leaves the old file or the new one, never a torn one. */
export async function replaceFile(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(dir, `${name}.tmp`)
  await writeSynced(temporary, bytes)
  await rename(temporary, join(dir, name))
  await syncDirectory(dir)
}

/**
 * Writes the state files of a content into `dir`, durably: manifest, node
 * table and held bitfield, and a sparse data file of the content's size unless
 * one is there already (a put writes its data first).
 */
export async function writeContentFiles(dir: string, manifest: Manifest, nodes: MerkleNodes, held: Bitfield, dataWritten: boolean): Promise<void> {
  await writeSynced(join(dir, FILE.manifest), encodeManifest(manifest))
  await writeSynced(join(dir, FILE.nodes), nodes.bytes)
  await writeSynced(join(dir, FILE.held), held.bytes)
  if (!dataWritten) {
    const data = await open(join(dir, FILE.data), 'w')
    try {
      await data.truncate(manifest.size)
      await data.sync()
    } finally {
      await data.close()
    }
  }
  await syncDirectory(dir)
}

/** The open files of one content's directory, for the chunk writes and state updates of the filesystem store. */
export class ContentFiles {
  readonly dir: string
  readonly #data: FileHandle
  readonly #nodes: FileHandle
  readonly #held: FileHandle

  private constructor(dir: string, data: FileHandle, nodes: FileHandle, held: FileHandle) {
    this.dir = dir
    this.#data = data
    this.#nodes = nodes
    this.#held = held
  }

  static async open(dir: string): Promise<ContentFiles> {
    const handles: FileHandle[] = []
    try {
      for (const name of [FILE.data, FILE.nodes, FILE.held]) handles.push(await open(join(dir, name), 'r+'))
    } catch (err) {
      await Promise.all(handles.map((handle) => handle.close()))
      throw err
    }
    return new ContentFiles(dir, handles[0]!, handles[1]!, handles[2]!)
  }

  /** Bytes [offset, offset + length) of the data file; fewer when the file is shorter than it should be. */
  async readChunk(offset: number, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length)
    let filled = 0
    while (filled < length) {
      const { bytesRead } = await this.#data.read(bytes, filled, length - filled, offset + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return filled === length ? bytes : bytes.subarray(0, filled)
  }

  async writeChunk(offset: number, data: Uint8Array): Promise<void> {
    let written = 0
    while (written < data.length) {
      const { bytesWritten } = await this.#data.write(data, written, data.length - written, offset + written)
      written += bytesWritten
    }
  }

  /**
   * Makes the recorded state durable, in the order that keeps it true after a
   * crash: the chunk data first, then the node slots learned, then the held
   * bytes. A held bit on disk so always stands for a chunk whose data and
   * path reached the disk before it.
   */
  async persist(nodes: MerkleNodes, slots: readonly number[], heldBytes: ReadonlyMap<number, number>): Promise<void> {
    await this.#data.datasync()
    if (slots.length > 0) {
      for (const slot of slots) await this.#nodes.write(nodes.bytes, slot * HASH_BYTES, HASH_BYTES, slot * HASH_BYTES)
      await this.#nodes.datasync()
    }
    if (heldBytes.size > 0) {
      for (const [at, value] of heldBytes) await this.#held.write(Uint8Array.of(value), 0, 1, at)
      await this.#held.datasync()
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#data.close(), this.#nodes.close(), this.#held.close()])
  }
}
