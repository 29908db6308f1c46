import type { OpPosition } from './hlc.js'

/** What the trust policy has said about an op. */
export type OpStatus = 'pending' | 'confirmed' | 'nullified'

/**
 * A verified op: a signed envelope whose payload the application defines,
 * placed in the canonical order by its HLC time (the envelope's `timestamp`
 * and `seq`), author and id.
 */
export interface Op<Payload = unknown> extends OpPosition {
  /** The envelope hash in hex: names the op in events and to the trust policy. */
  readonly key: string
  /** The payload, decoded by the application's codec. */
  readonly payload: Payload
  /** The signed envelope as received or sent: what is stored and re-sent to peers. */
  readonly envelope: Uint8Array
}
