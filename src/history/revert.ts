/**
 * revert: the exact inverse of one entity write, so the history can roll a row back to any instant.
 *
 * Owns: what a change row keeps besides its readable diff: for every top-level content key that a
 * write changed, the value it held before (or that it was absent), as canonical JSON; and applying
 * that to a value to get the one before. Must not touch: what counts as a change (`diffEntity`
 * says which changes are real; this is exact to the byte, so a reordered set is restored too), I/O.
 *
 * Kept as JSON text, not as a nested Convex value: a value nested inside a change row would lose
 * three levels of Convex's depth budget, and this is machine data that only `applyRevert` reads.
 */
import { canonicalJson } from "../lib/canonicalJson";
import type { ConvexJson } from "../openrouter/convexSafe";
import { BOOKKEEPING_KEYS } from "./entityDiff";

type Content = { [key: string]: ConvexJson };

/** What `applyRevert` undoes: the keys' values before, and the keys that were absent before. */
type Revert = { set: Content; unset: string[] };

/**
 * The inverse of writing `after` over `before` (a stored row; its bookkeeping keys are ignored), as
 * canonical JSON; "" when their content is the same.
 *
 * @example revertOf({ a: 1, b: 2, content_hash: "h" }, { a: 1, b: 3, c: 4 }) === '{"set":{"b":2},"unset":["c"]}'
 */
export function revertOf(before: object, after: object): string {
  const [was, now] = [contentOf(before), contentOf(after)];
  const set: Content = {};
  const unset: string[] = [];
  for (const key of Object.keys(was)) if (!(key in now) || canonicalJson(was[key]) !== canonicalJson(now[key])) set[key] = was[key];
  for (const key of Object.keys(now)) if (!(key in was)) unset.push(key);
  if (Object.keys(set).length === 0 && unset.length === 0) return "";
  return canonicalJson({ set, unset: unset.sort() } satisfies Revert);
}

/**
 * The content before the write that `revert` (from `revertOf`) inverts; `value` is the content
 * after it (bookkeeping keys are dropped). "" returns the content as it is.
 *
 * @throws when `revert` is not what `revertOf` writes, naming what is wrong
 * @example applyRevert({ a: 1, b: 3, c: 4 }, '{"set":{"b":2},"unset":["c"]}') // → { a: 1, b: 2 }
 */
export function applyRevert(value: object, revert: string): Content {
  const content = contentOf(value);
  if (revert === "") return content;
  const parsed = JSON.parse(revert) as Partial<Revert>;
  if (typeof parsed !== "object" || parsed === null || typeof parsed.set !== "object" || parsed.set === null || !Array.isArray(parsed.unset)) {
    throw new Error(`applyRevert: not a revert (expected {"set":{…},"unset":[…]}): ${revert.slice(0, 80)}`);
  }
  for (const key of parsed.unset) delete content[key];
  return { ...content, ...parsed.set };
}

/** The content keys of a value or stored row, defined ones only. */
export function contentOf(value: object): Content {
  const content: Content = {};
  for (const [key, item] of Object.entries(value)) if (!BOOKKEEPING_KEYS.has(key) && item !== undefined) content[key] = item as ConvexJson;
  return content;
}
