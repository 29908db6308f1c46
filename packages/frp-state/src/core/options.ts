import { FrpStateError } from './errors.js'

/** `value`, or `fallback` when it is undefined; INVALID_OPTION unless it is a positive number. */
export function positiveOption(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new FrpStateError('INVALID_OPTION', `${option} must be a positive number, got ${value}`)
  return value
}
