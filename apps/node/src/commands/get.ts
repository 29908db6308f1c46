import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { contentKey, type ChunkDistribution, type ContentId, type Manifest } from '@dscs/chunk-distribution'
import { isDscsError } from '@dscs/interface'
import type { DscsNode } from '@dscs/net'
import { checkOutput, chunkDirectory, chunkServices, contentIdArgument } from '../content.js'
import { CliError } from '../errors.js'
import type { Output } from '../output.js'
import { formatBytes } from '../progress-bar.js'
import type { ProgressReport } from '../progress-report.js'
import { join, startNode, type NodeFlags } from '../start-node.js'

export interface GetCommandOptions extends NodeFlags {
  /** Where the content goes. */
  readonly output: string
  /** Give up after this many seconds without a chunk, s. */
  readonly timeout: number
}

/**
 * `dscs get <cid> -o <file>`: starts a node, joins the given peers, downloads
 * the content from every peer that holds it (resuming what the data
 * directory holds already), then streams the verified content to the file.
 * A download that gets nowhere for `timeout` seconds stops with its chunks
 * kept in the store, so a rerun resumes it.
 */
export async function runGet(cidText: string, options: GetCommandOptions, out: Output, report: ProgressReport): Promise<void> {
  // Mistakes of the command line fail before a node starts.
  const cid = contentIdArgument(cidText)
  await checkOutput(options.output)
  const node = await startNode(options, chunkServices(options.data))
  try {
    const chunks = node.libp2p.services.chunks as ChunkDistribution
    for (const address of options.join ?? []) await join(node, address, out)
    const manifest = await download(node, chunks, cid, options, report)
    report.finish()
    await save(chunks, cid, options.output)
    out.event('saved', { cid: contentKey(cid), file: options.output, size: manifest.size }, `saved ${options.output} (${formatBytes(manifest.size)})`)
  } finally {
    report.finish()
    await node.stop()
  }
}

/** `fetch`, given up after `timeout` seconds without a chunk, or on SIGINT or SIGTERM. */
async function download(node: DscsNode, chunks: ChunkDistribution, cid: ContentId, options: GetCommandOptions, report: ProgressReport): Promise<Manifest> {
  const controller = new AbortController()
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, options.timeout * 1000)
  }
  const interrupt = (): void => controller.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  arm()
  try {
    return await chunks.fetch(cid, {
      signal: controller.signal,
      onProgress: (progress) => {
        arm()
        report.update(progress)
      }
    })
  } catch (err) {
    if (!isDscsError(err, 'ABORTED')) throw err
    const kept = `what was downloaded is kept in ${chunkDirectory(options.data)}: rerun to resume`
    if (!timedOut) throw new CliError('INTERRUPTED', `interrupted; ${kept}`, { cause: err })
    throw await notFetched(node, chunks, cid, options.timeout, kept)
  } finally {
    clearTimeout(timer)
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}

/** Why a download timed out: nobody had the content, or those who had it stopped sending. */
async function notFetched(node: DscsNode, chunks: ChunkDistribution, cid: ContentId, timeout: number, kept: string): Promise<CliError> {
  const key = contentKey(cid)
  const [manifest, held] = await Promise.all([chunks.store.manifest(cid), chunks.store.bitfield(cid)])
  const peers = node.net.peers().length
  if (manifest === undefined || held === undefined) {
    const why = peers === 0 ? `no peer connected within ${timeout} s (join one with --join <multiaddr>)` : `none of the ${peers} connected peer(s) had it within ${timeout} s`
    return new CliError('NOT_FOUND', `no peer holds ${key}: ${why}`)
  }
  return new CliError('STALLED', `the download of ${key} stalled: no chunk for ${timeout} s, ${held.count} of ${held.length} chunks held, ${peers} peer(s) connected; ${kept}`)
}

/** Streams the content to a file beside `path`, renamed to it once whole: a file at `path` is never a partial one. */
async function save(chunks: ChunkDistribution, cid: ContentId, path: string): Promise<void> {
  const partial = `${path}.dscs-partial`
  try {
    await pipeline(Readable.from(chunks.read(cid)), createWriteStream(partial))
    await rename(partial, path)
  } catch (err) {
    await rm(partial, { force: true })
    if (isDscsError(err)) throw err
    throw new CliError('BAD_FILE', `cannot write ${path}: ${(err as Error).message}`, { cause: err })
  }
}
