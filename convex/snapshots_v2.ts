/**
 * snapshots_v2: the entry points of a snapshot run.
 *
 * `runDemo` is for people (`npx convex run snapshots_v2:runDemo '{"output":"dry-run"}'`), `run`
 * is the hourly cron's target; both delegate to `runSnapshot`. Both are internal: everything that
 * writes is.
 */
import { v } from "convex/values";
import { internalAction } from "./_generated/server";
import { parseRunDemoArgs, runSnapshot } from "./lib/runSnapshot";
import { vSnapshotReport as vReport } from "./lib/validators";

export const runDemo = internalAction({
  args: {
    // Checked by `checkRunArgs`, whose messages name the argument and the allowed values.
    output: v.optional(v.string()),
    replay_from: v.optional(v.string()),
    snapshot_at: v.optional(v.number()),
    maxConcurrency: v.optional(v.number()),
    remote: v.optional(
      v.object({
        timeoutMs: v.optional(v.number()),
        maxAttempts: v.optional(v.number()),
        baseDelayMs: v.optional(v.number()),
        maxDelayMs: v.optional(v.number()),
        retryAfterCapMs: v.optional(v.number()),
        maxBodyBytes: v.optional(v.number()),
      }),
    ),
  },
  returns: vReport,
  handler: async (ctx, args) => runSnapshot(ctx, await parseRunDemoArgs(ctx, args)),
});

/** The cron's target: a live run written to the database. */
export const run = internalAction({
  args: {},
  returns: vReport,
  handler: (ctx) => runSnapshot(ctx, { output: "convex" }),
});
