import type { TrustPow as TrustPowApi, TrustPowComponents, TrustPowInit } from './index.js'
import { Stamps } from './stamps/service.js'

/**
 * The service behind {@link trustPow}: each part of the package (the stamps;
 * the chain) runs on the node's components and starts and stops with it.
 */
export class TrustPowService implements TrustPowApi {
  readonly [Symbol.toStringTag] = '@dscs/trust-pow'
  readonly stamps: Stamps

  constructor(components: TrustPowComponents, init: TrustPowInit = {}) {
    this.stamps = new Stamps(components, init.stamps)
  }

  start(): void {
    this.stamps.start()
  }

  stop(): void {
    this.stamps.stop()
  }
}
