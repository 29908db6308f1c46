import { definePayloadKind, protobufCodec, type PayloadCodec } from '@dscs/wire'
import { dscs } from '../gen/stamps.js'
import { TrustPowError } from '../errors.js'
import { KIND_PREFIX, MAX_DEMAND_PAYLOAD_BYTES, MAX_STAMPED_TOPICS, MAX_TOPIC_LENGTH, QUERY_NONCE_BYTES } from './constants.js'
import type { TopicDemand } from './policy.js'
import { MAX_STAMP_BITS } from './search.js'

/** The payload of a demand query. */
export interface DemandQueryMessage {
  readonly nonce: Uint8Array
}

/** The payload of a demand answer. */
export interface DemandMessage {
  readonly nonce: Uint8Array
  readonly topics: TopicDemand[]
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== QUERY_NONCE_BYTES) throw new TrustPowError('BAD_DEMAND', `nonce of ${nonce.length} bytes; a nonce is ${QUERY_NONCE_BYTES} bytes`)
}

function checkDemand(demand: DemandMessage): void {
  checkNonce(demand.nonce)
  const seen = new Set<string>()
  for (const { topic, bits, untrustedBits } of demand.topics) {
    if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH || seen.has(topic)) {
      throw new TrustPowError('BAD_DEMAND', `topic ${JSON.stringify(topic.slice(0, 32))} is empty, too long or named twice`)
    }
    if (bits > MAX_STAMP_BITS || untrustedBits > MAX_STAMP_BITS || untrustedBits < bits) {
      throw new TrustPowError('BAD_DEMAND', `${topic} demands ${bits} and ${untrustedBits} bits: each at most ${MAX_STAMP_BITS}, untrusted never less`)
    }
    seen.add(topic)
  }
}

/** The `DemandQuery` payload kind: one field, never repeated. */
export const DemandQueryPayload = definePayloadKind<DemandQueryMessage>(
  `${KIND_PREFIX}DemandQuery`,
  protobufCodec<DemandQueryMessage>(dscs.trust_pow.v1.DemandQuery),
  { maxBytes: 64, maxRepeated: 1, validate: (query) => checkNonce(query.nonce) }
)

const Demand = dscs.trust_pow.v1.Demand

// Nested messages decode with optional fields: each becomes a plain TopicDemand, absent fields their proto3 defaults.
const demandCodec: PayloadCodec<DemandMessage> = {
  encode: (value) => Demand.encode(value).finish(),
  decode: (bytes) => {
    const { nonce, topics } = Demand.decode(bytes)
    return { nonce, topics: topics.map((t) => ({ topic: t.topic ?? '', bits: t.bits ?? 0, untrustedBits: t.untrustedBits ?? 0 })) }
  }
}

/** The `Demand` payload kind: at most one topic entry per stamped topic a node may have. */
export const DemandPayload = definePayloadKind<DemandMessage>(
  `${KIND_PREFIX}Demand`,
  demandCodec,
  { maxBytes: MAX_DEMAND_PAYLOAD_BYTES, maxRepeated: MAX_STAMPED_TOPICS, validate: checkDemand }
)
