import { createInterface } from 'node:readline'
import { ChatRoom, reportTopicPeers } from '../chat.js'
import type { Output } from '../output.js'
import { join, readyText, reportPeers, startNode, stopOnSignal, type NodeFlags } from '../start-node.js'

export interface ChatCommandOptions extends NodeFlags {
  readonly topic: string
  /** Relay the lines seen here to each peer that connects, as a side healing from a partition. */
  readonly relayHistory?: boolean
}

/**
 * `dscs chat --topic <name>`: a terminal chat in the "no trust" mode. Each
 * line typed is signed and published; each line received is shown once,
 * with its author; replays and stale lines are refused by the node.
 * `/join <multiaddr>` connects to another node. Runs
 * until SIGINT or SIGTERM, or the end of standard input.
 */
export async function runChat(options: ChatCommandOptions, out: Output): Promise<void> {
  const node = await startNode(options)
  const stop = stopOnSignal(node, out)
  out.event('ready', { peerId: node.peerId, multiaddrs: node.multiaddrs(), dataDir: options.data, topic: options.topic }, `${readyText(node, options.data)}\n  chatting on ${options.topic}: type a line and press enter`)
  reportPeers(node, out)
  for (const address of options.join ?? []) await join(node, address, out)
  const room = new ChatRoom(node, options.topic, out, { relayHistory: options.relayHistory === true })
  reportTopicPeers(node, options.topic, out)
  createInterface({ input: process.stdin }).on('line', (line) => {
    const joining = /^\/join\s+(\S+)$/.exec(line.trim())
    if (joining !== null) void join(node, joining[1]!, out)
    else if (line.trim() !== '') void room.say(line)
  })
  await stop
}
