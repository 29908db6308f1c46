import type { Bound } from './bound.js'

/**
 * One range of a reconciliation message. Ranges are contiguous and
 * increasing: each starts where the one before it ends (the first at the start
 * of the order) and ends at its `upper` bound, exclusive; whatever follows the
 * last range is skipped.
 *
 * - `skip`: nothing to say about these ops (they matched, or are settled).
 * - `fingerprint`: the sender's fingerprint of its ops in the range; the
 *   receiver compares it with its own and, where they differ, answers by
 *   splitting or listing the range.
 * - `list`: the sender's ops in the range, as id prefixes, in order; the
 *   receiver now knows which of its ops the sender lacks, and answers with
 *   `need` for the listed ids it lacks.
 * - `need`: answers a `list` of the receiver's over exactly this range: bit
 *   `i` set when the sender lacks listed op `i`.
 */
export type SyncRange =
  | { readonly mode: 'skip'; readonly upper: Bound }
  | { readonly mode: 'fingerprint'; readonly upper: Bound; readonly fingerprint: Uint8Array }
  | { readonly mode: 'list'; readonly upper: Bound; readonly ids: readonly Uint8Array[] }
  | { readonly mode: 'need'; readonly upper: Bound; readonly bitmap: Uint8Array }

/*
 * Wire format (all varints unsigned LEB128; a message has no length field of
 * its own, its transport frames it):
 *
 *   message := version:u8 (= 1) · range*
 *   range   := header:u8 · bound? · body
 *   header  := bits 0-1 mode (0 skip, 1 fingerprint, 2 list, 3 need)
 *              bit 2  the upper bound is the end of the order (no bound follows)
 *              bit 3  the bound has a counter (else counter 0)
 *              bit 4  the bound has a key prefix (else none)
 *              bits 5-7 zero
 *   bound   := wallDelta:varint · counter:varint (bit 3) · prefixLength:u8 (1…64) · prefix (bit 4)
 *              wall = the previous bound's wall + wallDelta (0 before the first);
 *              prefix = the first bytes of author ‖ id, never ending in a zero byte
 *   body    := skip: nothing
 *              fingerprint: 16 bytes (see rangeFingerprint)
 *              list: count:varint (≤ 256) · count × 8-byte id prefixes
 *              need: length:varint (= ⌈listed / 8⌉) · bitmap, bit i of byte i >> 3 is 1 << (i & 7)
 *
 * Bounds strictly increase; nothing follows a range ending at the end of the
 * order. Limits, checked while reading: 256 KiB, 16,384 ranges.
 */

export const MODES = ['skip', 'fingerprint', 'list', 'need'] as const
export const MODE_BITS = 0b11
export const AT_END = 1 << 2
export const HAS_COUNTER = 1 << 3
export const HAS_PREFIX = 1 << 4
