/**
 * mapWithConcurrency: run an async function over items with at most `limit` in flight.
 *
 * Twenty lines do not justify a dependency: the popular limiters are Node-first, and this one
 * must run in Convex's default runtime. Results keep input order. On the first rejection no new
 * item starts, the call waits for the items already in flight to settle, then rejects with that
 * first error: nothing keeps running unobserved after the call returns. Callers that must not
 * stop catch per item.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`maxConcurrency must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  async function worker() {
    while (failure === null && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
