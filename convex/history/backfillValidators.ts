/**
 * Validators of the history backfill: the walk's state kept between its actions, the facts it
 * reads of a run, and a gap. Tied at compile time to the pure types of src/history/backfillWalk.ts,
 * so the two cannot drift. Read by the schema (`history_backfills.walk`) and `history/backfill`.
 */
import { v, type Infer } from "convex/values";
import type { Gap, RunFacts, WalkState } from "../../src/history/backfillWalk";

/** Where the walk is (`WalkState`). */
export const vWalkState = v.object({
  anchor: v.union(v.number(), v.null()),
  lost: v.union(v.object({ count: v.number(), first: v.number(), last: v.number(), why: v.string() }), v.null()),
  first_replayed: v.union(v.number(), v.null()),
  continuous_from: v.union(v.number(), v.null()),
});

/** A run's place in `by_snapshot_at`: its snapshot, then its creation. */
export const vRunPosition = v.object({ snapshot_at: v.number(), creation_time: v.number() });

/** What one action of the walk hands the next: the walk's state, the last run looked at, and the shadow state it describes. */
export const vBackfillWalk = v.object({
  state: vWalkState,
  /** The last run looked at: the walk goes on after it. */
  after: v.union(vRunPosition, v.null()),
  /** The shadow catalogue after `after`, gzip'd (`ShadowCatalogue.encode`) in file storage; null before the first continuation. */
  checkpoint: v.union(v.id("_storage"), v.null()),
});

/** What the walk reads of a run record. */
export const vRunFacts = v.object({
  run_id: v.id("snapshot_runs"),
  creation_time: v.number(),
  snapshot_at: v.number(),
  started_at: v.number(),
  status: v.union(v.literal("running"), v.literal("ok"), v.literal("failed"), v.literal("skipped")),
  output: v.string(),
  source: v.string(),
  entities_skipped: v.boolean(),
  mutations: v.union(v.number(), v.null()),
  accepted_rows: v.number(),
});

export const vGap = v.object({ from: v.number(), to: v.number(), reason: v.string() });

export type BackfillWalk = Infer<typeof vBackfillWalk>;
export type RunRow = Infer<typeof vRunFacts>;

// Compile-time ties: the stored shapes are the pure ones.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const walkMatches: Same<Infer<typeof vWalkState>, WalkState> = true;
const factsMatch: RunRow extends RunFacts ? true : false = true;
const gapMatches: Same<Infer<typeof vGap>, Gap> = true;
void walkMatches;
void factsMatch;
void gapMatches;
