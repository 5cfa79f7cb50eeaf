/**
 * `changes`: the catalogue's history. Public read-only queries (the feed, an entity's changes, an
 * endpoint's price history, an entity or the whole catalogue as of an instant, what the history
 * covers) and the internal mutation that records a run's broad rewrites. The reads live in
 * `history/historyReads.ts`; change rows are written by `entities.applyBatch` with the state.
 *
 * @example npx convex run changes:feed '{"tag":"price","min_percent":10,"paginationOpts":{"numItems":20,"cursor":null}}'
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { endpointKey } from "../src/openrouter/schemas";
import { findEndpoint, findModel } from "./lib/entityRows";
import { pageOptions } from "./lib/queryLimits";
import { rewriteRow } from "./history/changeLog";
import { coveredAt, itemOf, readCoverage, readEntityEvents, readFeedPage, readPriceHistory, readRunRewrites, rowAsOfInstant } from "./history/historyReads";
import { vChangeItem, vEntityKind, vFeedFilter, vPathTally } from "./history/validators";
import { vEndpointKey } from "./lib/validators";

/**
 * Rows rolled back per catalogue page: each reads its events after the instant, a few KB each, so
 * a page far back stays inside a query's 16 MiB (25 rows × 90 events, a year of 1% changing hourly).
 */
const MAX_AS_OF_PAGE = 25;

const vEntityState = v.union(v.null(), v.object({ value: v.any(), available: v.boolean(), unavailable_reason: v.union(v.string(), v.null()) }));
const vAsOf = v.object({ at: v.number(), exact: v.boolean(), state: vEntityState });

/**
 * Public: the change feed, newest first, with any of the filters. A page reads `numItems` rows (at
 * most 200) and returns those that pass every filter, so it may hold fewer: page until `isDone`.
 * Without a model or provider filter, a broad rewrite shows as its one summary row.
 */
export const feed = query({
  args: { ...vFeedFilter.fields, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vChangeItem),
  handler: async (ctx, { paginationOpts, ...filter }) => readFeedPage(ctx, filter, pageOptions(paginationOpts)),
});

/** Public: one model's changes and its endpoints', newest first. */
export const forModel = query({
  args: { model_slug: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vChangeItem),
  handler: async (ctx, { model_slug, paginationOpts }) => readFeedPage(ctx, { model: model_slug }, pageOptions(paginationOpts)),
});

/** Public: one endpoint's changes, newest first. */
export const forEndpoint = query({
  args: { ...vEndpointKey.fields, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vChangeItem),
  handler: async (ctx, { paginationOpts, ...key }) => {
    const page = await readEntityEvents(ctx, "endpoint", endpointKey(key), pageOptions(paginationOpts));
    return { ...page, page: page.page.map(itemOf) };
  },
});

/**
 * Public: every rate an endpoint has had and since when, newest first (`from` inclusive, `to`
 * exclusive, null: still now; the oldest `from` is null when it began before history).
 * `complete` is false when the endpoint is older than the history. Null: no such endpoint.
 */
export const priceHistory = query({
  args: vEndpointKey.fields,
  returns: v.union(
    v.null(),
    v.object({
      key: v.string(),
      complete: v.boolean(),
      periods: v.array(
        v.object({ from: v.union(v.number(), v.null()), to: v.union(v.number(), v.null()), available: v.boolean(), rates: v.record(v.string(), v.number()) }),
      ),
    }),
  ),
  handler: async (ctx, key) => {
    const row = await findEndpoint(ctx, key);
    if (row === null) return null;
    return { key: endpointKey(key), ...(await readPriceHistory(ctx, row)) };
  },
});

/** Public: a model as it was at `at` (ms): its content and availability, or `state: null` when it did not exist then (or never did). */
export const modelAsOf = query({
  args: { slug: v.string(), at: v.number() },
  returns: vAsOf,
  handler: async (ctx, { slug, at }) => {
    const exact = await coveredAt(ctx, at);
    const row = await findModel(ctx, slug);
    return { at, exact, state: row === null ? null : await rowAsOfInstant(ctx, "model", row, at) };
  },
});

