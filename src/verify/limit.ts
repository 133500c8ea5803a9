/** At most `concurrency` tasks in flight: verification never bursts at the API. */
export function limiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      queue.shift()?.();
    }
  };
}

/** `Promise.all(items.map(fn))` with at most `concurrency` calls of `fn` running at once. */
export function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const limit = limiter(concurrency);
  return Promise.all(items.map((item) => limit(() => fn(item))));
}

/** How many requests verification keeps in flight at most. */
export const CONCURRENCY = 4;
