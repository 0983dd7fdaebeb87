import type { BusContext } from './context.js';
import { EventQueue } from './queue.js';

/**
 * What every watch of the bus is: an async iterable fed by a task that runs until closed. The task reads `abort`,
 * pushes into `queue`, and subclasses set `done` to it; `close()` (also on break, dispose, or the bus closing) stops
 * the task, ends the iteration once queued items are read, and waits for the task.
 */
export abstract class EventStream<T> implements AsyncIterable<T>, AsyncDisposable {
  protected readonly queue: EventQueue<T>;
  protected readonly abort = new AbortController();
  protected done: Promise<void> = Promise.resolve();

  constructor(ctx: BusContext) {
    this.queue = new EventQueue<T>(() => this.close());
    ctx.closing.addEventListener('abort', () => void this.close(), { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.queue[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.abort.signal.aborted) return this.done;
    this.abort.abort();
    this.queue.end();
    await this.done;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
