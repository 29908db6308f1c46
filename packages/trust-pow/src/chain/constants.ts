import type { ProtocolId } from '@dscs/interface'

/** The protocol id of the chain's direct sync messages. */
export const CHAIN_PROTOCOL_ID: ProtocolId = '/dscs/trust-pow/chain/1.0.0'

/** Topics, one pair per chain network name so test and production chains never mix. */
export const blockTopic = (network: string): string => `/dscs/trust-pow/chain/${network}/blocks/1`
export const txTopic = (network: string): string => `/dscs/trust-pow/chain/${network}/txs/1`

/** A header's fixed layout: version u32 · parent 32 · height u64 · timestamp u64 · target 32 · Merkle root 32 · nonce u64. */
export const HEADER_BYTES = 124
export const HASH_BYTES = 32
/** Where the nonce sits in the header: last, so a miner rewrites 8 bytes per try. */
export const NONCE_OFFSET = HEADER_BYTES - 8
export const HEADER_VERSION = 1

export const DEFAULTS = {
  network: 'main',
  /** The easiest target allowed (and the genesis target): about 2^16 hashes per block. */
  powLimit: (1n << 240n) - 1n,
  genesisTimestamp: 1_700_000_000_000,
  /** Wanted time between blocks, ms. */
  blockInterval: 60_000,
  /** Blocks per retarget period. */
  retargetInterval: 32,
  /** Most a block's timestamp may lead this node's clock, ms. */
  maxFutureDrift: 120_000,
  /** Blocks whose timestamps' median a new block must be later than. */
  medianSpan: 11,
  /** A block announced on gossip travels in an envelope, which the network caps at 1 MiB by default. */
  maxBlockBytes: 1_048_576 - 4_096,
  maxBlockTxs: 4_096,
  maxTxBytes: 65_536,
  mempoolMaxTxs: 10_000,
  mempoolMaxBytes: 32 * 1_048_576,
  orphanMaxBlocks: 64,
  orphanMaxBytes: 8 * 1_048_576,
  maxHeadersPerMessage: 512,
  maxBlocksPerRequest: 16,
  /** Largest sync message either way: a Blocks answer holds at most this many bytes of blocks. */
  maxSyncMessageBytes: 4 * 1_048_576 + 1_024
} as const
