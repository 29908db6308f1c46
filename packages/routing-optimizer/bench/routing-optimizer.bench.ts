// Measures a whole ping round trip through two cores (seal, open with the replay guard, verify, both ways)
// against its anchor, the same Ed25519 work alone, measured in the same run; writes the figures to bench/results/.
// Node runs this file as it is (type stripping), so it imports the built package and names .ts files in full.
import { mkdirSync, writeFileSync } from 'node:fs'
import { generateIdentity, sign, verify } from '@dscs/identity'
import { RoutingOptimizerCore } from '@dscs/routing-optimizer'
import { sentBytes } from '@dscs/test-support'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2_000)

function microsPerRun(label: string, run: () => void): number {
  for (let i = 0; i < Math.ceil(ITERATIONS / 10); i++) run() // warm-up
  const start = performance.now()
  for (let i = 0; i < ITERATIONS; i++) run()
  const micros = ((performance.now() - start) * 1_000) / ITERATIONS
  console.log(`${label}: ${micros.toFixed(1)} µs`)
  return micros
}

const randomBytes = (length: number): Uint8Array => crypto.getRandomValues(new Uint8Array(length))
const alice = new RoutingOptimizerCore({ identity: generateIdentity(), randomBytes })
const bob = new RoutingOptimizerCore({ identity: generateIdentity(), randomBytes })
let now = 0
const roundTrip = microsPerRun('ping round trip', () => {
  now += 1
  const pong = sentBytes(bob.receive('alice', sentBytes(alice.ping('bob', now).effects), now))
  if (alice.receive('bob', pong, now)[0]?.type !== 'emit') throw new Error('the pong did not settle the ping')
})

// The same signatures on the same backend the cores use (node:crypto's, through the Node entry of @dscs/identity).
const keys = generateIdentity()
const message = new Uint8Array(128)
const anchor = microsPerRun('anchor: 2 Ed25519 signs and verifies', () => {
  for (let i = 0; i < 2; i++) {
    if (!verify(keys.publicKey, message, sign(keys.secretKey, message))) throw new Error('the anchor signature did not verify')
  }
})

const ratio = roundTrip / anchor
console.log(`ratio to anchor: ${ratio.toFixed(2)} (${ITERATIONS} iterations)`)
const results = new URL('results/', import.meta.url)
mkdirSync(results, { recursive: true })
writeFileSync(
  new URL('routing-optimizer.json', results),
  `${JSON.stringify({ benchmark: 'ping round trip', iterations: ITERATIONS, roundTripMicros: roundTrip, anchorMicros: anchor, ratio }, null, 2)}\n`
)
