import type { ProtocolId } from '@dscs/interface'

/** The protocol id of direct messages; its major version changes with every breaking wire change. */
export const PROTOCOL_ID: ProtocolId = '/dscs/soft-partition/1.0.0'

/** Every payload kind of this package starts with this prefix, so kinds never clash across packages. */
export const KIND_PREFIX = 'dscs.soft-partition.'

/** Most membership updates one message carries. */
export const MAX_UPDATES_PER_MESSAGE = 8

/** Longest peer id accepted in a message. */
export const MAX_PEER_ID_LENGTH = 128

/** Largest Swim payload accepted: eight updates of under 300 bytes each, with room for newer fields. */
export const MAX_PAYLOAD_BYTES = 3_072

/** Largest envelope sent or accepted: the payload plus the envelope's own fields and signature. */
export const MAX_ENVELOPE_BYTES = 4_096

/** What an alive update's signature covers starts with this, so it is never valid as any other signature. */
export const ALIVE_DOMAIN = 'dscs.soft-partition.alive.v1'

/** What a suspicion's signature (by its accuser) covers starts with this. */
export const SUSPECT_DOMAIN = 'dscs.soft-partition.suspect.v1'

/** Largest application data one Relayed message carries. */
export const MAX_RELAY_DATA_BYTES = 2_048

export const DEFAULT_PERIOD = 1_000
export const DEFAULT_PROBE_TIMEOUT = 300
export const DEFAULT_INDIRECT_PROBES = 3
export const DEFAULT_SUSPICION_MULTIPLIER = 4
export const DEFAULT_SUSPICION_MAX_MULTIPLIER = 3
export const DEFAULT_SUSPICION_CONFIRMATIONS = 3
export const DEFAULT_RETRANSMIT_MULTIPLIER = 6
export const DEFAULT_MAX_HEALTH = 8
export const DEFAULT_MAX_MEMBERS = 10_000
export const DEFAULT_MAX_NEW_SUSPICIONS = 4
export const DEFAULT_MAX_RELAYED_PER_PERIOD = 16
export const DEFAULT_DEGRADED_LOSS = 0.1
export const DEFAULT_MAX_CLOCK_SKEW = 60_000
export const DEFAULT_MAX_SEEN_ENVELOPES = 10_000
/** Probe outcomes remembered per peer, from which its loss is estimated. */
export const LINK_WINDOW = 16
/** Consecutive failed direct probes after which the direct path counts as cut. */
export const CUT_AFTER_FAILURES = 6
