export { leafHash, nodeHash, emptyRoot, setLogSha256, HASH_BYTES } from './hash.js'
export type { Sha256 } from './hash.js'
export { LogError } from './errors.js'
export type { LogErrorCode } from './errors.js'
export { Frontier } from './frontier.js'
export type { Subtree, LeafRange } from './geometry.js'
export {
  rootHash,
  rootAt,
  inclusionProof,
  consistencyProof,
  inclusionSubtrees,
  consistencySubtrees,
  rootSubtrees
} from './proof.js'
export type { SubtreeSource } from './proof.js'
export { verifyInclusion, verifyConsistency } from './verify.js'
export type { MerkleLog, TreeState } from './types.js'
export { StoreMerkleLog } from './store-log.js'
export type { StoreMerkleLogOptions } from './store-log.js'
