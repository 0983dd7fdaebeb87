/**
 * Reading a full state (a resync, the state restored at start, an offline snapshot file) leaves its garbage behind:
 * the decompressed text, its parse, the base file written. Much of it outlives a few young-generation collections
 * and waits in the old generation, and in external Buffers, for a major collection that an idle agent may not reach
 * for hours: ~45 MB of resident memory after a 10,000-Service scope. One full collection, once the burst is over,
 * returns it. Needs `--expose-gc` (node-flags.ts); without it (a plain `node` run) this does nothing.
 */
export class FullStateCollection {
  readonly #collect: (() => void) | undefined;
  readonly #quietMs: number;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param collect the full collection (default: V8's `gc` when exposed)
   * @param quietMs how long after the last full state it runs: a restored state followed at once by NATS's full
   *   state, or several resyncs in a row, cost one collection
   */
  constructor(options: { readonly collect?: () => void; readonly quietMs?: number } = {}) {
    this.#collect = options.collect ?? (globalThis as { gc?: () => void }).gc;
    this.#quietMs = options.quietMs ?? 1_000;
  }

  /** True when a collection can run at all (the agent was started with --expose-gc). */
  get available(): boolean {
    return this.#collect !== undefined;
  }

  /** A full state was just taken: collect once the agent has been quiet for `quietMs`. */
  afterFullState(): void {
    const collect = this.#collect;
    if (collect === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      collect();
    }, this.#quietMs);
    // A pending collection never keeps the agent alive.
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
