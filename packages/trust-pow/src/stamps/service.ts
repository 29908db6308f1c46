import { CoreDriver, type Timers } from '@dscs/net'
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, CoreEffect, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { TrustPowError } from '../errors.js'
import { STAMPS_PROTOCOL_ID } from './constants.js'
import { StampDemandCore, type StampDemandEvent, type StampDemandOptions } from './demand-core.js'
import { stampAdmission } from './gate.js'
import { DifficultyPolicy, type DifficultyPolicyOptions, type TopicDemand } from './policy.js'

/** The stamp options of `trustPow`: which topics require stamps, how load raises them, and the demand protocol's limits. */
export interface StampsInit extends Partial<DifficultyPolicyOptions>, StampDemandOptions {}

/** What the stamps need from the node. */
export interface StampsComponents {
  /** The network port: `admit` on stamped topics, direct messages on `STAMPS_PROTOCOL_ID`, penalties. */
  readonly net: Net
  readonly identity: Identity
  readonly clock: Clock
  readonly timers: Timers
  readonly verificationCache?: VerificationCache
}

interface PendingQuery {
  readonly resolve: (topics: readonly TopicDemand[]) => void
  readonly reject: (error: TrustPowError) => void
}

/**
 * The stamps of a node, as the service runs them: the admission check on
 * every stamped topic (through `Net.admit`, before signatures), and the
 * demand protocol that tells peers what the node asks for.
 */
export class Stamps {
  /** What this node demands; its load rises with every stamped envelope checked. */
  readonly policy: DifficultyPolicy
  readonly #components: StampsComponents
  readonly #core: StampDemandCore
  readonly #driver: CoreDriver<StampDemandEvent>
  readonly #pending = new Map<string, PendingQuery>()
  // The query each send belongs to, so a failed send fails its query at once instead of at its timeout.
  readonly #sends = new WeakMap<CoreEffect<StampDemandEvent>, string>()
  #admissions: Unsubscribe[] = []
  #running = false

  constructor(components: StampsComponents, init: StampsInit = {}) {
    this.#components = components
    this.policy = new DifficultyPolicy({ ...init, topics: init.topics ?? {} })
    this.#core = new StampDemandCore({
      ...init,
      identity: components.identity,
      policy: this.policy,
      verificationCache: components.verificationCache,
      randomBytes: (length) => crypto.getRandomValues(new Uint8Array(length))
    })
    this.#driver = new CoreDriver({
      core: this.#core,
      net: components.net,
      clock: components.clock,
      timers: components.timers,
      protocols: [STAMPS_PROTOCOL_ID],
      onEvent: (event) => this.#settle(event.id, event.type === 'demand' ? event.topics : new TrustPowError('TIMEOUT', `${event.peer} did not answer in time`)),
      onEffectError: (effect, error) => this.#onEffectError(effect, error)
    })
  }

  start(): void {
    const { net } = this.#components
    const topics = this.policy.topics()
    if (topics.length > 0 && net.admit === undefined) throw new TrustPowError('UNSUPPORTED', 'this Net cannot check stamps before signatures: it has no admit')
    const check = stampAdmission(this.policy)
    this.#admissions = topics.map((topic) => net.admit!(topic, check))
    this.#driver.start()
    this.#running = true
  }

  stop(): void {
    this.#running = false
    for (const unadmit of this.#admissions) unadmit()
    this.#admissions = []
    this.#driver.stop()
    for (const id of [...this.#pending.keys()]) {
      this.#core.cancel(id)
      this.#settle(id, new TrustPowError('NOT_RUNNING', 'the service stopped before the answer arrived'))
    }
  }

  /** What this node demands right now, on each stamped topic. */
  demand(): TopicDemand[] {
    return this.policy.advertise(this.#components.clock.now())
  }

  /** Asks `peer` what it demands right now: mint at `untrustedBits` unless it trusts you. */
  async ask(peer: PeerRef): Promise<readonly TopicDemand[]> {
    if (!this.#running) throw new TrustPowError('NOT_RUNNING', 'start the service (or its node) before asking: answers arrive through its handler')
    const { id, effects } = this.#core.query(peer, this.#components.clock.now())
    const answer = new Promise<readonly TopicDemand[]>((resolve, reject) => this.#pending.set(id, { resolve, reject }))
    for (const effect of effects) this.#sends.set(effect, id)
    this.#driver.apply(effects)
    return await answer
  }

  #settle(id: string, outcome: readonly TopicDemand[] | TrustPowError): void {
    const pending = this.#pending.get(id)
    this.#pending.delete(id)
    if (outcome instanceof TrustPowError) pending?.reject(outcome)
    else pending?.resolve(outcome)
  }

  // A failed answer needs no handling: the asker's query times out, as it would on a lost packet.
  #onEffectError(effect: CoreEffect<StampDemandEvent>, error: unknown): void {
    const id = this.#sends.get(effect)
    if (id === undefined || effect.type !== 'send') return
    this.#core.cancel(id)
    this.#driver.apply([]) // the core's next deadline may have moved
    this.#settle(id, new TrustPowError('SEND_FAILED', `could not ask ${effect.to}`, { cause: error }))
  }
}
