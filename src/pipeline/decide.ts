/**
 * decide: the one diff rule every writer shares.
 *
 * Compares the next entity with the stored one under the same primary key and says `insert`,
 * `update` or `stable`. Equality is semantic (key order and undefined-versus-absent do not
 * matter), so an unchanged re-run is all `stable` and costs no writes. A row that was marked
 * unavailable and is seen again is an `update`, which clears the mark.
 */
import { canonicalJson } from "../lib/canonicalJson";

export type Decision = "insert" | "update" | "stable";

export type StoredEntity<T> = { value: T; unavailable_at: number | null };

/** Top-level fields whose canonical JSON differs. */
export function changedFields(next: object, previous: object): string[] {
  const fields = new Set([...Object.keys(next), ...Object.keys(previous)]);
  return [...fields].filter(
    (field) => canonicalJson((next as Record<string, unknown>)[field]) !== canonicalJson((previous as Record<string, unknown>)[field]),
  ).sort();
}

/**
 * @example decide({ slug: "a", n: 1 }, { value: { n: 1, slug: "a" }, unavailable_at: null }) === "stable"
 */
export function decide<T extends object>(next: T, existing: StoredEntity<T> | undefined): Decision {
  if (!existing) return "insert";
  if (existing.unavailable_at !== null) return "update";
  return canonicalJson(next) === canonicalJson(existing.value) ? "stable" : "update";
}
