import { readFile } from 'node:fs/promises'
import { DOMAIN_PATTERN } from '@dscs/frp-state'
import { ALL_TRANSPORTS, type TransportName } from '@dscs/net'
import { CliError } from './errors.js'

/** The trust modes a state domain can run under (DESIGN: TrustPolicy). */
export const TRUST_MODES = ['none', 'signatures', 'proof-of-work', 'web-of-trust', 'observer'] as const
export type TrustMode = (typeof TRUST_MODES)[number]
/** What a state domain does while the network is split (soft-partition). */
export const PARTITION_POLICIES = ['available', 'locked', 'tentative'] as const
export type PartitionPolicy = (typeof PARTITION_POLICIES)[number]

export interface DomainConfig {
  readonly trust: TrustMode
  readonly partition: PartitionPolicy
  /** The observer's PeerId, for the observer trust mode. */
  readonly observer?: string
}

/** `dscs.config.json`, validated, with every default filled in. */
export interface NodeConfig {
  readonly listen?: readonly string[]
  readonly transports?: readonly TransportName[]
  readonly join: readonly string[]
  readonly dht: boolean
  readonly relay: boolean
  /** The API and dashboard; absent: not served. */
  readonly api?: { readonly host: string; readonly port: number; readonly tokenFile?: string }
  /** The layers a node runs besides the network: chunk transfers, and the routing optimizer (peer scores for gossipsub, chunk peers and pruning). */
  readonly layers: { readonly chunks: boolean; readonly routing: boolean }
  /** State domains by name, in order (the first takes the CLI's writes by default); each runs the demo's shared state. */
  readonly domains: Readonly<Record<string, DomainConfig>>
  /** A chat on a topic, with its history relayed on heal when asked. */
  readonly chat?: { readonly topic: string; readonly relayHistory: boolean }
}

/** What a single user needs on loopback: the default listeners, chunks, partition awareness, the demo domain signed. */
export const DEFAULT_CONFIG: NodeConfig = {
  join: [],
  dht: false,
  relay: true,
  layers: { chunks: true, routing: true },
  domains: { demo: { trust: 'signatures', partition: 'available' } }
}

/** The most bytes read from a config file: far above any real one, so a wrong path to a big file fails fast. */
const MAX_CONFIG_BYTES = 256 * 1024

/** Reads and validates a config file; every problem is a `BAD_CONFIG` error naming the file and the key. */
export async function loadConfig(file: string): Promise<NodeConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CliError('BAD_FILE', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  if (text.length > MAX_CONFIG_BYTES) throw new CliError('BAD_CONFIG', `${file}: larger than ${MAX_CONFIG_BYTES} bytes`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CliError('BAD_CONFIG', `${file}: not JSON: ${(err as Error).message}`, { cause: err })
  }
  return parseConfig(json, file)
}

