import { contentKey, type ChunkDistribution } from '@dscs/chunk-distribution'
import { isDscsError } from '@dscs/interface'
import { chunkDirectory, chunkServices, contentIdArgument, describeHeld, summarise } from '../content.js'
import { CliError } from '../errors.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'

/**
 * `dscs seed [cid…]`: runs a node that serves the chunks of its data
 * directory — everything complete there (the service seeds it as it starts)
 * and the named content, complete or not — until SIGINT or SIGTERM.
 */
export async function runSeed(cids: readonly string[], options: NodeFlags, out: Output): Promise<void> {
  // A malformed id fails before a node starts.
  const named = cids.map(contentIdArgument)
  const node = await startNode(options, chunkServices(options.data))
  const chunks = node.libp2p.services.chunks as ChunkDistribution
  for (const cid of named) {
    try {
      await chunks.seed(cid)
    } catch (err) {
      await node.stop()
      if (!isDscsError(err, 'UNKNOWN_CONTENT')) throw err
      throw new CliError('UNKNOWN_CONTENT', `${contentKey(cid)} is not in ${chunkDirectory(options.data)}: add it with dscs put <file> --data ${options.data}`, { cause: err })
    }
  }
  const stop = stopOnSignal(node, out)
  const held = await summarise(chunks.store)
  const seeding = held.filter((s) => s.complete || named.some((cid) => contentKey(cid) === s.cid))
  const lines = seeding.length === 0 ? [`nothing to seed yet: add files with dscs put <file> --data ${options.data}`] : seeding.map((s) => `seeding ${s.cid} (${describeHeld(s)})`)
  out.event('ready', { peerId: node.peerId, multiaddrs: node.multiaddrs(), dataDir: options.data, seeding }, [readyText(node, options.data), ...lines].join('\n'))
  reportPeers(node, out)
  for (const address of options.join ?? []) await join(node, address, out)
  await stop
}
