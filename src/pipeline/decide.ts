/**
 * decide: the one diff rule every writer shares.
 *
 * Compares the next entity with the stored one under the same primary key and says `insert`,
 * `update`, `stable` or `unavailable`. Equality is semantic: both sides are compared by the
 * SHA-256 of their canonical JSON (`contentHash`), in which key order and undefined-versus-absent
 * make no difference, so an unchanged re-run is all `stable` and costs no writes. Comparing
 * fingerprints lets a writer pre-load only keys and hashes, not whole rows.
 *
 * Availability is decided with the content: an entity seen upstream can still be unavailable (a
 * model whose catalogue entries all have `endpoint: null`). An available row that becomes
 * unavailable is `unavailable` (a removal, under the run's share guard); an unavailable row that
 * becomes available again is an `update`, which clears the mark; an unavailable row that stays
 * unavailable is `stable` or `update` by its content alone.
 */
import { canonicalJson } from "../lib/canonicalJson";

export type Decision = "insert" | "update" | "stable" | "unavailable";

/** What a writer must know of a stored row to decide. `value` is there when the state holds it. */
export type StoredEntity<T> = { content_hash: string; unavailable_at: number | null; value?: T };

/**
 * @example decide("ab12…", { content_hash: "ab12…", unavailable_at: null }) === "stable"
 * @example decide("cd34…", { content_hash: "ab12…", unavailable_at: null }, false) === "unavailable"
 */
export function decide(
  nextContentHash: string,
  existing: Pick<StoredEntity<unknown>, "content_hash" | "unavailable_at"> | undefined,
  nextAvailable = true,
): Decision {
  if (!existing) return "insert";
  const wasAvailable = existing.unavailable_at === null;
  if (wasAvailable && !nextAvailable) return "unavailable";
  if (!wasAvailable && nextAvailable) return "update";
  return nextContentHash === existing.content_hash ? "stable" : "update";
}

/** Top-level fields whose canonical JSON differs: for readable dry-run output. */
export function changedFields(next: object, previous: object): string[] {
  const fields = new Set([...Object.keys(next), ...Object.keys(previous)]);
  return [...fields]
    .filter((field) => canonicalJson((next as Record<string, unknown>)[field]) !== canonicalJson((previous as Record<string, unknown>)[field]))
    .sort();
}
