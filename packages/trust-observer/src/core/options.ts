import { ObserverError } from './errors.js'

/** `value`, or `fallback` when it is absent; INVALID_OPTION unless a positive safe integer. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) throw new ObserverError('INVALID_OPTION', `${name} must be a positive integer`)
  return resolved
}
