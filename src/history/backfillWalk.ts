/**
 * backfillWalk: the rules of a history backfill's walk over the runs, oldest first: which runs it
 * replays, where the archives leave a gap, and what the history covers when it is done.
 *
 * Owns: the run's role (`roleOf`) and the walk's state from one run to the next (`replaying`,
 * `losing`, `ending`). Must not touch: Convex, archives, the replay itself.
 *
 * A run matters to history only when it changed the catalogue (it wrote entity rows, or a person
 * accepted its withheld removals): a run that wrote nothing changed nothing, and is passed over
 * whether or not its archive survives. So compaction's usual work, deleting hours that differ
 * from the one before only in telemetry, leaves no gap. A run that changed the catalogue and can
 * be replayed (it ended `ok` and its archive is whole) is replayed. One that cannot (its archive
 * was deleted by compaction or never made, it failed or crashed part way through its writes, it
 * was itself a replay) is lost: its changes cannot be rebuilt. Lost runs between two replayed runs
 * A and B make a gap from A's snapshot to B's: B is replayed without events (the shadow moves to
 * its state, so later runs diff correctly), and nothing is invented for the stretch. Lost runs
 * before the first replayed one make a gap from the first of them. Lost runs at the end make a gap
 * up to where live history begins (or, without any, up to the last of them).
 *
 * History is then continuous from the end of the newest gap, or without a gap from the first run
 * replayed (the first run that ever wrote, whose rows were all `added`): that is `covered_from`.
 */

/** What the walk reads of a run record (`snapshot_runs`). */
export type RunFacts = {
  snapshot_at: number;
  started_at: number;
  status: "running" | "ok" | "failed" | "skipped";
  output: string;
  source: string;
  /** The run found a newer one had written, and left the entity tables alone (a backfill run). */
  entities_skipped: boolean;
  /** `report.mutations`: entity batches it wrote; null when it has no report (it crashed, or is still running). */
  mutations: number | null;
  /** Withheld removals a person accepted afterwards. */
  accepted_rows: number;
};

export type RunRole =
  | { role: "ignore" }
  /** Still running: the walk waits for it to end. */
  | { role: "wait" }
  | { role: "lost"; why: string }
  | { role: "replay" };

/** Where the walk is: kept between actions with the shadow state it describes. */
export type WalkState = {
  /** The snapshot of the last run replayed (the shadow holds its state); null before any. */
  anchor: number | null;
  /** Runs lost since the anchor: how many, the first and last snapshots, and why the first was. */
  lost: { count: number; first: number; last: number; why: string } | null;
  /** The first archived run replayed: `backfilled_from`. */
  first_replayed: number | null;
  /** From where the rebuilt history is continuous: `covered_from`. */
  continuous_from: number | null;
};

/** Stretch of time whose changes could not be rebuilt. */
export type Gap = { from: number; to: number; reason: string };

export const EMPTY_WALK: WalkState = { anchor: null, lost: null, first_replayed: null, continuous_from: null };

/**
 * What the walk does with a run: passes over one that changed nothing, replays one it can, counts
 * one it cannot as lost, and waits for one still running (`staleMs`: a run running longer is dead).
 *
 * @example roleOf({ status: "ok", mutations: 0, … }, now, RUN_STALE_MS) // → { role: "ignore" }
 */
export function roleOf(run: RunFacts, now: number, staleMs: number): RunRole {
  if (run.status === "skipped" || run.output === "dry-run" || run.entities_skipped) return { role: "ignore" };
  if (run.status === "running" && now - run.started_at <= staleMs) return { role: "wait" };
  if (run.mutations === null)
    return { role: "lost", why: `it ended without a report (${run.status === "running" ? "it died running" : "it failed"}), so it may have written` };
  if (run.mutations === 0 && run.accepted_rows === 0) return { role: "ignore" };
  if (run.status !== "ok") return { role: "lost", why: "it failed after writing part of its changes" };
  if (run.source === "archive") return { role: "lost", why: "it was a replay, and wrote rows of its own" };
  return { role: "replay" };
}

/**
 * A run about to be replayed: whether it records events, and the gap lost runs before it make.
 *
 * @example replaying(EMPTY_WALK, t0) // → { record: true, gap: null, walk: { anchor: t0, first_replayed: t0, continuous_from: t0, lost: null } }
 */
export function replaying(walk: WalkState, snapshot_at: number): { record: boolean; gap: Gap | null; walk: WalkState } {
  const gap = walk.lost ? gapOf(walk, snapshot_at) : null;
  return {
    record: gap === null,
    gap,
    walk: {
      anchor: snapshot_at,
      lost: null,
      first_replayed: walk.first_replayed ?? snapshot_at,
      continuous_from: gap ? snapshot_at : (walk.continuous_from ?? snapshot_at),
    },
  };
}

/**
 * A run that changed the catalogue and cannot be replayed.
 *
 * @example losing(walk, t1, "its archives were deleted by compaction").lost // → { count: 1, first: t1, last: t1, why: "…" }
 */
export function losing(walk: WalkState, snapshot_at: number, why: string): WalkState {
  const lost = walk.lost ? { ...walk.lost, count: walk.lost.count + 1, last: snapshot_at } : { count: 1, first: snapshot_at, last: snapshot_at, why };
  return { ...walk, lost };
}

/**
 * The walk's end: `end` is where live history begins, null when no run has recorded any. Lost runs
 * left over make a gap up to it.
 *
 * @example ending({ ...walk, lost: { count: 1, first: t1, last: t1, why } }, t2).gap // → { from: walk.anchor, to: t2, … }
 */
export function ending(walk: WalkState, end: number | null): { gap: Gap | null; walk: WalkState } {
  if (!walk.lost) return { gap: null, walk };
  const gap = gapOf(walk, end ?? walk.lost.last);
  return { gap, walk: { ...walk, lost: null, continuous_from: gap.to } };
}

function gapOf(walk: WalkState, to: number): Gap {
  const lost = walk.lost!;
  const runs = lost.count === 1 ? "1 run" : `${lost.count} runs`;
  return {
    from: walk.anchor ?? lost.first,
    to,
    reason: `${runs} changed the catalogue here and cannot be replayed (the first at ${new Date(lost.first).toISOString()}: ${lost.why}); their changes are not rebuilt`,
  };
}
