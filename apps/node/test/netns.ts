// A private network for the partition test, made of Linux network namespaces (root only): one namespace per node,
// each with one veth into a bridge in a switch namespace, addresses 10.213.0.x/24 that exist only inside them.
// Nothing is created in the host's own namespace. A split drops the packets between the two sides in the kernel:
// nftables when the nft command works, else tc netem (100 % loss towards the other side), else blackhole routes.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const exec = promisify(execFile)
const run = async (...args: string[]): Promise<void> => void (await exec(args[0]!, args.slice(1)))
const quietly = (promise: Promise<void>): Promise<boolean> => promise.then(() => true, () => false)

export type PartitionMethod = 'nftables' | 'tc netem' | 'blackhole routes'

export interface NetnsLab {
  /** The namespace node `i` runs in. */
  readonly namespaces: readonly string[]
  readonly method: PartitionMethod
  /** Node `i`'s address, inside its namespace. */
  address(index: number): string
  /** Drops every packet between the nodes of `a` and those of `b`, both ways. */
  split(a: readonly number[], b: readonly number[]): Promise<void>
  /** Lifts the split. */
  heal(): Promise<void>
  /** Deletes every namespace it made (and with them their interfaces); safe to call twice. */
  destroy(): Promise<void>
}

const address = (index: number): string => `10.213.0.${index + 1}`
const inside = (namespace: string, ...args: string[]): Promise<void> => run('ip', 'netns', 'exec', namespace, ...args)

/** How node namespace `ns` drops what goes to, or comes from, `peers`; and how it stops. */
const METHODS: Record<PartitionMethod, { cut(ns: string, peers: readonly string[]): Promise<void>; undo(ns: string, peers: readonly string[]): Promise<void> }> = {
  nftables: {
    async cut(ns, peers) {
      const set = `{ ${peers.join(', ')} }`
      await inside(ns, 'nft', 'add', 'table', 'inet', 'dscs_partition')
      await inside(ns, 'nft', 'add', 'chain', 'inet', 'dscs_partition', 'in', '{ type filter hook input priority 0; policy accept; }')
      await inside(ns, 'nft', 'add', 'chain', 'inet', 'dscs_partition', 'out', '{ type filter hook output priority 0; policy accept; }')
      await inside(ns, 'nft', 'add', 'rule', 'inet', 'dscs_partition', 'in', 'ip', 'saddr', set, 'drop')
      await inside(ns, 'nft', 'add', 'rule', 'inet', 'dscs_partition', 'out', 'ip', 'daddr', set, 'drop')
    },
    undo: (ns) => inside(ns, 'nft', 'delete', 'table', 'inet', 'dscs_partition')
  },
  'tc netem': {
    // Egress only, on both sides: a fourth band of a prio qdisc loses everything, and a filter sends the other side there.
    async cut(ns, peers) {
      await inside(ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'prio', 'bands', '4')
      await inside(ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'parent', '1:4', 'handle', '40:', 'netem', 'loss', '100%')
      for (const peer of peers) await inside(ns, 'tc', 'filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'dst', `${peer}/32`, 'flowid', '1:4')
    },
    undo: (ns) => inside(ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root')
  },
  'blackhole routes': {
    async cut(ns, peers) {
      for (const peer of peers) await run('ip', '-n', ns, 'route', 'add', 'blackhole', `${peer}/32`)
    },
    async undo(ns, peers) {
      for (const peer of peers) await run('ip', '-n', ns, 'route', 'del', 'blackhole', `${peer}/32`)
    }
  }
}

/** Creates `count` node namespaces wired to a bridge; on failure, deletes what it made. */
async function create(count: number, method: PartitionMethod, prefix = `dscs${process.pid}`): Promise<NetnsLab> {
  const made: string[] = []
  const destroy = async (): Promise<void> => {
    for (const ns of made.splice(0)) await quietly(run('ip', 'netns', 'del', ns))
  }
  const namespace = async (name: string): Promise<string> => {
    await run('ip', 'netns', 'add', name)
    made.push(name)
    await run('ip', '-n', name, 'link', 'set', 'lo', 'up')
    return name
  }
  try {
    const sw = await namespace(`${prefix}-sw`)
    await run('ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
    await run('ip', '-n', sw, 'link', 'set', 'br0', 'up')
    const namespaces: string[] = []
    for (let i = 0; i < count; i++) {
      const ns = await namespace(`${prefix}-n${i}`)
      namespaces.push(ns)
      await run('ip', '-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', sw)
      await run('ip', '-n', sw, 'link', 'set', `port${i}`, 'master', 'br0', 'up')
      await run('ip', '-n', ns, 'addr', 'add', `${address(i)}/24`, 'dev', 'eth0')
      await run('ip', '-n', ns, 'link', 'set', 'eth0', 'up')
    }
    let undo: (() => Promise<void>)[] = []
    return {
      namespaces,
      method,
      address,
      async split(a, b) {
        for (const [side, other] of [
          [a, b],
          [b, a]
        ] as const) {
          const peers = other.map(address)
          for (const i of side) {
            await METHODS[method].cut(namespaces[i]!, peers)
            undo.push(() => METHODS[method].undo(namespaces[i]!, peers))
          }
        }
      },
      async heal() {
        for (const step of undo) await step()
        undo = []
      },
      destroy
    }
  } catch (err) {
    await destroy()
    throw err
  }
}

/** Whether this process can make the lab here, and with which partition method; or why not. */
async function support(): Promise<{ ok: true; method: PartitionMethod } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' }
  if (!(await quietly(run('ip', 'netns', 'list')))) return { ok: false, reason: 'the ip command (iproute2) does not work here' }
  // A real trial, in a scratch lab of two nodes: each method is kept only if it can cut and heal here.
  let lab: NetnsLab | undefined
  try {
    for (const method of Object.keys(METHODS) as PartitionMethod[]) {
      try {
        lab = await create(2, method, `dscsprobe${process.pid}`)
      } catch (err) {
        return { ok: false, reason: `cannot make network namespaces: ${(err as Error).message.trim()}` }
      }
      const works = await quietly(lab.split([0], [1]).then(() => lab!.heal()))
      await lab.destroy()
      if (works) return { ok: true, method }
    }
  } finally {
    await lab?.destroy()
  }
  return { ok: false, reason: 'neither nftables, tc netem nor blackhole routes work in a network namespace here' }
}

let probed: ReturnType<typeof support> | undefined

export const netnsLab = {
  /** Probed once per test process. */
  support: (): ReturnType<typeof support> => (probed ??= support()),
  async create(count: number): Promise<NetnsLab> {
    const supported = await netnsLab.support()
    if (!supported.ok) throw new Error(supported.reason)
    return create(count, supported.method)
  }
}