/** Public: an endpoint as it was at `at` (ms), like `modelAsOf`. */
export const endpointAsOf = query({
  args: { ...vEndpointKey.fields, at: v.number() },
  returns: vAsOf,
  handler: async (ctx, { at, ...key }) => {
    const exact = await coveredAt(ctx, at);
    const row = await findEndpoint(ctx, key);
    return { at, exact, state: row === null ? null : await rowAsOfInstant(ctx, "endpoint", row, at) };
  },
});

/**
 * Public: the whole catalogue as it was at `at`, one table a page at a time (at most 25 rows read
 * a page): each entity that existed then, as it was. Unavailable ones only with
 * `include_unavailable`. A page may hold fewer items than it read: page until `isDone`.
 */
export const catalogueAsOf = query({
  args: { at: v.number(), entity: vEntityKind, include_unavailable: v.optional(v.boolean()), paginationOpts: paginationOptsValidator },
  returns: v.object({
    at: v.number(),
    exact: v.boolean(),
    page: v.array(v.object({ value: v.any(), available: v.boolean(), unavailable_reason: v.union(v.string(), v.null()) })),
    isDone: v.boolean(),
    continueCursor: v.string(),
  }),
  handler: async (ctx, { at, entity, include_unavailable = false, paginationOpts }) => {
    const exact = await coveredAt(ctx, at);
    const options = pageOptions(paginationOpts, MAX_AS_OF_PAGE);
    const rows =
      entity === "model"
        ? await ctx.db.query("or_models").withIndex("by_slug").paginate(options)
        : await ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").paginate(options);
    const page = [];
    for (const row of rows.page) {
      const state = await rowAsOfInstant(ctx, entity, row, at);
      if (state !== null && (state.available || include_unavailable)) page.push(state);
    }
    return { at, exact, page, isDone: rows.isDone, continueCursor: rows.continueCursor };
  },
});

/** Public: what the history covers (as-of is exact from `covered_from`) and the gaps a backfill found. */
export const coverage = query({
  args: {},
  returns: v.object({
    covered_from: v.union(v.number(), v.null()),
    live_from: v.union(v.number(), v.null()),
    backfilled_from: v.union(v.number(), v.null()),
    gaps: v.array(v.object({ from: v.number(), to: v.number(), reason: v.string() })),
  }),
  handler: async (ctx) => readCoverage(ctx),
});

/** A stored entity row by its key (a model's slug, an endpoint's `endpointKey`), for a dry run's change events; null when there is none. */
export const storedRow = internalQuery({
  args: { entity: vEntityKind, key: v.string() },
  handler: async (ctx, { entity, key }) => {
    if (entity === "model") return findModel(ctx, key);
    const [model_permaslug, variant, endpoint_id] = JSON.parse(key) as string[];
    return findEndpoint(ctx, { model_permaslug, variant, endpoint_id });
  },
});

/** The run's broad rewrites: one summary row per (entity, path), with its count (see `ConvexWriter.recordRewrites`). */
export const recordRewrites = internalMutation({
  args: { run_id: v.id("snapshot_runs"), snapshot_at: v.number(), rewrites: v.array(vPathTally) },
  returns: v.null(),
  handler: async (ctx, { run_id, snapshot_at, rewrites }) => {
    // Every rewrite row of the run: a run records at most `MAX_REWRITES_PER_RUN`.
    const recorded = await readRunRewrites(ctx, run_id);
    for (const rewrite of rewrites) {
      // A retried call records nothing twice.
      if (recorded.some((row) => row.entity === rewrite.entity && row.key === rewrite.path)) continue;
      await ctx.db.insert("or_changes", rewriteRow(rewrite, { snapshot_at, run_id }));
    }
    return null;
  },
});
