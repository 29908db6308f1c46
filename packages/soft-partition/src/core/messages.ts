import { definePayloadKind, type PayloadCodec } from '@dscs/wire'
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '@dscs/identity'
import { dscs } from '../gen/soft-partition.js'
import { KIND_PREFIX, MAX_PAYLOAD_BYTES, MAX_PEER_ID_LENGTH, MAX_RELAY_DATA_BYTES, MAX_UPDATES_PER_MESSAGE } from './constants.js'
import { SoftPartitionError } from './errors.js'

export const MESSAGE_TYPES = { ping: 1, ack: 2, pingReq: 3, nack: 4 } as const
export type MessageType = (typeof MESSAGE_TYPES)[keyof typeof MESSAGE_TYPES]

export const UPDATE_STATES = { alive: 0, suspect: 1 } as const

/** What one node believes about one member. */
export interface UpdatePayload {
  readonly member: string
  readonly publicKey: Uint8Array
  readonly incarnation: number
  /** {@link UPDATE_STATES}: 0 alive, 1 suspect. */
  readonly state: number
  /** Alive: the member's signature; suspect: the accuser's (see `alive.ts`). */
  readonly signature: Uint8Array
  /** Suspect: the member whose own probe failed; alive: empty. */
  readonly accuser: string
}

/** One SWIM message: a ping, an ack, a ping-req or a nack, with piggybacked updates. */
export interface SwimPayload {
  readonly type: number
  readonly seq: number
  readonly target: string
  // Mutable only because protobufjs's generated encoder takes a mutable array.
  readonly updates: UpdatePayload[]
}

function checkPeerId(id: string, what: string): void {
  if (id.length > MAX_PEER_ID_LENGTH) throw new SoftPartitionError('BAD_MESSAGE', `${what} of ${id.length} characters; at most ${MAX_PEER_ID_LENGTH}`)
}

function checkUpdate(update: UpdatePayload): void {
  if (update.member.length === 0 || update.member.length > MAX_PEER_ID_LENGTH) throw new SoftPartitionError('BAD_UPDATE', 'member id empty or too long')
  if (update.publicKey.length !== PUBLIC_KEY_BYTES) throw new SoftPartitionError('BAD_UPDATE', `public key of ${update.publicKey.length} bytes`)
  if (update.state === UPDATE_STATES.alive) {
    if (update.signature.length !== SIGNATURE_BYTES) throw new SoftPartitionError('BAD_UPDATE', `alive signature of ${update.signature.length} bytes`)
    if (update.accuser.length !== 0) throw new SoftPartitionError('BAD_UPDATE', 'an alive update names no accuser')
  } else if (update.state === UPDATE_STATES.suspect) {
    if (update.signature.length !== SIGNATURE_BYTES) throw new SoftPartitionError('BAD_UPDATE', `suspicion signature of ${update.signature.length} bytes`)
    if (update.accuser.length === 0 || update.accuser.length > MAX_PEER_ID_LENGTH) throw new SoftPartitionError('BAD_UPDATE', 'a suspicion names its accuser')
    if (update.accuser === update.member) throw new SoftPartitionError('BAD_UPDATE', 'a member does not accuse itself')
  } else {
    throw new SoftPartitionError('BAD_UPDATE', `unknown state ${update.state}`)
  }
}

function checkSwim(swim: SwimPayload): void {
  if (swim.type < MESSAGE_TYPES.ping || swim.type > MESSAGE_TYPES.nack) throw new SoftPartitionError('BAD_MESSAGE', `unknown message type ${swim.type}`)
  checkPeerId(swim.target, 'target')
  const needsTarget = swim.type === MESSAGE_TYPES.pingReq || swim.type === MESSAGE_TYPES.nack
  if (needsTarget && swim.target.length === 0) throw new SoftPartitionError('BAD_MESSAGE', 'a ping-req or nack names its target')
  if (swim.updates.length > MAX_UPDATES_PER_MESSAGE) {
    throw new SoftPartitionError('BAD_MESSAGE', `${swim.updates.length} updates; at most ${MAX_UPDATES_PER_MESSAGE}`)
  }
  for (const update of swim.updates) checkUpdate(update)
}

const Swim = dscs.soft_partition.v1.Swim
const EMPTY = new Uint8Array(0)

// Nested messages decode with optional fields: each becomes a plain UpdatePayload, absent fields their proto3 defaults.
const swimCodec: PayloadCodec<SwimPayload> = {
  encode: (value) => Swim.encode(value).finish(),
  decode: (bytes) => {
    const { type, seq, target, updates } = Swim.decode(bytes)
    return {
      type,
      seq,
      target,
      updates: updates.map((u) => ({
        member: u.member ?? '',
        publicKey: u.publicKey ?? EMPTY,
        incarnation: u.incarnation ?? 0,
        state: u.state ?? 0,
        signature: u.signature ?? EMPTY,
        accuser: u.accuser ?? ''
      }))
    }
  }
}

/** The `Swim` payload kind; register it with a `PayloadRegistry` to decode these envelopes elsewhere. */
export const SwimPayload = definePayloadKind<SwimPayload>(`${KIND_PREFIX}Swim`, swimCodec, {
  maxBytes: MAX_PAYLOAD_BYTES,
  // The updates are the one repeated field; the scan refuses more before decoding them.
  maxRepeated: MAX_UPDATES_PER_MESSAGE,
  validate: checkSwim
})

/** Application data for `target`, signed by `origin`, sent directly (`relay` empty) or through the member `relay`. */
export interface RelayedPayload {
  readonly origin: string
  readonly target: string
  readonly relay: string
  readonly data: Uint8Array
}

function checkRelayed(relayed: RelayedPayload): void {
  if (relayed.origin.length === 0 || relayed.target.length === 0) throw new SoftPartitionError('BAD_MESSAGE', 'a relayed message names its origin and target')
  checkPeerId(relayed.origin, 'origin')
  checkPeerId(relayed.target, 'target')
  checkPeerId(relayed.relay, 'relay')
  if (relayed.data.length > MAX_RELAY_DATA_BYTES) throw new SoftPartitionError('BAD_MESSAGE', `${relayed.data.length} bytes of data; at most ${MAX_RELAY_DATA_BYTES}`)
}

const Relayed = dscs.soft_partition.v1.Relayed

/** The `Relayed` payload kind: data between members, through at most one relay. */
export const RelayedPayload = definePayloadKind<RelayedPayload>(
  `${KIND_PREFIX}Relayed`,
  {
    encode: (value) => Relayed.encode(value).finish(),
    decode: (bytes) => {
      const { origin, target, relay, data } = Relayed.decode(bytes)
      return { origin, target, relay, data }
    }
  },
  { maxBytes: MAX_PAYLOAD_BYTES, validate: checkRelayed }
)
