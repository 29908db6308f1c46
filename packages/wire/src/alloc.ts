/**
 * Small byte arrays carved from a shared slab, as Node's Buffer pool does:
 * allocating a fresh ArrayBuffer per encoded message costs more than encoding
 * it. Results are views; their `.buffer` is the slab, so use `byteOffset` and
 * `byteLength` (or copy) when handing the memory to APIs that take buffers.
 */
const SLAB_BYTES = 64 * 1024
const MAX_POOLED = SLAB_BYTES / 8

let slab = new Uint8Array(SLAB_BYTES)
let offset = 0

export function allocBytes(size: number): Uint8Array {
  if (size > MAX_POOLED) return new Uint8Array(size)
  if (offset + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES)
    offset = 0
  }
  const view = slab.subarray(offset, offset + size)
  offset = (offset + size + 7) & ~7 // keep views 8-byte aligned
  return view
}
