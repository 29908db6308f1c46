// The JSON results of a benchmark, in bench/results/ beside those of the other suites.
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform } from 'node:os'

/** Writes `bench/results/<suite>.json`: the package, suite, date and machine, then `figures`; prints its path. */
export async function writeResults(suite: string, figures: Record<string, unknown>): Promise<void> {
  const dir = new URL('../results/', import.meta.url)
  await mkdir(dir, { recursive: true })
  const machine = { node: process.version, platform: platform(), arch: arch(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }
  const file = new URL(`${suite}.json`, dir)
  await writeFile(file, `${JSON.stringify({ package: '@dscs/chunk-distribution', suite, date: new Date().toISOString(), machine, ...figures }, null, 2)}\n`)
  console.log(`  wrote ${file.pathname}`)
}
