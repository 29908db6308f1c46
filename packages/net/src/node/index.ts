/**
 * @packageDocumentation
 *
 * The Node entry of @dscs/net: everything the portable entry offers, plus
 * {@link createNode}, which listens on TCP and keeps its data on disk. Node
 * picks this entry automatically through the `node` export condition.
 */
export * from '../index.js'
export { createNode, DEFAULT_LISTEN, ALL_TRANSPORTS } from './create-node.js'
export type { NodeOptions, DscsNode, TransportName } from './create-node.js'
