/** The parameters retargeting follows. */
export interface RetargetParams {
  readonly powLimit: bigint
  /** Wanted ms between blocks. */
  readonly blockInterval: number
  /** Blocks per period: the target changes only at heights that are multiples of it. */
  readonly retargetInterval: number
}

/**
 * Bitcoin-style retargeting: the target of a block at height h is its
 * parent's, except when h is a multiple of the period N, where it is scaled by
 * how long the last N−1 intervals took (parent's timestamp minus that of the
 * block at h−N) against N−1 wanted intervals, the factor clamped to [¼, 4] so
 * no period swings difficulty far, and capped at `powLimit`.
 * `timestampAt(height)` reads the branch being extended.
 */
export function nextTarget(
  parent: { readonly height: number; readonly target: bigint; readonly timestamp: number },
  timestampAt: (height: number) => number,
  params: RetargetParams
): bigint {
  const height = parent.height + 1
  const n = params.retargetInterval
  if (height % n !== 0 || height < n) return parent.target
  const expected = BigInt((n - 1) * params.blockInterval)
  const span = BigInt(parent.timestamp - timestampAt(height - n))
  const clamped = span < expected / 4n ? expected / 4n : span > expected * 4n ? expected * 4n : span
  const target = (parent.target * clamped) / expected
  return target > params.powLimit ? params.powLimit : target < 1n ? 1n : target
}
