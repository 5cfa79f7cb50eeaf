/**
 * How much one public query may return, and what it says about a bad size argument.
 *
 * Owns: the one rule every public query that pages or takes a limit follows, so a client sees the
 * same behaviour everywhere:
 * - A count (`paginationOpts.numItems`, `limit`) must be a positive integer. Anything else (2.5, 0,
 *   -1, NaN, Infinity) is rejected with a message that names the argument and the value sent.
 * - A count above the query's maximum is capped, not rejected: asking for a million rows returns a
 *   full page of `MAX_PAGE_SIZE` and a cursor, so paging clients keep working.
 * - A window or instant (`days`, `now`) must be a finite number, `days` not negative; rejected
 *   otherwise, named the same way.
 * Errors are `ConvexError`s: a deployment hides the message of any other error from its clients,
 * and the point of the message is that the caller reads which argument was wrong.
 * Must not touch: what a query reads or in which order.
 */
import { ConvexError } from "convex/values";

/**
 * The most rows one public page or `limit` returns. A query may read 16 MiB; a catalogue row is a
 * few KB (an endpoint row with its rate cards is the largest, a model row with its variants next),
 * so 200 of them stay a small fraction of that read limit, with room for rows that grow, and an
 * answer a client renders at once.
 */
export const MAX_PAGE_SIZE = 200;

/** `paginationOpts` with `numItems` checked and capped at `max`; the cursor and the rest as sent. */
export function pageOptions<Options extends { numItems: number }>(paginationOpts: Options, max: number = MAX_PAGE_SIZE): Options {
  return { ...paginationOpts, numItems: checkedCount("paginationOpts.numItems", paginationOpts.numItems, max) };
}

/** An optional `limit`-style count: `fallback` when absent, else checked and capped at `max`. */
export function checkedLimit(name: string, value: number | undefined, { fallback, max = MAX_PAGE_SIZE }: { fallback: number; max?: number }): number {
  return value === undefined ? Math.min(fallback, max) : checkedCount(name, value, max);
}

/** An optional finite number no smaller than `min` (a window in days, an instant): `fallback` when absent. */
export function checkedNumber(name: string, value: number | undefined, { fallback, min = -Infinity }: { fallback: number; min?: number }): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    const range = min === -Infinity ? "a finite number" : `a finite number of at least ${min}`;
    throw new ConvexError(`${name} must be ${range}, got ${value}`);
  }
  return value;
}

function checkedCount(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConvexError(`${name} must be a positive integer, got ${value}`);
  return Math.min(value, max);
}
