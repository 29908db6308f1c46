import type { TransferProgress } from '@dscs/chunk-distribution'
import type { Output } from './output.js'
import { formatProgress } from './progress-bar.js'

/** How a download shows its progress: one line redrawn in place (a terminal), a line now and then (a log), or JSON events. */
export type ProgressStyle = 'bar' | 'lines' | 'json'

export interface ProgressReportOptions {
  readonly style: ProgressStyle
  /** Where the bar and the lines go (standard error). */
  readonly write: (text: string) => void
  /** Where JSON events go. */
  readonly out: Output
  readonly now?: () => number
}

// A terminal redraws cheaply; a log or a program wants a line a second at most.
const INTERVAL_MS: Record<ProgressStyle, number> = { bar: 100, lines: 1000, json: 1000 }

/** Shows progress reports of `fetch`, at most one per interval, the last one always. */
export class ProgressReport {
  readonly #options: ProgressReportOptions
  readonly #now: () => number
  #shownAt = -Infinity
  #drawn = false

  constructor(options: ProgressReportOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  update(progress: TransferProgress): void {
    const now = this.#now()
    if (progress.percent < 100 && now - this.#shownAt < INTERVAL_MS[this.#options.style]) return
    this.#shownAt = now
    const { style, write, out } = this.#options
    if (style === 'json') out.event('progress', { ...progress }, formatProgress(progress))
    else if (style === 'lines') write(`${formatProgress(progress, 0)}\n`)
    else {
      // Back to the start of the line, the line, then clear what a longer previous line left.
      write(`\r${formatProgress(progress)}\x1b[K`)
      this.#drawn = true
    }
  }

  /** Ends the bar's line, so what follows starts on a line of its own. */
  finish(): void {
    if (this.#drawn) this.#options.write('\n')
    this.#drawn = false
  }
}
