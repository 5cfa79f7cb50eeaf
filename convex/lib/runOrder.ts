/**
 * Which run is newest, in the senses the module needs, as `(ctx, args)` helpers over
 * `snapshot_runs` indexes.
 *
 * Owns: "a run that changed the catalogue after this one" (what a replay or an acceptance must not
 * undo), "the last run" (what the dashboard card and `snapshot_runs:latest` both show: the last run
 * to finish) and "the run whose removals decide now" (whose withheld removals the card shows).
 *
 * A run changed the catalogue when it wrote entity rows (`report.mutations > 0`, a failed run's
 * partial writes included), or a person accepted its withheld removals, or it is still running
 * and may write (a live run or a replay; never a dry run, never a backfill; not once it has been
 * running longer than any action lives: it is dead, and its writes are guarded row by row). A run that wrote
 * nothing, because its hour was unchanged or it failed first, changed nothing a replay could undo.
 * Order is by snapshot, and between runs of the same snapshot by start: a run started later
 * stands for a later look at that hour. Replays of the run in question carry its own content and
 * are never "newer" than it.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/** Convex stops an action at 10 minutes: a run `running` longer than this is dead (and closed by the next run's start). */
export const RUN_STALE_MS = 11 * 60_000;

export function changedCatalogue(run: Doc<"snapshot_runs">, now: number): boolean {
  if (run.status === "skipped" || run.config.output === "dry-run" || run.report?.entities_skipped !== undefined) return false;
  if (run.status === "running") return now - run.started_at <= RUN_STALE_MS;
  return (run.report?.mutations ?? 0) > 0 || (run.withheld?.accepted_rows ?? 0) > 0;
}

/** Where a run sits in time: its snapshot, then its start. */
export type RunPosition = { snapshot_at: number; started_at: number };

/**
 * The earliest run after `after` that changed the catalogue (or may be changing it), or null.
 * Runs in `exclude` and replays of them are passed over; with `startedAfter`, only runs started
 * later count (what happened meanwhile).
 */
export async function newerChangingRun(
  ctx: QueryCtx,
  after: RunPosition,
  exclude: readonly Id<"snapshot_runs">[] = [],
  startedAfter = -Infinity,
): Promise<Doc<"snapshot_runs"> | null> {
  for await (const run of ctx.db.query("snapshot_runs").withIndex("by_snapshot_at", (q) => q.gte("snapshot_at", after.snapshot_at))) {
    if (run.snapshot_at === after.snapshot_at && run.started_at <= after.started_at) continue;
    if (exclude.includes(run._id) || (run.config.replay_from !== undefined && exclude.includes(run.config.replay_from))) continue;
    if (run.started_at > startedAfter && changedCatalogue(run, Date.now())) return run;
  }
  return null;
}

/** The last run to finish (a running run has no `ended_at`, and a skipped one never ran): the card's and `latest`'s "last run". */
export function lastFinishedRun(ctx: QueryCtx): Promise<Doc<"snapshot_runs"> | null> {
  return ctx.db.query("snapshot_runs").withIndex("by_ended_at").order("desc").first();
}

/** Runs read, newest snapshot first, looking for the one that decided removals last. */
const DECIDING_RUN_SCAN = 50;

/**
 * The newest finished run that decided removals against the tables (a live run or a replay; not
 * a dry run, backfill or skip), or null: whose withheld removals, if any, stand.
 */
export async function lastDecidingRun(ctx: QueryCtx): Promise<Doc<"snapshot_runs"> | null> {
  // Read one run at a time: the newest is nearly always the one (the hourly run), and the card is a subscribed query.
  let read = 0;
  for await (const run of ctx.db.query("snapshot_runs").withIndex("by_snapshot_at").order("desc")) {
    if ((run.status === "ok" || run.status === "failed") && run.config.output !== "dry-run" && run.report?.entities_skipped === undefined) return run;
    if (++read >= DECIDING_RUN_SCAN) break;
  }
  return null;
}
