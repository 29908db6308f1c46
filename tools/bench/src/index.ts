/**
 * @packageDocumentation
 *
 * The DSCS benchmark harness. Candidates run in interleaved rounds (A B C, A
 * B C, …) so drift on a shared, noisy machine hits all of them alike; each
 * figure is the median of its rounds. Every benchmark compares against an
 * anchor measured in the same run and prints the ratio beside its target.
 *
 * @example
 * ```ts
 * import { BenchSuite } from '@dscs/bench'
 *
 * const suite = new BenchSuite('@dscs/wire', 'envelope')
 * suite.add('protobuf', () => decode(encode(value)))
 * suite.add('JSON', () => JSON.parse(JSON.stringify(value)))
 * await suite.run()
 * suite.compare('protobuf vs JSON', 'protobuf', 'JSON', { atLeast: 3 })
 * await suite.save(new URL('./results/', import.meta.url))
 * ```
 */
export { BenchSuite } from './suite.js'
export { percentile } from './percentile.js'
export type { BenchResult, BenchRatio, RunOptions } from './suite.js'
