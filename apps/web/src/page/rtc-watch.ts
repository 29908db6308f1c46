/** The ICE candidate pair a WebRTC connection settled on, as Chromium reports it. */
export interface SelectedPair {
  readonly local: string
  readonly remote: string
  readonly localType: string
  readonly remoteType: string
  readonly protocol: string
}

const open = new Set<RTCPeerConnection>()

/** The address of an ICE candidate line (`candidate:… udp <priority> <address> <port> typ …`). */
export function candidateAddress(candidate: string): string | undefined {
  return candidate.replace(/^a=/, '').split(' ')[4]
}

/** Keeps end-of-candidates markers and loopback candidates only. */
function loopback(candidate: RTCIceCandidateInit | RTCIceCandidate | null | undefined): boolean {
  if (candidate === null || candidate === undefined || candidate.candidate === undefined || candidate.candidate === '') return true
  return candidateAddress(candidate.candidate) === '127.0.0.1'
}

/**
 * Replaces the page's RTCPeerConnection (before libp2p's WebRTC transport
 * reads it) with one that records every peer connection, so the page can
 * show which candidate pair carries each, and, with `loopbackOnly`, neither
 * offers nor accepts any candidate but 127.0.0.1: Chromium gathers the
 * machine's other interfaces too, and a relay on loopback means every
 * player is on this machine.
 */
export function installRtcWatch(loopbackOnly: boolean): void {
  const Base = globalThis.RTCPeerConnection
  class WatchedPeerConnection extends Base {
    constructor(configuration?: RTCConfiguration) {
      super(configuration)
      open.add(this)
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'closed' || this.connectionState === 'failed') open.delete(this)
      })
    }

    override set onicecandidate(handler: RTCPeerConnection['onicecandidate']) {
      super.onicecandidate = handler === null || !loopbackOnly ? handler : (event) => void (loopback(event.candidate) && handler.call(this, event))
    }

    override get onicecandidate(): RTCPeerConnection['onicecandidate'] {
      return super.onicecandidate
    }

    override addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void> {
      return !loopbackOnly || loopback(candidate) ? super.addIceCandidate(candidate ?? undefined) : Promise.resolve()
    }
  }
  globalThis.RTCPeerConnection = WatchedPeerConnection
}

/**
 * Chromium offers only the default route's address as an ICE candidate
 * until the page may use a microphone or camera; then it offers every
 * interface, loopback included (with `--allow-loopback-in-peer-connection`).
 * A test grants that with a fake device and fake consent
 * (`--use-fake-device-for-media-stream --use-fake-ui-for-media-stream`); the
 * stream itself is stopped at once.
 */
export async function unlockLoopbackCandidates(): Promise<void> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
  for (const track of stream.getTracks()) track.stop()
}

/** The selected candidate pair of every connected WebRTC peer connection of the page. */
export async function selectedPairs(): Promise<SelectedPair[]> {
  const pairs: SelectedPair[] = []
  for (const connection of open) {
    if (connection.connectionState !== 'connected') continue
    const stats = await connection.getStats()
    const byId = new Map<string, Record<string, unknown>>()
    stats.forEach((report: Record<string, unknown>) => byId.set(report.id as string, report))
    for (const report of byId.values()) {
      if (report.type !== 'candidate-pair' || report.state !== 'succeeded' || report.nominated !== true) continue
      const local = byId.get(report.localCandidateId as string)
      const remote = byId.get(report.remoteCandidateId as string)
      if (local === undefined || remote === undefined) continue
      pairs.push({
        local: `${String(local.address)}:${String(local.port)}`,
        remote: `${String(remote.address)}:${String(remote.port)}`,
        localType: String(local.candidateType),
        remoteType: String(remote.candidateType),
        protocol: String(local.protocol)
      })
    }
  }
  return pairs
}
