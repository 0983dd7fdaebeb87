/**
 * A single-reader queue behind an async iterable: producers push, the reader awaits. `end()` finishes the
 * iteration once the queued items are read; `onReturn` runs when the reader stops early (break, return).
 */
export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #iterated = false;

  constructor(private readonly onReturn: () => Promise<void> | void = () => undefined) {}

  push(item: T): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Items pushed and not read yet. */
  get size(): number {
    return this.#items.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterated) throw new Error('EventQueue has a single reader');
    this.#iterated = true;
    return {
      next: () => {
        if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      return: async () => {
        this.end();
        await this.onReturn();
        return { value: undefined, done: true };
      },
    };
  }
}
