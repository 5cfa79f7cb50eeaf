/**
 * The history backfill's `(ctx, args)` helpers: the queries and mutations its action calls, which
 * `history/backfill` registers. Every read is through an index and bounded, every write a bounded
 * batch.
 *
 * Owns: the `history_backfills` row (progress, the walk's state between actions, its checkpoint
 * file), the change rows and gaps a backfill adds (never one twice), and `history_state` at the
 * end. Must not touch: the entity tables or their manifest (a backfill rebuilds history, never
 * state), change rows that are already there.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import type { Gap, WalkState } from "../../src/history/backfillWalk";
import { HISTORY_STATE, readHistoryState } from "./changeLog";
import type { ChangeRow } from "./validators";
import type { BackfillWalk, RunRow } from "./backfillValidators";
import { deleteFile } from "../lib/archiveStore";

/** A walk that made no progress for this long is dead (an action lives 10 minutes): another may start. */
export const BACKFILL_STALE_MS = 15 * 60_000;
/** Rows that may share one (entity, key, snapshot): an entity's event and, for a path, a rewrite. Read to tell whether a row is there. */
const SAME_KEY_ROWS = 8;

export type BackfillOptions = { budget_ms: number; page_size: number };

/** Starts a walk: refused while another is running and alive; one that stopped making progress is recorded failed. */
export async function startBackfill(ctx: MutationCtx, options: BackfillOptions): Promise<Id<"history_backfills">> {
  const now = Date.now();
  const latest = await ctx.db.query("history_backfills").withIndex("by_started_at").order("desc").first();
  if (latest?.status === "running") {
    const since = latest.updated_at ?? latest.started_at;
    if (now - since <= BACKFILL_STALE_MS) {
      throw new Error(
        `history backfill ${latest._id} is running (last progress ${new Date(since).toISOString()}); wait for it, or for ${BACKFILL_STALE_MS / 60_000} minutes without progress`,
      );
    }
    await failBackfill(ctx, latest._id, `no progress since ${new Date(since).toISOString()}; presumed dead`);
  }
  const backfill_id = await ctx.db.insert("history_backfills", {
    started_at: now,
    status: "running",
    runs: 0,
    events: 0,
    gaps: 0,
    cursor: null,
    walked: 0,
    lost: 0,
    steps: 1,
    updated_at: now,
  });
  await ctx.scheduler.runAfter(0, internal.history.backfill.step, { backfill_id, ...options });
  return backfill_id;
}

/**
 * Up to `limit` runs after `after` (oldest first, by snapshot then creation), the facts the walk
 * reads of each, and where live history begins now (the walk stops there).
 */
export async function readRunsPage(ctx: QueryCtx, { after, limit }: { after: BackfillWalk["after"]; limit: number }) {
  const runs: RunRow[] = [];
  let isDone = true;
  const query = ctx.db.query("snapshot_runs").withIndex("by_snapshot_at", (q) => (after ? q.gte("snapshot_at", after.snapshot_at) : q));
  for await (const run of query) {
    if (after && run.snapshot_at === after.snapshot_at && run._creationTime <= after.creation_time) continue;
    if (runs.length === limit) {
      isDone = false;
      break;
    }
    runs.push(factsOf(run));
  }
  const state = await readHistoryState(ctx);
  return { runs, isDone, live_from: state?.live_from ?? null };
}

function factsOf(run: Doc<"snapshot_runs">): RunRow {
  return {
    run_id: run._id,
    creation_time: run._creationTime,
    snapshot_at: run.snapshot_at,
    started_at: run.started_at,
    status: run.status,
    output: run.config.output,
    source: run.config.source,
    entities_skipped: run.report?.entities_skipped !== undefined,
    mutations: run.report?.mutations ?? null,
    accepted_rows: run.withheld?.accepted_rows ?? 0,
  };
}

/**
 * Inserts the change rows not there yet: a row is there when one of the same (entity, key,
 * snapshot, event, reason) is, an entity's event or a path's rewrite alike. Returns how many it inserted, and
 * counts them on the walk.
 */
export async function insertChangeRows(ctx: MutationCtx, backfill_id: Id<"history_backfills">, rows: ChangeRow[]): Promise<number> {
  let inserted = 0;
  for (const row of rows) {
    const same = await ctx.db
      .query("or_changes")
      .withIndex("by_entity_and_key_and_snapshot_at", (q) => q.eq("entity", row.entity).eq("key", row.key).eq("snapshot_at", row.snapshot_at))
      .take(SAME_KEY_ROWS);
    if (same.some((known) => known.event === row.event && known.reason === row.reason)) continue;
    await ctx.db.insert("or_changes", row);
    inserted++;
  }
  const backfill = await ctx.db.get("history_backfills", backfill_id);
  if (backfill) await ctx.db.patch("history_backfills", backfill_id, { events: backfill.events + inserted, updated_at: Date.now() });
  return inserted;
}

