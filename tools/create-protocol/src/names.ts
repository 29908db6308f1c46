import { ScaffoldError } from './errors.js'

/** Longest accepted protocol name; keeps payload kind names well under the wire's 128 characters. */
export const MAX_NAME_LENGTH = 64

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

// Words that cannot name a binding in strict-mode ES modules.
const RESERVED_WORDS = new Set(
  ('arguments await break case catch class const continue debugger default delete do else enum eval export extends ' +
    'false finally for function if implements import in instanceof interface let new null package private protected ' +
    'public return static super switch this throw true try typeof var void while with yield').split(' ')
)

// Global types TypeScript declares without a runtime value, which a generated name would shadow.
const TYPE_GLOBALS = new Set(
  ('ArrayLike AsyncIterable AsyncIterableIterator Awaited Capitalize ConstructorParameters Exclude Extract InstanceType ' +
    'Iterable IterableIterator Iterator Lowercase NoInfer NonNullable Omit OmitThisParameter Parameters Partial Pick ' +
    'PromiseLike PropertyKey Readonly ReadonlyArray Record Required ReturnType ThisParameterType ThisType Uncapitalize ' +
    'Uppercase').split(' ')
)

// Services `createNode` of @dscs/net registers itself (packages/net/src/node/create-node.ts): the generated
// package registers its service under its camelName, which must not replace one of them.
const NODE_SERVICES = new Set(['identify', 'ping', 'dht', 'relay', 'pubsub', 'net'])

/** The forms of a protocol name that the template needs. */
export interface ProtocolNames {
  /** The kebab-case name: the directory, `proto/<name>.proto`, the protocol id segment. */
  readonly name: string
  /** `@dscs/<name>` */
  readonly packageName: string
  /** `MyProto`: prefixes the exported types and classes; alone, names the service interface. */
  readonly pascalName: string
  /** `myProto`: the service factory, and the key its service is registered under in a node's services. */
  readonly camelName: string
  /** `dscs.my_proto.v1`: protobuf package names allow no hyphens. */
  readonly protoPackage: string
  /** `/dscs/<name>/1.0.0` */
  readonly protocolId: string
  /** `dscs.<name>.`: every payload kind of the package starts with it. */
  readonly kindPrefix: string
}

/**
 * Checks `name` and derives its forms. `takenIdentifiers` are the identifiers
 * the template itself imports or declares, which the service interface and
 * factory names must not collide with.
 */
export function protocolNames(name: string, takenIdentifiers: ReadonlySet<string>): ProtocolNames {
  if (!KEBAB_CASE.test(name)) {
    throw new ScaffoldError(
      'INVALID_NAME',
      `${JSON.stringify(name)} is not a valid protocol name: use lowercase kebab-case, starting with a letter (e.g. "chunk-distribution")`
    )
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new ScaffoldError('INVALID_NAME', `"${name}" is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`)
  }
  const parts = name.split('-')
  const pascalName = parts.map((part) => part[0]!.toUpperCase() + part.slice(1)).join('')
  const camelName = pascalName[0]!.toLowerCase() + pascalName.slice(1)
  for (const identifier of [camelName, pascalName]) {
    const clash = identifierClash(identifier, takenIdentifiers)
    if (clash !== undefined) {
      throw new ScaffoldError('INVALID_NAME', `"${name}" would generate the identifier ${identifier}, which ${clash}; choose another name`)
    }
  }
  if (NODE_SERVICES.has(camelName)) {
    throw new ScaffoldError(
      'INVALID_NAME',
      `"${name}" would register its service as ${camelName}, which is a service createNode already registers; choose another name`
    )
  }
  return {
    name,
    packageName: `@dscs/${name}`,
    pascalName,
    camelName,
    protoPackage: `dscs.${parts.join('_')}.v1`,
    protocolId: `/dscs/${name}/1.0.0`,
    kindPrefix: `dscs.${name}.`
  }
}

function identifierClash(identifier: string, taken: ReadonlySet<string>): string | undefined {
  if (RESERVED_WORDS.has(identifier)) return 'is a reserved word'
  if (identifier in globalThis || TYPE_GLOBALS.has(identifier)) return 'would shadow a global'
  if (taken.has(identifier)) return 'the template already uses'
  return undefined
}
