/**
 * `upstream_fields`: the upstream-drift ledger. Internal functions for the run's ledger step
 * (`convex/lib/driftLedger.ts`): its state row, a paged pre-load, and batch writes. Public,
 * read-only, indexed queries: the ledger a page at a time, and the fields new since a time.
 *
 *   npx convex run upstream_fields:list '{"paginationOpts":{"numItems":50,"cursor":null}}'
 *   npx convex run upstream_fields:recent '{"days":7}'
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { assertBatchSize } from "./lib/entityRows";
import { applyFieldOps, FIELD_SET_STATE, vFieldOp } from "./lib/driftLedger";
import { checkedLimit, checkedNumber, pageOptions } from "./lib/queryLimits";
import schema from "./schema";

const DAY_MS = 86_400_000;

const vFieldDoc = doc(schema, "upstream_fields");
const vScope = schema.tables.upstream_fields.validator.fields.scope;

/** The digest of the set of paths the ledger holds as present, or null before its first run. */
export const state = internalQuery({
  args: {},
  returns: v.union(v.null(), v.object({ digest: v.string(), paths: v.number() })),
  handler: async (ctx) => {
    const row = await ctx.db.query("upstream_field_sets").withIndex("by_name", (q) => q.eq("name", FIELD_SET_STATE)).unique();
    return row && { digest: row.digest, paths: row.paths };
  },
});

/** One page of the ledger, for the ledger step's diff: keys, presence and treatment only. */
export const loadPage = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db.query("upstream_fields").withIndex("by_scope_and_path").paginate(paginationOpts);
    return { ...page, page: page.page.map(({ scope, path, present, treatment }) => ({ scope, path, present, treatment })) };
  },
});

/** Up to 100 ledger changes of one run; idempotent, so a retried batch changes nothing twice. */
export const applyBatch = internalMutation({
  args: { ops: v.array(vFieldOp), seen_at: v.number(), baseline: v.boolean() },
  returns: v.object({ inserted: v.number(), updated: v.number() }),
  handler: async (ctx, { ops, seen_at, baseline }) => {
    assertBatchSize("upstream_fields.applyBatch", ops.length);
    return applyFieldOps(ctx, ops, { seen_at, baseline });
  },
});

/** Records the digest of the set of present paths: the last write of a run that changed it. */
export const setState = internalMutation({
  args: { digest: v.string(), paths: v.number(), changed_at: v.number(), run_id: v.id("snapshot_runs") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const row = await ctx.db.query("upstream_field_sets").withIndex("by_name", (q) => q.eq("name", FIELD_SET_STATE)).unique();
    if (row) await ctx.db.replace("upstream_field_sets", row._id, { name: FIELD_SET_STATE, ...args });
    else await ctx.db.insert("upstream_field_sets", { name: FIELD_SET_STATE, ...args });
    return null;
  },
});

/** Public: the ledger a page at a time, by path, for one scope (`model` or `endpoint`); at most `MAX_PAGE_SIZE` a page (see `lib/queryLimits.ts`). */
export const list = query({
  args: { scope: vScope, paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vFieldDoc),
  handler: async (ctx, { scope, paginationOpts }) =>
    ctx.db
      .query("upstream_fields")
      .withIndex("by_scope_and_path", (q) => q.eq("scope", scope))
      .paginate(pageOptions(paginationOpts)),
});

/**
 * Public: fields that appeared upstream after the ledger's first run, newest first: those first
 * seen in the `days` (default 7, fractions allowed, not negative) before `now` (default the query's
 * clock), at most `limit` (default 50, capped at `MAX_PAGE_SIZE`).
 */
export const recent = query({
  args: { days: v.optional(v.number()), now: v.optional(v.number()), limit: v.optional(v.number()) },
  returns: v.array(vFieldDoc),
  handler: async (ctx, args) => {
    const days = checkedNumber("days", args.days, { fallback: 7, min: 0 });
    const now = checkedNumber("now", args.now, { fallback: Date.now() });
    const limit = checkedLimit("limit", args.limit, { fallback: 50 });
    return ctx.db
      .query("upstream_fields")
      .withIndex("by_baseline_and_first_seen_at", (q) => q.eq("baseline", false).gte("first_seen_at", now - days * DAY_MS))
      .order("desc")
      .take(limit);
  },
});
