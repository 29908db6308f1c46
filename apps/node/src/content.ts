import { stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { chunkDistribution, contentKey, parseContentId, type ChunkDistributionInit, type ChunkStore, type ContentId } from '@dscs/chunk-distribution'
import { isDscsError } from '@dscs/interface'
import { CliError } from './errors.js'
import { formatBytes } from './progress-bar.js'

/** Where a data directory keeps its chunks: the node's service and `dscs put` share it. */
export function chunkDirectory(data: string): string {
  return join(data, 'chunks')
}

/** The protocol services of a node that distributes the chunks of its data directory; `selector` chooses whom to ask for chunks (e.g. the routing optimizer). */
export function chunkServices(data: string, selector?: ChunkDistributionInit['selector']): { chunks: ReturnType<typeof chunkDistribution> } {
  return { chunks: chunkDistribution({ directory: chunkDirectory(data), ...(selector === undefined ? {} : { selector }) }) }
}

/** A content id typed on the command line; a malformed one is a `BAD_CONTENT_ID` that quotes it. */
export function contentIdArgument(text: string): ContentId {
  try {
    return parseContentId(text)
  } catch (err) {
    if (!isDscsError(err, 'BAD_CONTENT_ID')) throw err
    throw new CliError('BAD_CONTENT_ID', `bad content id "${text}": ${err.message}`, { cause: err })
  }
}

/** Fails with `BAD_FILE` unless `path` is a regular file. */
export async function checkFile(path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined)
  if (found === undefined) throw new CliError('BAD_FILE', `no such file: ${path}`)
  if (!found.isFile()) throw new CliError('BAD_FILE', `${path} is not a regular file`)
}

/** Fails with `BAD_FILE` unless a file can be written at `path`: its directory exists and it is not one. */
export async function checkOutput(path: string): Promise<void> {
  const [parent, existing] = await Promise.all([stat(dirname(path)).catch(() => undefined), stat(path).catch(() => undefined)])
  if (parent?.isDirectory() !== true) throw new CliError('BAD_FILE', `no such directory: ${dirname(path)}`)
  if (existing?.isDirectory() === true) throw new CliError('BAD_FILE', `${path} is a directory, not a file to write`)
}

/** What a store holds of one content. */
export interface HeldSummary {
  readonly cid: string
  readonly size: number
  readonly chunks: number
  readonly held: number
  readonly complete: boolean
}

/** Every content in `store`, with how much of it is held. */
export async function summarise(store: ChunkStore): Promise<HeldSummary[]> {
  const summaries: HeldSummary[] = []
  for (const cid of await store.contents()) {
    const [manifest, held] = await Promise.all([store.manifest(cid), store.bitfield(cid)])
    if (manifest === undefined || held === undefined) continue
    summaries.push({ cid: contentKey(cid), size: manifest.size, chunks: held.length, held: held.count, complete: held.complete })
  }
  return summaries
}

/** `3.0 MiB`, or `5 of 12 chunks of 3.0 MiB` for content partly held. */
export function describeHeld(summary: HeldSummary): string {
  return summary.complete ? formatBytes(summary.size) : `${summary.held} of ${summary.chunks} chunks of ${formatBytes(summary.size)}`
}
