/**
 * `snapshot_runs`: one record per run. Internal mutations open it (`start`) and close it
 * (`complete`, the metrics sink's single patch); public queries read it through indexes.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import schema from "./schema";

const runFields = schema.tables.snapshot_runs.validator.fields;

export const start = internalMutation({
  args: { snapshot_at: v.number(), started_at: v.number(), config: runFields.config },
  returns: v.id("snapshot_runs"),
  handler: async (ctx, args) => ctx.db.insert("snapshot_runs", { ...args, status: "running" }),
});

/** The one patch that closes a run: outcome, health, duration and metrics together. */
export const complete = internalMutation({
  args: {
    run_id: v.id("snapshot_runs"),
    status: runFields.status,
    ok: v.boolean(),
    health: v.string(),
    ended_at: v.number(),
    error: v.optional(v.string()),
    metrics: runFields.metrics,
    report: runFields.report,
  },
  returns: v.null(),
  handler: async (ctx, { run_id, ...result }) => {
    const run = await ctx.db.get(run_id);
    if (!run) throw new Error(`snapshot_runs.complete: no run ${run_id}`);
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

const vRun = v.object({ _id: v.id("snapshot_runs"), _creationTime: v.number(), ...runFields });

export const get = internalQuery({
  args: { run_id: v.id("snapshot_runs") },
  handler: async (ctx, { run_id }) => ctx.db.get(run_id),
});

/** Public: the newest run by snapshot time. */
export const latest = query({
  args: {},
  returns: v.union(vRun, v.null()),
  handler: async (ctx) => ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc").first(),
});

/** Public: runs, newest first, a page at a time. */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRun),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc").paginate(paginationOpts),
});
