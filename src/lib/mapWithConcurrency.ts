/**
 * mapWithConcurrency: run an async function over items with at most `limit` in flight.
 *
 * Twenty lines do not justify a dependency: the popular limiters are Node-first, and this one
 * must run in Convex's default runtime. Results keep input order; the first rejection rejects
 * the whole call after in-flight work settles, so callers that must not stop catch per item.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`maxConcurrency must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
