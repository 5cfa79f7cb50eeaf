/**
 * chunkByBudget: split items into batches bounded by count and by bytes, in order.
 *
 * One batch mutation must stay inside Convex's per-call limits (16 MiB of arguments, 16 MiB
 * written per transaction), not only inside a row count: a few large rows can weigh more than a
 * hundred small ones. An item larger than the byte budget goes alone.
 *
 * @example chunkByBudget([a, b, c], { maxItems: 2, maxBytes: 10 }, sizeOf) // → [[a, b], [c]]
 */
export function chunkByBudget<T>(items: readonly T[], budget: { maxItems: number; maxBytes: number }, sizeOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= budget.maxItems || bytes + size > budget.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
