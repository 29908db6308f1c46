import { observerTopic, trustObserver, type ObserverService } from '@dscs/trust-observer'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'

export interface ObserverCommandOptions extends NodeFlags {
  /** Ed25519 public keys (hex) of the authors whose envelopes are logged; default anyone's. */
  readonly allow?: readonly Uint8Array[]
  /** How often a batch is committed and a tree head signed, ms. */
  readonly batchInterval?: number
}

/**
 * `dscs observer`: runs a node in the observer role of `@dscs/trust-observer`
 * until SIGINT or SIGTERM. It logs submitted envelopes in an RFC 9162 Merkle
 * log in the data directory's store (LevelDB), answering each submission with
 * a signed receipt only once its batch is on disk, publishes signed tree
 * heads on its topic, and serves proofs and entries. Its identity (the
 * keystore in the data directory) is the observer key clients trust.
 */
export async function runObserver(options: ObserverCommandOptions, out: Output): Promise<void> {
  const init = {
    role: 'observer' as const,
    ...(options.allow === undefined ? {} : { allow: options.allow }),
    ...(options.batchInterval === undefined ? {} : { batchInterval: options.batchInterval })
  }
  const node = await startNode(options, { observer: trustObserver(init) })
  const observer = node.libp2p.services.observer as ObserverService
  const stop = stopOnSignal(node, out)
  const publicKey = bytesToHex(node.identity.publicKey)
  const size = observer.log.size
  const who = options.allow === undefined ? 'anyone' : `${options.allow.length} allowed author(s)`
  out.event(
    'ready',
    { peerId: node.peerId, publicKey, multiaddrs: node.multiaddrs(), dataDir: options.data, topic: observerTopic(node.identity.publicKey), size },
    [readyText(node, options.data), `  observer key ${publicKey}`, `  log of ${size} entries; logging envelopes from ${who}`].join('\n')
  )
  observer.onEvent((event) => {
    if (event.type === 'committed') {
      out.event('committed', { start: event.start, count: event.count, size: event.size, root: bytesToHex(event.root) }, `committed ${event.count} entries: the log holds ${event.size}`)
    } else if (event.type === 'store-error') {
      out.event('store-error', { code: event.error.code, error: event.error.message }, `store error: ${event.error.message}`)
    }
  })
  reportPeers(node, out)
  for (const address of options.join ?? []) await join(node, address, out)
  await stop
}
