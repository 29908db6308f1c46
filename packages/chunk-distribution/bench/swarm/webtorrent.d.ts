// The part of webtorrent's API (3.x, untyped JavaScript) that the benchmark peers use.
declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events'

  export interface ClientOptions {
    readonly dht?: boolean
    readonly tracker?: boolean
    readonly lsd?: boolean
    readonly utp?: boolean
    readonly webSeeds?: boolean
    readonly natUpnp?: boolean
    readonly natPmp?: boolean
    readonly utPex?: boolean
  }

  export interface SeedOptions {
    readonly pieceLength?: number
    readonly announceList?: readonly (readonly string[])[]
    readonly private?: boolean
  }

  export interface AddOptions {
    /** Directory the downloaded files are written to. */
    readonly path?: string
  }

  export interface TorrentFile {
    /** Relative to the torrent's directory. */
    readonly path: string
    readonly length: number
  }

  export interface Torrent extends EventEmitter {
    readonly infoHash: string
    /** The encoded .torrent. */
    readonly torrentFile: Uint8Array
    readonly ready: boolean
    readonly done: boolean
    readonly files: readonly TorrentFile[]
    /** `host:port`; false when the address is refused. */
    addPeer(address: string): boolean
  }

  export default class WebTorrent extends EventEmitter {
    constructor(options?: ClientOptions)
    static readonly VERSION: string
    seed(input: string, options: SeedOptions, onseed: (torrent: Torrent) => void): Torrent
    add(torrent: Uint8Array, options: AddOptions): Torrent
    /** The TCP server's address once listening, else null. */
    address(): { readonly address: string; readonly port: number } | null
    destroy(callback?: (err?: Error) => void): void
  }
}
