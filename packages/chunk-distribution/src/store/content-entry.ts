import { Bitfield } from '../core/bitfield.js'
import { checkContentId, contentKey } from '../core/content-id.js'
import { ChunkError } from '../core/errors.js'
import type { Manifest } from '../core/manifest.js'
import { MerkleNodes, type VerifiedPath } from '../core/tree.js'
import { ChunkVerifier, provenFor } from '../core/verify.js'

/** Default of `ChunkStoreOptions.maxChunks`. */
export const DEFAULT_MAX_CHUNKS = 2 ** 20

/** Refuses a manifest that is not its id's, or has more chunks than `maxChunks`; returns its verifier. */
export function admitManifest(manifest: Manifest, maxChunks: number): ChunkVerifier {
  checkContentId(manifest.cid, manifest)
  const verifier = new ChunkVerifier(manifest)
  if (verifier.layout.chunkCount > maxChunks) {
    throw new ChunkError('CONTENT_TOO_LARGE', `content of ${verifier.layout.chunkCount} chunks; this store takes at most ${maxChunks}`)
  }
  return verifier
}

/**
 * What a store knows of one content in memory, whatever keeps its bytes: the
 * manifest, the known tree nodes and the held chunks. Chunks come in only
 * through {@link verify} then {@link record}.
 */
export class ContentEntry {
  manifest: Manifest
  readonly key: string
  readonly verifier: ChunkVerifier
  readonly nodes: MerkleNodes
  readonly held: Bitfield

  constructor(manifest: Manifest, verifier: ChunkVerifier, nodes?: MerkleNodes, held?: Bitfield) {
    this.manifest = manifest
    this.key = contentKey(manifest.cid)
    this.verifier = verifier
    this.nodes = nodes ?? MerkleNodes.forRoot(verifier.shape, manifest.root)
    this.held = held ?? new Bitfield(verifier.layout.chunkCount)
  }

  /**
   * Verifies `data` as chunk `index`, with `proof` or else with the siblings
   * known here (`PROOF_REQUIRED` when one is not); a path a verifier proved
   * for these bytes already is taken without hashing them again.
   */
  verify(index: number, data: Uint8Array, proof?: Uint8Array | VerifiedPath): VerifiedPath {
    this.verifier.layout.checkIndex(index)
    if (proof !== undefined && !(proof instanceof Uint8Array)) {
      if (proof.index === index && provenFor(proof, data, this.manifest.root)) return proof
      proof = proof.proof
    }
    const siblings = proof ?? this.nodes.proof(index)
    if (siblings === undefined) throw new ChunkError('PROOF_REQUIRED', `chunk ${index} came without a proof, and its siblings are not known here`)
    return this.verifier.verify(index, data, siblings)
  }

  /** Marks a verified chunk held and learns its path; returns the node slots learned. */
  record(verified: VerifiedPath): number[] {
    const learned = this.nodes.absorb(verified)
    this.held.set(verified.index)
    return learned
  }
}
