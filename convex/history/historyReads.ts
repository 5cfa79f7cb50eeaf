/**
 * Reads of the change history, as `(ctx, args)` helpers shared by the public `changes:*` queries,
 * the HTTP feeds and webhook deliveries.
 *
 * Owns: reading a feed page through the index its filter picks (`feedIndex`), folding broad
 * rewrites, an entity's events, its state as of an instant, an endpoint's price history, and what
 * the history covers. Every read goes through an index and is bounded. Must not touch: writes.
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import { ConvexError } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { entityAsOf, priceHistory, type EntityAsOf, type RatePeriod } from "../../src/history/asOf";
import type { EntityKind } from "../../src/history/entityDiff";
import { checkFilter, feedIndex, foldRewrites, foldsRewrites, matchesFilter, type FeedFilter } from "../../src/history/feed";
import { MAX_REWRITES_PER_RUN } from "../../src/history/changeEvents";
import { endpointKey } from "../../src/openrouter/schemas";
import { readHistoryState } from "./changeLog";

/** A change row as the public reads return it: without the revert, which only as-of reads use. */
export type ChangeItem = Omit<Doc<"or_changes">, "revert">;

/**
 * Events of one entity read for an as-of or a price history: a price that changed every day for
 * five years. At a few KB a row this stays well inside a query's 16 MiB read.
 */
export const MAX_ENTITY_EVENTS = 2_000;

/**
 * One page of the feed, newest first. Reads `paginationOpts.numItems` rows through the filter's
 * index and returns those that pass the rest of it, so a page may hold fewer (even none) while
 * `isDone` is false: keep paging.
 *
 * @throws ConvexError naming a bad filter value
 */
export async function readFeedPage(ctx: QueryCtx, filter: FeedFilter, paginationOpts: PaginationOptions): Promise<PaginationResult<ChangeItem>> {
  try {
    checkFilter(filter);
  } catch (error) {
    throw new ConvexError(error instanceof Error ? error.message : String(error));
  }
  const page = await feedRange(ctx, filter).order("desc").paginate(paginationOpts);
  let rows = page.page.filter((row) => matchesFilter(row, filter));
  if (foldsRewrites(filter)) rows = foldRewrites(rows, await rewritesOfRuns(ctx, rows));
  return { ...page, page: rows.map(itemOf) };
}

/** The change rows in the filter's index, within its time range (every index ends in `snapshot_at`; an open end is ±Infinity). */
function feedRange(ctx: QueryCtx, filter: FeedFilter) {
  const [since, until] = [filter.since ?? -Infinity, filter.until ?? Infinity];
  const changes = ctx.db.query("or_changes");
  const choice = feedIndex(filter);
  switch (choice.index) {
    case "by_model_slug_and_snapshot_at":
      return changes.withIndex(choice.index, (q) => q.eq("model_slug", choice.value).gte("snapshot_at", since).lte("snapshot_at", until));
    case "by_provider_slug_and_snapshot_at":
      return changes.withIndex(choice.index, (q) => q.eq("provider_slug", choice.value).gte("snapshot_at", since).lte("snapshot_at", until));
    case "by_entity_and_snapshot_at":
      return changes.withIndex(choice.index, (q) => q.eq("entity", choice.value).gte("snapshot_at", since).lte("snapshot_at", until));
    case "by_snapshot_at":
      return changes.withIndex(choice.index, (q) => q.gte("snapshot_at", since).lte("snapshot_at", until));
  }
}

/** The rewrite rows of the runs of `rows`, by run id. */
async function rewritesOfRuns(ctx: QueryCtx, rows: readonly Doc<"or_changes">[]): Promise<Map<string, Doc<"or_changes">[]>> {
  const rewrites = new Map<string, Doc<"or_changes">[]>();
  for (const run_id of new Set(rows.flatMap((row) => (row.event === "updated" && row.run_id !== null ? [row.run_id] : [])))) {
    rewrites.set(run_id, await readRunRewrites(ctx, run_id));
  }
  return rewrites;
}