/** Adds to the walk's counts, moves its cursor, and records a gap it found (unless one of the same stretch is there). */
export async function noteProgress(
  ctx: MutationCtx,
  args: { backfill_id: Id<"history_backfills">; walked: number; replayed: number; lost: number; cursor: number | null; gap: Gap | null },
): Promise<void> {
  const backfill = await ctx.db.get("history_backfills", args.backfill_id);
  if (!backfill) return;
  const gaps = args.gap && (await recordGap(ctx, args.backfill_id, args.gap)) ? 1 : 0;
  await ctx.db.patch("history_backfills", args.backfill_id, {
    walked: (backfill.walked ?? 0) + args.walked,
    runs: backfill.runs + args.replayed,
    lost: (backfill.lost ?? 0) + args.lost,
    gaps: backfill.gaps + gaps,
    cursor: args.cursor ?? backfill.cursor,
    updated_at: Date.now(),
  });
}

/** Inserts a gap unless one from the same time to the same time is recorded; true when it inserted. */
async function recordGap(ctx: MutationCtx, backfill_id: Id<"history_backfills">, gap: Gap): Promise<boolean> {
  const known = await ctx.db
    .query("history_gaps")
    .withIndex("by_from", (q) => q.eq("from", gap.from))
    .take(SAME_KEY_ROWS);
  if (known.some((row) => row.to === gap.to)) return false;
  await ctx.db.insert("history_gaps", { ...gap, backfill_id });
  return true;
}

/**
 * Keeps the walk's state and its new checkpoint file (deleting the one before), and schedules the
 * next action `delay_ms` from now. A walk no longer running (failed meanwhile) takes nothing: the
 * new file is deleted.
 */
export async function saveCheckpoint(
  ctx: MutationCtx,
  args: { backfill_id: Id<"history_backfills">; walk: BackfillWalk; delay_ms: number } & BackfillOptions,
): Promise<void> {
  const { backfill_id, walk, budget_ms, page_size, delay_ms } = args;
  const backfill = await ctx.db.get("history_backfills", backfill_id);
  if (!backfill || backfill.status !== "running") {
    if (walk.checkpoint) await deleteFile(ctx, walk.checkpoint);
    return;
  }
  const previous = backfill.walk?.checkpoint ?? null;
  if (previous && previous !== walk.checkpoint) await deleteFile(ctx, previous);
  await ctx.db.patch("history_backfills", backfill_id, { walk, steps: (backfill.steps ?? 1) + 1, updated_at: Date.now() });
  await ctx.scheduler.runAfter(delay_ms, internal.history.backfill.step, { backfill_id, budget_ms, page_size });
}

/**
 * Ends the walk: records the gap its end left, and what history now covers. `history_state` gets
 * `covered_from` (never later than it was) and `backfilled_from`; when no run has recorded history
 * yet, it is created, with `live_from` just after the last run the walk looked at: runs from there
 * on record their own.
 */
export async function finishBackfill(
  ctx: MutationCtx,
  args: { backfill_id: Id<"history_backfills">; state: WalkState; gap: Gap | null; last_walked: number | null },
): Promise<void> {
  const { backfill_id, state, gap, last_walked } = args;
  const backfill = await ctx.db.get("history_backfills", backfill_id);
  if (!backfill || backfill.status !== "running") return;
  const gaps = gap && (await recordGap(ctx, backfill_id, gap)) ? 1 : 0;
  const covered_from = state.continuous_from;
  if (covered_from !== null) {
    const history = await readHistoryState(ctx);
    const backfilled_from = state.first_replayed ?? undefined;
    if (history === null) {
      const live_from = (last_walked ?? covered_from) + 1;
      await ctx.db.insert("history_state", { name: HISTORY_STATE, covered_from, live_from, ...(backfilled_from !== undefined ? { backfilled_from } : {}) });
    } else {
      const earliest = backfilled_from === undefined ? history.backfilled_from : Math.min(history.backfilled_from ?? Infinity, backfilled_from);
      await ctx.db.patch("history_state", history._id, {
        covered_from: Math.min(history.covered_from, covered_from),
        ...(earliest !== undefined ? { backfilled_from: earliest } : {}),
      });
    }
  }
  if (backfill.walk?.checkpoint) await deleteFile(ctx, backfill.walk.checkpoint);
  const ended_at = Date.now();
  await ctx.db.patch("history_backfills", backfill_id, {
    status: "done",
    gaps: backfill.gaps + gaps,
    ended_at,
    updated_at: ended_at,
    walk: undefined,
    ...(covered_from !== null ? { covered_from } : {}),
  });
}

/** Records the walk failed with `error`, and deletes its checkpoint file. */
export async function failBackfill(ctx: MutationCtx, backfill_id: Id<"history_backfills">, error: string): Promise<void> {
  const backfill = await ctx.db.get("history_backfills", backfill_id);
  if (!backfill || backfill.status !== "running") return;
  if (backfill.walk?.checkpoint) await deleteFile(ctx, backfill.walk.checkpoint);
  const ended_at = Date.now();
  await ctx.db.patch("history_backfills", backfill_id, { status: "failed", error, ended_at, updated_at: ended_at, walk: undefined });
}

