/** One sample of a Prometheus metric: `name{labels} value`. */
export interface MetricSample {
  readonly name: string
  readonly help: string
  readonly type: 'gauge' | 'counter'
  readonly value: number
  readonly labels?: Readonly<Record<string, string>>
}

// Label values are quoted strings in the exposition format: these three characters need escaping there.
const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/** The Prometheus text exposition format (version 0.0.4) of `samples`, one HELP and TYPE line per metric name. */
export function prometheusText(samples: readonly MetricSample[]): string {
  const lines: string[] = []
  const described = new Set<string>()
  for (const sample of [...samples].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!described.has(sample.name)) {
      described.add(sample.name)
      lines.push(`# HELP ${sample.name} ${sample.help}`, `# TYPE ${sample.name} ${sample.type}`)
    }
    const labels = Object.entries(sample.labels ?? {})
    const labelText = labels.length === 0 ? '' : `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`
    lines.push(`${sample.name}${labelText} ${Number.isFinite(sample.value) ? sample.value : 'NaN'}`)
  }
  return `${lines.join('\n')}\n`
}
