/**
 * @packageDocumentation
 *
 * DSCS on libp2p. In Node, {@link createNode} starts a node with the DSCS
 * defaults (TCP and WebSockets on loopback, Noise, Yamux, identify, ping,
 * gossipsub without its own signatures, WebRTC and circuit relay, optional
 * kad-dht and bootstrap), its identity kept in an encrypted keystore and its
 * peer store and data in LevelDB. {@link Libp2pNet} is the `Net` port on
 * libp2p: framed envelopes on `/dscs/...` streams, gossipsub topics whose
 * validators open every envelope, per-peer rationing in front of every
 * handler. {@link protocolService} and {@link CoreDriver} are how protocol
 * packages run their sans-I/O cores on it.
 *
 * @example
 * ```ts
 * import { createEnvelope, encodeEnvelope } from '@dscs/wire'
 * import { signEnvelope } from '@dscs/identity'
 * import { createNode } from '@dscs/net'
 *
 * const a = await createNode()
 * const b = await createNode({ bootstrap: a.multiaddrs() })
 * a.net.subscribe('chat', ({ from, bytes }) => { console.log('from', from, bytes.length); return 'accept' })
 * b.net.subscribe('chat', () => 'accept')
 * const envelope = signEnvelope(b.identity, createEnvelope({
 *   kind: 'chat.Message', payload: new TextEncoder().encode('hi'), author: b.identity.publicKey, timestamp: Date.now()
 * }))
 * await b.net.publish('chat', encodeEnvelope(envelope))
 * await b.stop(); await a.stop()
 * ```
 */
export { NetError } from './errors.js'
export type { NetErrorCode } from './errors.js'
export { Rationing, DEFAULT_RATIONING } from './rationing.js'
export type { RationingOptions, RationingVerdict } from './rationing.js'
export { Libp2pNet } from './libp2p-net.js'
export type { DscsNetInit, DscsNetComponents, PeerPenalties } from './libp2p-net.js'
export { dscsGossipsub, gossipMessageId } from './gossip.js'
export { dscsNet, protocolService } from './service.js'
export type { ProtocolContext } from './service.js'
export { libp2pProviders } from './providers.js'
export type { ContentProviders, Provider, RoutedContent } from './providers.js'
export { CoreDriver, MAX_TIMER_MS, realTimers } from './driver.js'
export type { CoreDriverOptions, Timers } from './driver.js'
