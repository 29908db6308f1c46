import type { EnvelopeAdmission, TopicAdmission } from '@dscs/interface'
import type { DifficultyPolicy } from './policy.js'
import { checkStamp } from './stamp.js'

/**
 * The admission check a node runs on stamped topics (`Net.admit`): counts the
 * envelope towards the load, then refuses it with `INSUFFICIENT_WORK` unless
 * its stamp has the bits the policy demands of its author. One hash, before
 * the signature.
 */
export function stampAdmission(policy: DifficultyPolicy): TopicAdmission {
  return (envelope: EnvelopeAdmission) => {
    policy.observe(envelope.now)
    checkStamp(envelope.signingBytes, envelope.stamp, policy.demand(envelope.topic, envelope.author, envelope.now))
  }
}
