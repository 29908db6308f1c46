import { peerIdOfPublicKey, type Identity, type VerificationCache } from '@dscs/identity'
import type { PeerRef } from '@dscs/interface'
import { positive } from '../transfer/options.js'

/** The tunables of provider discovery; every one has a default. */
export interface DiscoveryLimits {
  /** Announce availability on the topic (and answer seekers there). Default true. */
  readonly announce?: boolean
  /** Least time between two announcements of one content, the one on completion excepted, ms. Default 5 s. */
  readonly announceInterval?: number
  /** A download re-announces that it seeks holders this often even when it holds nothing new, ms. Default 15 s. */
  readonly seekInterval?: number
  /** Announcements this node sends per second over all its content (bursts of 4 s worth). Default 4. */
  readonly announcementsPerSecond?: number
  /** Announcements taken from one author per second (bursts of 4 s worth); more are dropped, not relayed. Default 8. */
  readonly authorAnnouncementsPerSecond?: number
  /** Dials to announced or found providers in flight at once, over all downloads. Default 4. */
  readonly maxDialsInFlight?: number
  /** Providers dialled for one download, whatever the outcome: what announcements can make this node do. Default 16. */
  readonly maxDialsPerContent?: number
}

export interface DiscoveryOptions extends DiscoveryLimits {
  /** This node's key: it signs the announcements. */
  readonly identity: Identity
  /** This node's peer. */
  readonly self: PeerRef
  /** Where this node listens, told in its announcements. Default: nowhere (peers dial it by id). */
  readonly addresses?: () => readonly string[]
  /** The peer of an announcement's signing key. Default: the libp2p PeerId of the key, as on a DSCS node. */
  readonly peerOf?: (publicKey: Uint8Array) => PeerRef
  /** Shared signature verdicts: an announcement the Net verified is not verified again. */
  readonly verificationCache?: VerificationCache
}

export type ResolvedDiscoveryOptions = Required<Omit<DiscoveryOptions, 'verificationCache'>> & Pick<DiscoveryOptions, 'verificationCache'>

/** Burst of a rate: this many seconds' worth. */
const BURST_SECONDS = 4

export function resolveDiscoveryOptions(options: DiscoveryOptions): ResolvedDiscoveryOptions {
  return {
    identity: options.identity,
    self: options.self,
    addresses: options.addresses ?? (() => []),
    peerOf: options.peerOf ?? ((key) => peerIdOfPublicKey(key).toString()),
    verificationCache: options.verificationCache,
    announce: options.announce ?? true,
    announceInterval: positive(options.announceInterval, 5_000, 'announceInterval'),
    seekInterval: positive(options.seekInterval, 15_000, 'seekInterval'),
    announcementsPerSecond: positive(options.announcementsPerSecond, 4, 'announcementsPerSecond'),
    authorAnnouncementsPerSecond: positive(options.authorAnnouncementsPerSecond, 8, 'authorAnnouncementsPerSecond'),
    maxDialsInFlight: positive(options.maxDialsInFlight, 4, 'maxDialsInFlight'),
    maxDialsPerContent: positive(options.maxDialsPerContent, 16, 'maxDialsPerContent')
  }
}

/** A token bucket of `perSecond` messages with a burst of {@link BURST_SECONDS} seconds' worth: [rate per ms, burst]. */
export function messageRate(perSecond: number): [number, number] {
  return [perSecond / 1000, perSecond * BURST_SECONDS]
}
