// Known answers: RFC 9162 §2.1.5's 7-leaf example (proof shapes) and the Certificate Transparency reference
// vectors (8 leaves, their roots, inclusion and consistency proofs) as published in google/certificate-transparency
// (go/merkletree/merkle_tree_test.go) and transparency-dev/merkle (proof/verify_test.go); both list the same values.
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nativeSha256 } from '../src/node/native-sha256.js'
import {
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootAt,
  rootHash,
  setLogSha256,
  verifyConsistency,
  verifyInclusion,
  type Sha256
} from '../src/index.js'
import { fromHex, levelsOf, sourceOf, toHex } from './log-helpers.js'

const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex)

/** CT_ROOTS[n - 1] is the root of the first n leaves. */
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]

const EMPTY_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

// The references number leaves from 1; these are 0-based indices.
const CT_INCLUSION = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'
    ]
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'
    ]
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'
    ]
  }
]

const CT_CONSISTENCY = [
  { oldSize: 1, newSize: 1, proof: [] },
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'
    ]
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'
    ]
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'
    ]
  }
]

const noble: Sha256 = (data) => sha256(data)
const source = sourceOf(levelsOf(CT_LEAVES))

describe.each([
  ['@noble/hashes', noble],
  ['node:crypto', nativeSha256]
])('the Certificate Transparency reference vectors, hashing with %s', (_name, backend) => {
  beforeAll(() => setLogSha256(backend))
  afterAll(() => setLogSha256(noble))

  it('gives the empty tree SHA-256 of nothing', () => {
    expect(toHex(emptyRoot())).toBe(EMPTY_ROOT)
    expect(toHex(rootHash([]))).toBe(EMPTY_ROOT)
    expect(toHex(rootAt(0, source))).toBe(EMPTY_ROOT)
  })

  it('gives every size from 1 to 8 its reference root', () => {
    for (let size = 1; size <= 8; size++) {
      expect(toHex(rootHash(CT_LEAVES.slice(0, size)))).toBe(CT_ROOTS[size - 1])
      expect(toHex(rootAt(size, source))).toBe(CT_ROOTS[size - 1])
    }
  })

  it.each(CT_INCLUSION)('produces and verifies the inclusion proof of leaf $index in $size', ({ index, size, proof }) => {
    expect(inclusionProof(index, size, source).map(toHex)).toEqual(proof)
    expect(verifyInclusion(leafHash(CT_LEAVES[index]!), index, size, proof.map(fromHex), fromHex(CT_ROOTS[size - 1]!))).toBe(true)
  })

  it.each(CT_CONSISTENCY)('produces and verifies the consistency proof from $oldSize to $newSize', ({ oldSize, newSize, proof }) => {
    expect(consistencyProof(oldSize, newSize, source).map(toHex)).toEqual(proof)
    expect(verifyConsistency(oldSize, newSize, fromHex(CT_ROOTS[oldSize - 1]!), fromHex(CT_ROOTS[newSize - 1]!), proof.map(fromHex))).toBe(true)
  })
})

describe("RFC 9162 §2.1.5's example tree of 7 leaves", () => {
  const d = Array.from({ length: 7 }, (_, i) => new TextEncoder().encode(`d${i}`))
  const [a, b, c, dd, e, f, j] = d.map(leafHash) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  const g = nodeHash(a, b)
  const h = nodeHash(c, dd)
  const i = nodeHash(e, f)
  const k = nodeHash(g, h)
  const l = nodeHash(i, j)
  const root = nodeHash(k, l)
  const tree = sourceOf(levelsOf(d))

  it('has the root the figure draws', () => {
    expect(rootHash(d)).toEqual(root)
    expect(rootAt(7, tree)).toEqual(root)
  })

  it.each([
    { leaf: 0, proof: [b, h, l] },
    { leaf: 3, proof: [c, g, l] },
    { leaf: 4, proof: [f, j, k] },
    { leaf: 6, proof: [i, k] }
  ])('proves d$leaf with the path the RFC lists', ({ leaf, proof }) => {
    expect(inclusionProof(leaf, 7, tree)).toEqual(proof)
    expect(verifyInclusion(leafHash(d[leaf]!), leaf, 7, proof, root)).toBe(true)
  })

  it.each([
    { oldSize: 3, proof: [c, dd, g, l] },
    { oldSize: 4, proof: [l] },
    { oldSize: 6, proof: [i, j, k] }
  ])('proves the tree of $oldSize leaves a prefix with the proof the RFC lists', ({ oldSize, proof }) => {
    expect(consistencyProof(oldSize, 7, tree)).toEqual(proof)
    expect(verifyConsistency(oldSize, 7, rootHash(d.slice(0, oldSize)), root, proof)).toBe(true)
  })
})

describe('the SHA-256 backends', () => {
  it('agree on every input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => toHex(nativeSha256(data)) === toHex(noble(data))))
  })
})
