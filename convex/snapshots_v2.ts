/**
 * snapshots_v2: the entry points of a snapshot run.
 *
 * `runDemo` is for people (`npx convex run snapshots_v2:runDemo '{"output":"dry-run"}'`), `run`
 * is the hourly cron's target; both delegate to `runSnapshot`. Both are internal: everything that
 * writes is.
 */
import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { runSnapshot } from "./lib/runSnapshot";
import { vSnapshotReport as vReport } from "./lib/validators";

export const runDemo = internalAction({
  args: {
    output: v.optional(v.union(v.literal("convex"), v.literal("dry-run"), v.literal("both"))),
    replay_from: v.optional(v.id("snapshot_runs")),
    snapshot_at: v.optional(v.number()),
    maxConcurrency: v.optional(v.number()),
  },
  returns: vReport,
  handler: (ctx, args) => runSnapshot(ctx, args),
});

/** The cron's target: a live run written to the database. */
export const run = internalAction({
  args: {},
  returns: vReport,
  handler: (ctx) => runSnapshot(ctx, { output: "convex" }),
});
