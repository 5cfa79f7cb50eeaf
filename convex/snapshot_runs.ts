/**
 * `snapshot_runs`: one record per run. Internal mutations open and close it; public queries read
 * it through the `by_snapshot_at` index.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import schema from "./schema";

const runFields = schema.tables.snapshot_runs.validator.fields;

export const start = internalMutation({
  args: { snapshot_at: v.number(), started_at: v.number(), config: runFields.config },
  returns: v.id("snapshot_runs"),
  handler: async (ctx, args) => ctx.db.insert("snapshot_runs", { ...args, status: "running" }),
});

export const finish = internalMutation({
  args: {
    run_id: v.id("snapshot_runs"),
    status: runFields.status,
    ok: v.boolean(),
    health: v.string(),
    ended_at: v.number(),
    report: runFields.report,
  },
  returns: v.null(),
  handler: async (ctx, { run_id, ...result }) => {
    const run = await ctx.db.get(run_id);
    if (!run) throw new Error(`snapshot_runs.finish: no run ${run_id}`);
    await ctx.db.patch(run_id, { ...result, duration_ms: result.ended_at - run.started_at });
    return null;
  },
});

/** The run with this id, if the string is one: lets runDemo reject a bad `replay_from` by name. */
export const findRun = internalQuery({
  args: { run_id: v.string() },
  returns: v.union(v.id("snapshot_runs"), v.null()),
  handler: async (ctx, { run_id }) => {
    const id = ctx.db.normalizeId("snapshot_runs", run_id);
    return id && (await ctx.db.get(id)) ? id : null;
  },
});

/** Public: the newest run. */
export const latest = query({
  args: {},
  handler: async (ctx) => ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc").first(),
});

/** Public: runs, newest first, a page at a time. */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc").paginate(paginationOpts),
});
