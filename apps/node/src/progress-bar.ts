import type { TransferProgress } from '@dscs/chunk-distribution'

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const

/** Bytes in binary units: `512 B`, `1.5 KiB`, `3.0 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`
}

/** Seconds as `7s`, `2m05s`, `3h04m`; `--` while unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.ceil(seconds)
  if (s < 60) return `${s}s`
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`
  return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`
}

/**
 * One line of a download's progress, e.g.
 * ` 42.0% [##########--------------] 1.3 MiB / 3.0 MiB  512.0 KiB/s  2 peers  ETA 3s`;
 * the bar is left out when `width` is 0.
 */
export function formatProgress(progress: TransferProgress, width = 24): string {
  const fraction = Math.min(1, Math.max(0, progress.percent / 100))
  const filled = Math.floor(fraction * width)
  const bar = width === 0 ? '' : ` [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`
  const size = progress.size === undefined ? '?' : formatBytes(progress.size)
  const peers = `${progress.peers} ${progress.peers === 1 ? 'peer' : 'peers'}`
  return `${(fraction * 100).toFixed(1).padStart(5)}%${bar} ${formatBytes(progress.bytes)} / ${size}  ${formatBytes(progress.rate)}/s  ${peers}  ETA ${formatDuration(progress.eta)}`
}
