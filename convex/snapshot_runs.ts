/**
 * `snapshot_runs`: one record per run. Internal mutations open it (`start`) and close it
 * (`complete`, the metrics sink's single patch); public queries read it through indexes.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { pageOptions } from "./lib/queryLimits";
import schema from "./schema";
import { doc } from "convex-helpers/validators";
import { lastFinishedRun, newerChangingRun, RUN_STALE_MS } from "./lib/runOrder";
import type { MutationCtx } from "./_generated/server";

/** Dead runs closed per start: more would only be there after an outage of many hours. */
const DEAD_RUNS_PER_START = 20;

/**
 * Closes runs still `running` long past any action's life (a replay or dry run holds no lease, so
 * nothing else would): recorded `failed`, so they stop counting as in progress or as changing the
 * catalogue. Their writes, if any, are protected row by row (no write moves a row back).
 */
async function closeDeadRuns(ctx: MutationCtx, now: number) {
  const dead = await ctx.db
    .query("snapshot_runs")
    .withIndex("by_status_and_started_at", (q) => q.eq("status", "running").lt("started_at", now - RUN_STALE_MS))
    .take(DEAD_RUNS_PER_START);
  for (const run of dead) {
    const ended_at = run.started_at + RUN_STALE_MS;
    await ctx.db.patch("snapshot_runs", run._id, { status: "failed", ok: false, health: "failed: still running past any action's life; presumed crashed", ended_at, duration_ms: RUN_STALE_MS });
  }
}

const runFields = schema.tables.snapshot_runs.validator.fields;

const LEASE_NAME = "snapshot";

/** A run named in a message: which, which hour, and whether it is still running. */
const vRunPosition = v.object({ run_id: v.id("snapshot_runs"), snapshot_at: v.number(), status: v.string() });

/**
 * Opens a run and, for a live run (one that fetches and writes), takes the run lease, in one
 * transaction. When another run holds a live lease, the new live run is recorded `skipped` with
 * the holder's id and nothing else happens. An expired lease (its run crashed or was stopped) is
 * taken over. Dry runs and replays (`lease_ms: null`) never take the lease, so they never keep
 * the hourly run from running. Runs left `running` past any action's life are closed as failed.
 *
 * A run that will write says where its content sits in time (`order`): `start` finds, in the same
 * transaction, the earliest run after it that changed the catalogue (`newer`). With
 * `refuse_if_newer` (a replay) such a run means no run is opened at all (`run_id: null`).
 */
export const start = internalMutation({
  args: {
    snapshot_at: v.number(),
    started_at: v.number(),
    config: runFields.config,
    lease_ms: v.union(v.number(), v.null()),
    order: v.optional(v.object({ started_at: v.number(), exclude: v.array(v.id("snapshot_runs")), refuse_if_newer: v.boolean() })),
  },
  returns: v.object({
    run_id: v.union(v.id("snapshot_runs"), v.null()),
    skipped_for: v.union(v.id("snapshot_runs"), v.null()),
    took_over_from: v.union(v.id("snapshot_runs"), v.null()),
    newer: v.union(vRunPosition, v.null()),
  }),
  handler: async (ctx, { lease_ms, order, ...run }) => {
    const found = order ? await newerChangingRun(ctx, { snapshot_at: run.snapshot_at, started_at: order.started_at }, order.exclude) : null;
    const newer = found && { run_id: found._id, snapshot_at: found.snapshot_at, status: found.status };
    if (newer && order?.refuse_if_newer) return { run_id: null, skipped_for: null, took_over_from: null, newer };
    if (lease_ms === null) {
      const run_id = await ctx.db.insert("snapshot_runs", { ...run, status: "running" });
      await closeDeadRuns(ctx, run.started_at);
      return { run_id, skipped_for: null, took_over_from: null, newer };
    }
    const lease = await ctx.db.query("snapshot_lease").withIndex("by_name", (q) => q.eq("name", LEASE_NAME)).unique();
    if (lease && lease.expires_at > run.started_at) {
      const run_id = await ctx.db.insert("snapshot_runs", {
        ...run,
        status: "skipped",
        ok: false,
        health: `skipped: run ${lease.run_id} holds the lease until ${new Date(lease.expires_at).toISOString()}`,
        skipped_for: lease.run_id,
        // No ended_at: the dashboard's "last run" is the last to end, and a skip is not one.
        duration_ms: 0,
      });
      return { run_id, skipped_for: lease.run_id, took_over_from: null, newer: null };
    }
    const run_id = await ctx.db.insert("snapshot_runs", { ...run, status: "running" });
    const expires_at = run.started_at + lease_ms;
    if (lease) {
      // The holder outlived its lease: it crashed or was stopped. Close its record for it.
      const crashed = await ctx.db.get("snapshot_runs", lease.run_id);
      if (crashed?.status === "running") {
        await ctx.db.patch("snapshot_runs", lease.run_id, {
          status: "failed",
          ok: false,
          health: `failed: lease expired at ${new Date(lease.expires_at).toISOString()}; presumed crashed (taken over by run ${run_id})`,
          ended_at: lease.expires_at,
          duration_ms: lease.expires_at - crashed.started_at,
        });
      }
    }
    if (lease) await ctx.db.replace("snapshot_lease", lease._id, { name: LEASE_NAME, run_id, expires_at });
    else await ctx.db.insert("snapshot_lease", { name: LEASE_NAME, run_id, expires_at });
    await closeDeadRuns(ctx, run.started_at);
    return { run_id, skipped_for: null, took_over_from: lease?.run_id ?? null, newer };
  },
});