/** Validates a parsed config (unknown keys and bad values refused), filling in the defaults. */
export function parseConfig(json: unknown, source = 'config'): NodeConfig {
  const fail = (path: string, problem: string): never => {
    throw new CliError('BAD_CONFIG', `${source}: ${path === '' ? '' : `${path}: `}${problem}`)
  }
  const root = objectWith(json, '', ['listen', 'transports', 'join', 'dht', 'relay', 'api', 'layers', 'domains', 'chat'], fail)
  const api = root.api === undefined || root.api === false ? undefined : objectWith(root.api, 'api', ['host', 'port', 'tokenFile'], fail)
  const layers = root.layers === undefined ? {} : objectWith(root.layers, 'layers', ['chunks', 'routing'], fail)
  const chat = root.chat === undefined ? undefined : objectWith(root.chat, 'chat', ['topic', 'relayHistory'], fail)
  const domains = root.domains === undefined ? undefined : objectWith(root.domains, 'domains', undefined, fail)
  return {
    ...(root.listen === undefined ? {} : { listen: strings(root.listen, 'listen', fail) }),
    ...(root.transports === undefined ? {} : { transports: strings(root.transports, 'transports', fail).map((name, i) => oneOf(name, `transports[${i}]`, ALL_TRANSPORTS, fail)) }),
    join: root.join === undefined ? [] : strings(root.join, 'join', fail),
    dht: root.dht === undefined ? DEFAULT_CONFIG.dht : boolean(root.dht, 'dht', fail),
    relay: root.relay === undefined ? DEFAULT_CONFIG.relay : boolean(root.relay, 'relay', fail),
    ...(api === undefined
      ? {}
      : {
          api: {
            host: api.host === undefined ? '127.0.0.1' : string(api.host, 'api.host', fail),
            port: api.port === undefined ? 0 : integer(api.port, 'api.port', 0, 65_535, fail),
            ...(api.tokenFile === undefined ? {} : { tokenFile: string(api.tokenFile, 'api.tokenFile', fail) })
          }
        }),
    layers: {
      chunks: layers.chunks === undefined ? DEFAULT_CONFIG.layers.chunks : boolean(layers.chunks, 'layers.chunks', fail),
      routing: layers.routing === undefined ? DEFAULT_CONFIG.layers.routing : boolean(layers.routing, 'layers.routing', fail)
    },
    domains:
      domains === undefined
        ? DEFAULT_CONFIG.domains
        : oneObserver(Object.fromEntries(
            Object.entries(domains).map(([name, value]) => {
              if (!DOMAIN_PATTERN.test(name)) fail(`domains.${name}`, 'a domain name is 1 to 64 lowercase letters, digits or dashes, starting with a letter')
              const domain = objectWith(value, `domains.${name}`, ['trust', 'partition', 'observer'], fail)
              const trust = domain.trust === undefined ? 'signatures' : oneOf(domain.trust, `domains.${name}.trust`, TRUST_MODES, fail)
              if (trust === 'observer' && domain.observer === undefined) fail(`domains.${name}.observer`, "the observer trust mode needs the observer's PeerId")
              return [
                name,
                {
                  trust,
                  partition: domain.partition === undefined ? 'available' : oneOf(domain.partition, `domains.${name}.partition`, PARTITION_POLICIES, fail),
                  ...(domain.observer === undefined ? {} : { observer: string(domain.observer, `domains.${name}.observer`, fail) })
                }
              ]
            })
          ), fail),
    ...(chat === undefined
      ? {}
      : { chat: { topic: string(chat.topic, 'chat.topic', fail), relayHistory: chat.relayHistory === undefined ? false : boolean(chat.relayHistory, 'chat.relayHistory', fail) } })
  }
}

type Fail = (path: string, problem: string) => never

/** `domains`, if the domains in the observer mode all name the same observer: a node runs one observer client. */
function oneObserver(domains: Record<string, DomainConfig>, fail: Fail): Record<string, DomainConfig> {
  const observed = Object.entries(domains).filter(([, domain]) => domain.trust === 'observer')
  const [first, ...others] = observed
  const differing = others.find(([, domain]) => domain.observer !== first?.[1].observer)
  if (differing !== undefined) fail(`domains.${differing[0]}.observer`, `${differing[1].observer!} differs from the observer of domains.${first![0]}: a node runs one observer client, shared by its domains`)
  return domains
}

const describe = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value))

/** A plain object whose keys are all in `known` (any keys when `known` is undefined). */
function objectWith(value: unknown, path: string, known: readonly string[] | undefined, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, `expected an object, got ${describe(value)}`)
  for (const key of Object.keys(value)) {
    if (known !== undefined && !known.includes(key)) fail(path === '' ? key : `${path}.${key}`, `unknown key (known: ${known.join(', ')})`)
  }
  return value as Record<string, unknown>
}

function string(value: unknown, path: string, fail: Fail): string {
  return typeof value === 'string' && value !== '' ? value : fail(path, `expected a non-empty string, got ${describe(value)}`)
}

function strings(value: unknown, path: string, fail: Fail): string[] {
  if (!Array.isArray(value)) return fail(path, `expected an array of strings, got ${describe(value)}`)
  return value.map((item, i) => string(item, `${path}[${i}]`, fail))
}

function boolean(value: unknown, path: string, fail: Fail): boolean {
  return typeof value === 'boolean' ? value : fail(path, `expected true or false, got ${describe(value)}`)
}

function integer(value: unknown, path: string, min: number, max: number, fail: Fail): number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : fail(path, `expected a whole number from ${min} to ${max}, got ${describe(value)}`)
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], fail: Fail): T {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : fail(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`)
}

