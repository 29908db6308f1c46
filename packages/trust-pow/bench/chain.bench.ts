// @dscs/trust-pow chain benchmark: block validation throughput, signatures included (a block of 1,000 transactions
// decoded, its header, work and Merkle root checked, every transaction decoded, checked for duplicates and its
// signature verified, by a fresh core with no cached verdicts), beside its anchor in the same run: raw Ed25519
// verification of the same 1,000 signatures over their precomputed signing bytes.
// Run: pnpm --filter @dscs/trust-pow bench
import { BenchSuite } from '@dscs/bench'
import { identityFromSeed, signEnvelope, verify } from '@dscs/identity'
import { ChainCore, createBlock, decodeBlock, merkleRoot, searchNonce, encodeHeader, type BlockHeader } from '@dscs/trust-pow'
import { createEnvelope, decodeEnvelope, encodeEnvelope, hashSigned, signingBytes } from '@dscs/wire'

const TXS = 1_000
const T0 = 1_700_000_000_000
const POW_LIMIT = (1n << 252n) - 1n
const node = identityFromSeed(new Uint8Array(32).fill(200))
const settings = { identity: node, powLimit: POW_LIMIT, genesisTimestamp: T0 }

// Envelopes of 10 authors with 64-byte payloads: the shape of small application ops.
const authors = Array.from({ length: 10 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const txs = Array.from({ length: TXS }, (_, i) => {
  const author = authors[i % authors.length]!
  const payload = new Uint8Array(64).fill(i & 255)
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'bench.Op', payload, author: author.publicKey, timestamp: T0 + i, seq: i })))
})
const opened = txs.map((bytes) => {
  const envelope = decodeEnvelope(bytes)
  const signing = signingBytes(envelope)
  return { envelope, signing, hash: hashSigned(signing, envelope.signature) }
})

const template = new ChainCore(settings).template(T0 + 60_000).header
const header: BlockHeader = { ...template, merkleRoot: merkleRoot(opened.map((tx) => tx.hash)) }
const block = createBlock({ ...header, nonce: searchNonce(encodeHeader(header), header.target, 0, 1_000_000)! }, txs)
console.log(`a block of ${TXS} transactions, ${block.bytes.length} bytes`)

const suite = new BenchSuite('@dscs/trust-pow', 'chain')
suite.add('validate a block (signatures included)', () => {
  const core = new ChainCore(settings)
  core.restore(decodeBlock(block.bytes, core.settings), T0 + 120_000)
  if (core.tip.id !== block.id) throw new Error('the block did not validate')
})
suite.add('anchor: raw verify of the same signatures', () => {
  for (const { envelope, signing } of opened) if (!verify(envelope.author, signing, envelope.signature)) throw new Error('a signature did not verify')
})
const results = await suite.run()
for (const result of results) console.log(`${result.name}: ${Math.round(result.opsPerSecond * TXS).toLocaleString('en')} transactions/s`)
suite.compare('block validation vs raw verify', 'validate a block (signatures included)', 'anchor: raw verify of the same signatures')
await suite.save(new URL('./results/', import.meta.url))
