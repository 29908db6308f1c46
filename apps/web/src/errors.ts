import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link WebError}. */
export type WebErrorCode =
  /** An option is out of range (a settle window, a bound). */
  | 'INVALID_OPTION'
  /** The relay address given to the page is not a multiaddr with `/p2p/`. */
  | 'BAD_RELAY_ADDRESS'
  /** No relay given to the page would hold a circuit-relay reservation. */
  | 'NO_RELAY'
  /** A round trip's answer (another player's move) did not arrive in time. */
  | 'NO_ANSWER'

/** A browser peer or playground failure, with a stable code. */
export class WebError extends DscsCodedError<WebErrorCode> {}
