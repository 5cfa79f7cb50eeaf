/**
 * Entity row writes, shared by `or_models` and `or_endpoints`: the `(ctx, args)` helpers their
 * internal mutations delegate to.
 *
 * Owns: how a decided change lands in a table. Inserts get `first_seen_at = changed_at =
 * snapshot_at`; updates replace the content and keep `first_seen_at`. `changed_at` moves only when
 * the content hash changed (it is when the content last changed, not when availability did).
 * `unavailable_at` is cleared for an available entity (and `returned_at` set: it came back), and
 * set (once, kept after) with `unavailable_reason` for one that is not: a model whose catalogue
 * entries have no endpoint now, an entity gone upstream, an endpoint that moved to a new key. A
 * row whose stored hash and availability already match is left alone, so a retried or repeated
 * batch writes nothing twice.
 *
 * Every write is noted in the mutation's `ManifestEdits`, which the mutation commits before it
 * returns, so the catalogue manifest never disagrees with the rows.
 *
 * No timestamp on a row ever moves backwards: a write stamped earlier than the row's newest
 * timestamp (a slower run overtaken by a newer one) leaves the row as it is and is counted
 * `stale`. Batches are bounded so one transaction stays far inside Convex's limits.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { ManifestEdits } from "./manifestStore";
import { LISTED_WITHOUT_ENDPOINT, UNAVAILABLE_GONE } from "../../src/history/changeEvents";

/** Rows per batch mutation: 100 reads + 100 writes of a few KB each, far inside one transaction's limits. */
export const MAX_BATCH_ROWS = 100;
/**
 * Bytes of rows per batch mutation: a quarter of the 16 MiB Convex allows per call's arguments
 * and per transaction's writes, so a batch of large rows stays well inside both.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

type EntityTable = "or_models" | "or_endpoints";

export function assertBatchSize(what: string, count: number): void {
  if (count > MAX_BATCH_ROWS) throw new Error(`${what}: ${count} rows in one batch; at most ${MAX_BATCH_ROWS}`);
}

export type UpsertOutcome = "inserted" | "updated" | "unchanged" | "stale";

/** What `unavailable_reason` says. Moves and accepted removals are left out of the rolling guard's count. */
export const UNAVAILABLE_REASONS = {
  gone: UNAVAILABLE_GONE,
  noEndpoint: LISTED_WITHOUT_ENDPOINT,
  moved: (to: string) => `moved to ${to}`,
  accepted: (run_id: string) => `withheld by run ${run_id}, accepted`,
} as const;

/**
 * The reasons the rolling guard counts: something vanished. Not a move (nothing vanished), not an
 * accepted removal (a person decided). `undefined`: rows marked before reasons were kept.
 */
export const ROLLING_GUARD_REASONS = [UNAVAILABLE_REASONS.gone, UNAVAILABLE_REASONS.noEndpoint, undefined] as const;

type Bookkeeping = { first_seen_at: number; changed_at: number; unavailable_at: number | null; returned_at?: number };

/** The newest time a row speaks for: a write stamped before it would move the row back. */
export function rowAsOf(row: Bookkeeping): number {
  return Math.max(row.first_seen_at, row.changed_at, row.unavailable_at ?? -Infinity, row.returned_at ?? -Infinity);
}

/**
 * @param edits the mutation's manifest edits, committed by the caller before it returns
 * @param row `available` defaults to true (endpoints always are when seen).
 * @param unavailable_at when a row that becomes unavailable here is marked; defaults to `snapshot_at`.
 */
