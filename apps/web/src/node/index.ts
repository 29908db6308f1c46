/**
 * @packageDocumentation
 *
 * The Node side of the playground: the relay node browsers join, the page
 * built and served, the whole in a loopback-only network namespace for tests
 * and benchmarks, and Chromium pages opened as players.
 */
export { startRelay } from './relay.js'
export type { Relay, RelayOptions } from './relay.js'
export { startPlayground, APP_DIR } from './playground.js'
export type { Playground, PlaygroundOptions } from './playground.js'
export { startIsolatedPlayground } from './netns.js'
export type { IsolatedPlayground } from './netns.js'
export { openPlayers, connectDirect, awaitDirect, awaitTopicMesh, inRoom } from './players.js'
export type { Players } from './players.js'