/** The one patch that closes a run: outcome, health, duration and metrics together; releases the lease. */
export const complete = internalMutation({
  args: {
    run_id: v.id("snapshot_runs"),
    status: runFields.status,
    ok: v.boolean(),
    health: v.string(),
    ended_at: v.number(),
    error: v.optional(v.string()),
    health_reasons: runFields.health_reasons,
    withheld: runFields.withheld,
    metrics: runFields.metrics,
    report: runFields.report,
  },
  returns: v.null(),
  handler: async (ctx, { run_id, ...result }) => {
    const run = await ctx.db.get("snapshot_runs", run_id);
    if (!run) throw new Error(`snapshot_runs.complete: no run ${run_id}`);
    await ctx.db.patch("snapshot_runs", run_id, { ...result, duration_ms: result.ended_at - run.started_at });
    const lease = await ctx.db.query("snapshot_lease").withIndex("by_name", (q) => q.eq("name", LEASE_NAME)).unique();
    if (lease?.run_id === run_id) await ctx.db.delete("snapshot_lease", lease._id);
    return null;
  },
});

const vRun = doc(schema, "snapshot_runs");

/** The run with this id, or null when the string is not one: lets runDemo reject a bad `replay_from` by name. */
export const get = internalQuery({
  args: { run_id: v.string() },
  returns: v.union(vRun, v.null()),
  handler: async (ctx, { run_id }) => {
    const id = ctx.db.normalizeId("snapshot_runs", run_id);
    return id ? ctx.db.get("snapshot_runs", id) : null;
  },
});

/** The snapshot time of the last healthy run before `before`, or null: when the drift ledger's gone paths were last seen. */
export const previousHealthyAt = internalQuery({
  args: { before: v.number() },
  returns: v.union(v.number(), v.null()),
  handler: async (ctx, { before }) => {
    const run = await ctx.db
      .query("snapshot_runs")
      .withIndex("by_ok_and_snapshot_at", (q) => q.eq("ok", true).lt("snapshot_at", before))
      .order("desc")
      .first();
    return run?.snapshot_at ?? null;
  },
});

/** The earliest run after a position (snapshot, then start) that changed the catalogue, or null: what a replay must not undo. */
export const newerWriter = internalQuery({
  args: { snapshot_at: v.number(), started_at: v.number(), exclude: v.array(v.id("snapshot_runs")), started_after: v.optional(v.number()) },
  returns: v.union(vRunPosition, v.null()),
  handler: async (ctx, { snapshot_at, started_at, exclude, started_after }) => {
    const run = await newerChangingRun(ctx, { snapshot_at, started_at }, exclude, started_after);
    return run && { run_id: run._id, snapshot_at: run.snapshot_at, status: run.status };
  },
});

/** Public: the last run to finish, the same run the dashboard card (`snapshots_v2:status`) shows as its last run. */
export const latest = query({
  args: {},
  returns: v.union(vRun, v.null()),
  handler: async (ctx) => lastFinishedRun(ctx),
});

/** Public: runs, newest first, a page at a time; at most `MAX_PAGE_SIZE` runs a page (see `lib/queryLimits.ts`). */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRun),
  handler: async (ctx, { paginationOpts }) =>
    ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc").paginate(pageOptions(paginationOpts)),
});