export async function upsertEntityRow<Table extends EntityTable>(
  ctx: MutationCtx,
  edits: ManifestEdits,
  table: Table,
  existing: Doc<Table> | null,
  row: { value: object; content_hash: string; available?: boolean },
  snapshot_at: number,
  unavailable_at: number = snapshot_at,
): Promise<UpsertOutcome> {
  const available = row.available ?? true;
  if (existing === null) {
    const inserted = {
      ...row.value,
      content_hash: row.content_hash,
      first_seen_at: snapshot_at,
      changed_at: snapshot_at,
      unavailable_at: available ? null : unavailable_at,
      ...(available ? {} : { unavailable_reason: UNAVAILABLE_REASONS.noEndpoint }),
    };
    await ctx.db.insert(table, inserted as never);
    edits.wrote(table, inserted as never);
    return "inserted";
  }
  const sameContent = existing.content_hash === row.content_hash;
  const wasAvailable = existing.unavailable_at === null;
  if (sameContent && wasAvailable === available) return "unchanged";
  if (snapshot_at < rowAsOf(existing as unknown as Bookkeeping)) return "stale";
  const returned_at = !wasAvailable && available ? snapshot_at : existing.returned_at;
  const replaced = {
    ...row.value,
    content_hash: row.content_hash,
    first_seen_at: existing.first_seen_at,
    changed_at: sameContent ? existing.changed_at : snapshot_at,
    unavailable_at: available ? null : (existing.unavailable_at ?? unavailable_at),
    // Written from a run that lists it: whatever made it unavailable before, it is listed with no endpoint now.
    ...(available ? {} : { unavailable_reason: UNAVAILABLE_REASONS.noEndpoint }),
    ...(returned_at !== undefined ? { returned_at } : {}),
  };
  await ctx.db.replace(table, existing._id as Id<Table>, replaced as never);
  edits.wrote(table, replaced as never);
  return "updated";
}

/** Marks an available row unavailable with its reason; false when it already is, or holds anything newer than `at`. */
export async function markRowUnavailable<Table extends EntityTable>(
  ctx: MutationCtx,
  edits: ManifestEdits,
  table: Table,
  existing: Doc<Table> | null,
  at: number,
  reason: string,
): Promise<boolean> {
  if (existing === null || existing.unavailable_at !== null) return false;
  if (at < rowAsOf(existing as unknown as Bookkeeping)) return false;
  const marked = { unavailable_at: at, unavailable_reason: reason };
  await ctx.db.patch(table, existing._id as Id<Table>, marked as never);
  edits.wrote(table, { ...existing, ...marked } as never);
  return true;
}

/**
 * Keeps an unavailable model's reason in step with the models list, so the manifest counts it as
 * listed exactly when a run sees it (`manifestEntryOfRow`): `listed` marks one seen listed with no
 * endpoint now, whatever made it unavailable; otherwise one marked listed that is gone from the list
 * is marked gone. Its `unavailable_at` stays: it was not removed now. False when there was nothing to do,
 * or the row holds anything newer than the run.
 */
export async function relistUnavailableModel(
  ctx: MutationCtx,
  edits: ManifestEdits,
  existing: Doc<"or_models"> | null,
  listed: boolean,
  snapshot_at: number,
): Promise<boolean> {
  if (existing === null || existing.unavailable_at === null) return false;
  // A run older than the row's newest timestamp does not speak for the row any more.
  if (snapshot_at < rowAsOf(existing as unknown as Bookkeeping)) return false;
  const reason = listed ? UNAVAILABLE_REASONS.noEndpoint : UNAVAILABLE_REASONS.gone;
  if ((existing.unavailable_reason === UNAVAILABLE_REASONS.noEndpoint) === listed) return false;
  await ctx.db.patch("or_models", existing._id, { unavailable_reason: reason });
  edits.wrote("or_models", { ...existing, unavailable_reason: reason });
  return true;
}

export function tally(outcomes: UpsertOutcome[]) {
  return {
    inserted: outcomes.filter((o) => o === "inserted").length,
    updated: outcomes.filter((o) => o === "updated").length,
    unchanged: outcomes.filter((o) => o === "unchanged").length,
    stale: outcomes.filter((o) => o === "stale").length,
  };
}

/** The row of a model by slug, or null; reads through `by_slug`. */
export function findModel(ctx: QueryCtx, slug: string) {
  return ctx.db
    .query("or_models")
    .withIndex("by_slug", (q) => q.eq("slug", slug))
    .unique();
}

/** The row of an endpoint by its key, or null; reads through its key index. */
export function findEndpoint(ctx: QueryCtx, key: { model_permaslug: string; variant: string; endpoint_id: string }) {
  return ctx.db
    .query("or_endpoints")
    .withIndex("by_model_permaslug_and_variant_and_endpoint_id", (q) =>
      q.eq("model_permaslug", key.model_permaslug).eq("variant", key.variant).eq("endpoint_id", key.endpoint_id),
    )
    .unique();
}
