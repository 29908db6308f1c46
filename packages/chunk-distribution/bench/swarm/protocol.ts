// What the benchmark coordinator and its peer processes say to each other over the IPC channel of `fork`.

/** Where a seeder takes its content from: a file, or bytes generated as they are stored (never all in memory). */
export type ContentOrigin = { readonly file: string } | { readonly generate: { readonly size: number; readonly seed: number } }

/** A command to a peer process; each gets exactly one reply, in order. */
export type Command =
  /** Store and serve content. Reply `seeded`. */
  | { readonly type: 'seed'; readonly origin: ContentOrigin }
  /** Learn the content to download without downloading yet (WebTorrent adds the torrent). Reply `added`. */
  | { readonly type: 'add'; readonly id: string }
  /**
   * Connect to `peers` (the swarm's `seeders` first, then the leechers started before this one, of `leechers`) and
   * download the content added. Reply `fetched`.
   */
  | { readonly type: 'fetch'; readonly peers: readonly string[]; readonly seeders: number; readonly leechers: number }
  /** SHA-256 of the content downloaded, read back from the store. Reply `hashed`. */
  | { readonly type: 'hash' }
  /** The CPU time the process has used so far. Reply `cpu`. */
  | { readonly type: 'cpu' }
  /** Stop the node and exit. Reply `stopped`. */
  | { readonly type: 'stop' }

/** Bytes of `process.memoryUsage()` taken when the resident set was largest, and of V8's young generation then. */
export interface MemorySample {
  readonly rss: number
  readonly heapTotal: number
  readonly heapUsed: number
  readonly external: number
  readonly arrayBuffers: number
  /** Physical size of V8's new space (the young generation), which keeps its grown size even when empty. */
  readonly newSpace: number
}

export type Reply =
  /** Sent once at start: where other peers reach this one. */
  | { readonly type: 'ready'; readonly address: string }
  /** `id` is what a leecher adds (content id or torrent file); `key` names the content (equal across seeders). */
  | { readonly type: 'seeded'; readonly id: string; readonly key: string }
  | { readonly type: 'added' }
  /**
   * `maxRss`: the process's peak resident set (bytes) so far; `peak`: its memory sampled at its largest during the
   * fetch; `notes`: what happened that bears on the figure (connections refused and dialled again, peers dropped).
   */
  | { readonly type: 'fetched'; readonly maxRss: number; readonly peak: MemorySample; readonly notes: readonly string[] }
  | { readonly type: 'hashed'; readonly sha256: string }
  /** Seconds of CPU (user and system, every thread) the process has used since it started. */
  | { readonly type: 'cpu'; readonly seconds: number }
  | { readonly type: 'stopped' }
  | { readonly type: 'failed'; readonly message: string }
