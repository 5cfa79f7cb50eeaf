/**
 * Which run is newest, in the two senses the module needs, as `(ctx, args)` helpers over
 * `snapshot_runs` indexes.
 *
 * Owns: "a run that wrote the catalogue later than this hour" (what a replay or an acceptance
 * must not undo) and "the last run" (what the dashboard card and `snapshot_runs:latest` both show:
 * the last run to finish). A run wrote the catalogue when it was not a dry run, not skipped, did
 * not leave the entity tables alone as a backfill, and is running or ended (a failed run may have
 * written part of its changes).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

export function wroteCatalogue(run: Doc<"snapshot_runs">): boolean {
  return run.status !== "skipped" && run.config.output !== "dry-run" && run.report?.entities_skipped === undefined;
}

/** The earliest run with a later snapshot than `snapshot_at` that wrote the catalogue (or is writing it), or null; only runs started after `startedAfter` when given. */
export async function newerWritingRun(
  ctx: QueryCtx,
  snapshot_at: number,
  exclude: readonly Id<"snapshot_runs">[] = [],
  startedAfter = -Infinity,
): Promise<Doc<"snapshot_runs"> | null> {
  for await (const run of ctx.db.query("snapshot_runs").withIndex("by_snapshot_at", (q) => q.gt("snapshot_at", snapshot_at))) {
    if (!exclude.includes(run._id) && run.started_at > startedAfter && wroteCatalogue(run)) return run;
  }
  return null;
}

/** The last run to finish (a running run has no `ended_at`, and a skipped one never ran): the card's and `latest`'s "last run". */
export function lastFinishedRun(ctx: QueryCtx): Promise<Doc<"snapshot_runs"> | null> {
  return ctx.db.query("snapshot_runs").withIndex("by_ended_at").order("desc").first();
}
