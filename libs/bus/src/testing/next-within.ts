/** Thrown by a reader from `nextWithin` when nothing arrives in time. */
export class NothingWithinError extends Error {
  override readonly name = 'NothingWithinError';
}

/**
 * Reads an async iterable (a scope subscription, a status watch) one item at a time; each read fails after
 * `timeoutMs` instead of hanging a test. Also fails when the iterable ends.
 */
export function nextWithin<T>(iterable: AsyncIterable<T>, defaultTimeoutMs = 5_000): (timeoutMs?: number) => Promise<T> {
  const it = iterable[Symbol.asyncIterator]();
  return async (timeoutMs = defaultTimeoutMs) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new NothingWithinError(`nothing within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done === true) throw new Error('the iterable ended');
      return r.value;
    } finally {
      clearTimeout(timer);
    }
  };
}