/** A run's broad-rewrite rows (at most `MAX_REWRITES_PER_RUN`, all a run records). */
export function readRunRewrites(ctx: QueryCtx, run_id: Id<"snapshot_runs">): Promise<Doc<"or_changes">[]> {
  return ctx.db
    .query("or_changes")
    .withIndex("by_run_id_and_event", (q) => q.eq("run_id", run_id).eq("event", "rewrite"))
    .take(MAX_REWRITES_PER_RUN);
}

/** One entity's events, newest first, a page at a time: `key` is a model's slug or an endpoint's `endpointKey`. */
export function readEntityEvents(ctx: QueryCtx, entity: EntityKind, key: string, paginationOpts: PaginationOptions): Promise<PaginationResult<Doc<"or_changes">>> {
  return ctx.db
    .query("or_changes")
    .withIndex("by_entity_and_key_and_snapshot_at", (q) => q.eq("entity", entity).eq("key", key))
    .order("desc")
    .paginate(paginationOpts);
}

/** Events of one entity after `at` (all when null), newest first (at most `MAX_ENTITY_EVENTS`; more throws, naming the entity). */
async function eventsAfter(ctx: QueryCtx, entity: EntityKind, key: string, at: number | null): Promise<Doc<"or_changes">[]> {
  const events = await ctx.db
    .query("or_changes")
    .withIndex("by_entity_and_key_and_snapshot_at", (q) =>
      at === null ? q.eq("entity", entity).eq("key", key) : q.eq("entity", entity).eq("key", key).gt("snapshot_at", at),
    )
    .order("desc")
    .take(MAX_ENTITY_EVENTS + 1);
  if (events.length > MAX_ENTITY_EVENTS) {
    throw new ConvexError(
      `${entity} ${key} has more than ${MAX_ENTITY_EVENTS} changes${at === null ? "" : ` after ${new Date(at).toISOString()}`}; ask for a later instant`,
    );
  }
  return events.filter((event) => event.event !== "rewrite");
}

/** What the history covers: as-of is exact from `covered_from`; null before any run recorded history. */
export async function readCoverage(ctx: QueryCtx) {
  const state = await readHistoryState(ctx);
  const gaps = await ctx.db.query("history_gaps").withIndex("by_from").order("desc").take(100);
  return {
    covered_from: state?.covered_from ?? null,
    live_from: state?.live_from ?? null,
    backfilled_from: state?.backfilled_from ?? null,
    gaps: gaps.map(({ from, to, reason }) => ({ from, to, reason })),
  };
}

/**
 * A stored row rolled back to `at` (`entityAsOf`) through its events after `at`: one index range,
 * empty for a row unchanged since. (Not skipped by the row's own timestamps: a backfilled event can
 * be newer than any of them.)
 */
export async function rowAsOfInstant(ctx: QueryCtx, entity: EntityKind, row: Doc<"or_models"> | Doc<"or_endpoints">, at: number): Promise<EntityAsOf | null> {
  const key = entity === "model" ? (row as Doc<"or_models">).slug : endpointKey(row as Doc<"or_endpoints">);
  return entityAsOf(row, await eventsAfter(ctx, entity, key, at));
}

/** `at` checked, and whether history covers it (one read: the history state, not its gaps). */
export async function coveredAt(ctx: QueryCtx, at: number): Promise<boolean> {
  if (!Number.isFinite(at)) throw new ConvexError(`at must be a finite number (ms since the epoch), got ${at}`);
  const state = await readHistoryState(ctx);
  return state !== null && at >= state.covered_from;
}

/** Every rate an endpoint has had and since when, newest first; null when there is no such endpoint. */
export async function readPriceHistory(ctx: QueryCtx, row: Doc<"or_endpoints">): Promise<{ periods: RatePeriod[]; complete: boolean }> {
  const events = await eventsAfter(ctx, "endpoint", endpointKey(row), null);
  const state = await readHistoryState(ctx);
  // Complete when the history saw the endpoint arrive, or it arrived after history began.
  const complete = events.some((event) => event.event === "added") || (state !== null && row.first_seen_at >= state.covered_from);
  return { periods: priceHistory(row, events), complete };
}

/** A change row as the public reads and webhooks give it: without the revert. */
export function itemOf({ revert: _revert, ...item }: Doc<"or_changes">): ChangeItem {
  return item;
}
