// Runs before libp2p's WebRTC transport is evaluated: it reads RTCPeerConnection once, as it loads.
import { installRtcWatch } from './rtc-watch.js'

/** The page's settings, from its URL. */
export const params = new URLSearchParams(location.search)

/**
 * `?loopback=1`: WebRTC over 127.0.0.1 only, how the tests run (every player
 * in one Chromium on a machine whose other interfaces they must not use).
 */
export const loopbackOnly = params.get('loopback') === '1'

installRtcWatch(loopbackOnly)
