/**
 * snapshots_v2: the entry points of a snapshot run.
 *
 * `runDemo` is for people (`npx convex run snapshots_v2:runDemo '{"output":"dry-run"}'`), `run`
 * is the hourly cron's target; both delegate to `runSnapshot`. Both are internal: everything that
 * writes is.
 */
import { v } from "convex/values";
import { internalAction, query } from "./_generated/server";
import { LEASE_MS, parseRunDemoArgs, runSnapshot } from "./lib/runSnapshot";
import { vSnapshotReport as vReport } from "./lib/validators";
import { lastDecidingRun, lastFinishedRun } from "./lib/runOrder";
import { checkedNumber } from "./lib/queryLimits";

export const runDemo = internalAction({
  args: {
    // Checked by `checkRunArgs`, whose messages name the argument and the allowed values.
    output: v.optional(v.string()),
    replay_from: v.optional(v.string()),
    snapshot_at: v.optional(v.number()),
    maxConcurrency: v.optional(v.number()),
    maxUnavailableShare: v.optional(v.number()),
    maxRollingShare: v.optional(v.number()),
    maxFailedListShare: v.optional(v.number()),
    maxInvalidShare: v.optional(v.number()),
    broadRewriteShare: v.optional(v.number()),
    // With replay_from: replay into entity tables that hold nothing newer, although newer runs exist.
    rebuild: v.optional(v.boolean()),
    // "v1" (default) or "legacy-2025"; checked by `checkRunArgs`.
    paths: v.optional(v.string()),
    remote: v.optional(
      v.object({
        timeoutMs: v.optional(v.number()),
        maxAttempts: v.optional(v.number()),
        baseDelayMs: v.optional(v.number()),
        maxDelayMs: v.optional(v.number()),
        retryAfterCapMs: v.optional(v.number()),
        maxBodyBytes: v.optional(v.number()),
        maxStreamedBodyBytes: v.optional(v.number()),
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

/** Convex stops an action after 10 minutes; a run still `running` past its lease is presumed dead. */
export const STALE_AFTER_MS = LEASE_MS;

const vKindCard = v.object({ processed: v.number(), updated: v.number() });
const NEW_FIELDS_WINDOW_MS = 7 * 86_400_000;
const NEW_FIELDS_COUNT_CAP = 1000;

/**
 * Public: the dashboard card, from three indexed single-row reads, one short indexed scan (the
 * newest runs, for the one whose removals decide now) and one indexed range (fields new upstream
 * this week). `now` defaults to the query's clock; pass it to make staleness deterministic.
 */
export const status = query({
  args: { now: v.optional(v.number()) },
  returns: v.object({
    last_run: v.union(
      v.null(),
      v.object({
        run_id: v.id("snapshot_runs"),
        snapshot_at: v.number(),
        status: v.string(),
        ok: v.union(v.boolean(), v.null()),
        health: v.union(v.string(), v.null()),
        /** Every reason the run is not healthy; empty when it is. */
        reasons: v.array(v.string()),
        /** Removals withheld by the run whose removals decide now (the newest live run or replay), not yet accepted (see `removals:acceptWithheld`). */
        withheld: v.union(v.object({ run_id: v.id("snapshot_runs"), models: v.number(), endpoints: v.number() }), v.null()),
        duration_ms: v.union(v.number(), v.null()),
        errors: v.number(),
        models: vKindCard,
        endpoints: vKindCard,
      }),
    ),
    last_success_at: v.union(v.number(), v.null()),
    in_progress: v.boolean(),
    stale: v.boolean(),
    running_since: v.union(v.number(), v.null()),
    /** Upstream field paths first seen in the last 7 days (after the ledger's first run), at most 1,000; see `upstream_fields:recent`. */
    new_fields_7d: v.number(),
  }),
  handler: async (ctx, args) => {
    const clock = checkedNumber("now", args.now, { fallback: Date.now() });
    // A running run has no ended_at, which sorts below every number: the first row is the last to end.
    const lastFinished = await lastFinishedRun(ctx);
    const deciding = await lastDecidingRun(ctx);
    const withheld = deciding?.withheld && deciding.withheld.accepted_at === undefined ? deciding.withheld : null;
    const lastSuccess = await ctx.db.query("snapshot_runs").withIndex("by_ok_and_snapshot_at", (q) => q.eq("ok", true)).order("desc").first();
    const running = await ctx.db.query("snapshot_runs").withIndex("by_status_and_started_at", (q) => q.eq("status", "running")).order("desc").first();
    const stale = running !== null && clock - running.started_at > STALE_AFTER_MS;
    const newFields = await ctx.db
      .query("upstream_fields")
      .withIndex("by_baseline_and_first_seen_at", (q) => q.eq("baseline", false).gte("first_seen_at", clock - NEW_FIELDS_WINDOW_MS))
      .take(NEW_FIELDS_COUNT_CAP);
    const card = (kind: "models" | "endpoints") => {
      const counts = lastFinished?.report?.[kind];
      return { processed: counts?.total ?? 0, updated: counts ? counts.insert + counts.update + counts.unavailable : 0 };
    };
    return {
      last_run: lastFinished && {
        run_id: lastFinished._id,
        snapshot_at: lastFinished.snapshot_at,
        status: lastFinished.status,
        ok: lastFinished.ok ?? null,
        health: lastFinished.health ?? null,
        reasons: lastFinished.health_reasons ?? [],
        withheld: withheld && { run_id: deciding!._id, models: withheld.models, endpoints: withheld.endpoints },
        duration_ms: lastFinished.duration_ms ?? null,
        errors: lastFinished.metrics?.errors ?? 0,
        models: card("models"),
        endpoints: card("endpoints"),
      },
      last_success_at: lastSuccess?.snapshot_at ?? null,
      in_progress: running !== null && !stale,
      stale,
      running_since: running?.started_at ?? null,
      new_fields_7d: newFields.length,
    };
  },
});
