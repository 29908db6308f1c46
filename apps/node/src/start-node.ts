import { readFile } from 'node:fs/promises'
import { createNode, type DscsNode, type NodeOptions, type TransportName } from '@dscs/net'
import { CliError } from './errors.js'
import type { Output } from './output.js'

/** The flags every command that runs a node takes. */
export interface NodeFlags {
  readonly data: string
  readonly listen?: string[]
  readonly transports?: readonly TransportName[]
  readonly join?: string[]
  readonly passphraseFile?: string
  readonly dht?: boolean
  readonly relay?: boolean
}

/** Starts a node on the data directory (its identity from the keystore there) with the given protocol services; `allowPeer` gates its connections. */
export async function startNode(flags: NodeFlags, services?: NodeOptions['services'], allowPeer?: NodeOptions['allowPeer']): Promise<DscsNode> {
  const passphrase = flags.passphraseFile === undefined ? (process.env.DSCS_PASSPHRASE ?? '') : await readSecretFile(flags.passphraseFile)
  return await createNode({
    dataDir: flags.data,
    passphrase,
    ...(flags.listen === undefined ? {} : { listen: flags.listen }),
    ...(flags.transports === undefined ? {} : { transports: flags.transports }),
    ...(flags.dht === true ? { dht: true } : {}),
    ...(flags.relay === false ? { relayServer: false } : {}),
    ...(services === undefined ? {} : { services }),
    ...(allowPeer === undefined ? {} : { allowPeer })
  })
}

/** Dials `address`; a failure is reported, not thrown: the node runs on without that peer. */
export async function join(node: DscsNode, address: string, out: Output): Promise<void> {
  try {
    await node.dial(address)
  } catch (err) {
    out.event('join-failed', { address, error: (err as Error).message }, `could not join ${address}: ${(err as Error).message}`)
  }
}

/** Prints peers as they connect and disconnect. */
export function reportPeers(node: DscsNode, out: Output): void {
  node.net.onPeer((e) => out.event(`peer:${e.type}`, { peer: e.peer }, `${e.type === 'connect' ? '+' : '-'} peer ${e.peer}`))
}

/** The human form of a node's `ready` event: who it is and where others can `--join` it. */
export function readyText(node: DscsNode, dataDir: string): string {
  return [`DSCS node ${node.peerId}`, ...node.multiaddrs().map((a) => `  listening on ${a}`), `  data in ${dataDir}`].join('\n')
}

/** A passphrase or token from a file, as written by an editor or `echo`. */
export async function readSecretFile(file: string): Promise<string> {
  try {
    // One trailing newline is an artefact of editors and `echo`, not part of the secret.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '')
  } catch (err) {
    throw new CliError('BAD_FILE', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
}

/** Resolves once the node stopped after SIGINT or SIGTERM; a second signal exits at once. */
export function stopOnSignal(node: Pick<DscsNode, 'stop'>, out: Output): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(130)
      stopping = true
      out.event('stopping', { signal }, `${signal}: stopping…`)
      node
        .stop()
        .then(() => {
          out.event('stopped', {}, 'stopped cleanly')
          process.stdin.destroy()
          resolve()
        })
        .catch((err: unknown) => {
          out.event('stop-failed', { error: (err as Error).message }, `stop failed: ${(err as Error).message}`)
          process.exitCode = 1
          resolve()
        })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}
