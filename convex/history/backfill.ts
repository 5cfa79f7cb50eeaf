/**
 * `history/backfill`: rebuilds the change history of the time before runs recorded their own, from
 * the archived runs, without touching entity rows. All internal.
 *
 * - `start` begins a walk over the runs, oldest first, up to where live history begins
 *   (`history_state.live_from`; all runs when none has recorded any), and returns its id. Each run
 *   that changed the catalogue is replayed from its archive against a shadow catalogue, and yields
 *   the change rows its live writes would have left (`backfilled: true`); rows already there are
 *   never added twice, so a second backfill adds nothing. Where runs that changed the catalogue can
 *   no longer be replayed (compaction deleted their archives), a gap is recorded instead of invented
 *   changes (src/history/backfillWalk.ts has the rules). At the end `history_state.covered_from`
 *   says from when as-of is exact.
 * - `status` is how far a walk is (the latest when no id is given).
 * - `step` is one action of the walk: it continues in another when its time budget is spent,
 *   keeping its shadow catalogue in a checkpoint file meanwhile.
 *
 * Usage: `npx convex run history/backfill:start '{}'`, then `npx convex run history/backfill:status '{}'`.
 * The rest are the walk's own queries and mutations.
 */
import { v } from "convex/values";
import { doc } from "convex-helpers/validators";
import { internalAction, internalMutation, internalQuery } from "../_generated/server";
import schema from "../schema";
import { vChangeRow } from "./validators";
import { vBackfillWalk, vGap, vRunFacts, vRunPosition, vWalkState } from "./backfillValidators";
import {
  failBackfill,
  finishBackfill,
  insertChangeRows,
  noteProgress as noteProgressHandler,
  readRunsPage,
  saveCheckpoint as saveCheckpointHandler,
  startBackfill,
} from "./backfillStore";
import { runBackfillStep } from "./backfillRun";

/** An action may run 10 minutes: a walk continues in a new one after this long (plus the run it is replaying). */
export const DEFAULT_BUDGET_MS = 4 * 60_000;
/** Run records read per query: a few KB each. */
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

const vOptions = { budget_ms: v.number(), page_size: v.number() };

/** Begins a backfill walk; refused while another is alive. `budget_ms`: time per action before it continues in another (0: one replayed run per action). */
export const start = internalMutation({
  args: { budget_ms: v.optional(v.number()), page_size: v.optional(v.number()) },
  returns: v.id("history_backfills"),
  handler: async (ctx, { budget_ms = DEFAULT_BUDGET_MS, page_size = DEFAULT_PAGE_SIZE }) => {
    if (!(budget_ms >= 0)) throw new Error(`budget_ms must be a number of milliseconds ≥ 0, got ${budget_ms}`);
    if (!Number.isInteger(page_size) || page_size < 1 || page_size > MAX_PAGE_SIZE)
      throw new Error(`page_size must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${page_size}`);
    return startBackfill(ctx, { budget_ms, page_size });
  },
});

/** A walk's row (the latest walk's without an id), or null. */
export const status = internalQuery({
  args: { backfill_id: v.optional(v.id("history_backfills")) },
  returns: v.union(doc(schema, "history_backfills"), v.null()),
  handler: async (ctx, { backfill_id }) =>
    backfill_id ? ctx.db.get("history_backfills", backfill_id) : ctx.db.query("history_backfills").withIndex("by_started_at").order("desc").first(),
});

/** One action of the walk (scheduled by `start` and by the action before). */
export const step = internalAction({
  args: { backfill_id: v.id("history_backfills"), ...vOptions },
  returns: v.null(),
  handler: async (ctx, args) => {
    await runBackfillStep(ctx, args);
    return null;
  },
});

/** The runs after a position, and where live history begins. */
export const runsPage = internalQuery({
  args: { after: v.union(vRunPosition, v.null()), limit: v.number() },
  returns: v.object({ runs: v.array(vRunFacts), isDone: v.boolean(), live_from: v.union(v.number(), v.null()) }),
  handler: (ctx, args) => readRunsPage(ctx, args),
});

/** A batch of rebuilt change rows: those not there yet are inserted. */
export const insertEvents = internalMutation({
  args: { backfill_id: v.id("history_backfills"), rows: v.array(vChangeRow) },
  returns: v.number(),
  handler: (ctx, { backfill_id, rows }) => insertChangeRows(ctx, backfill_id, rows),
});

/** Counts and cursor after some runs, with the gap they closed. */
export const noteProgress = internalMutation({
  args: {
    backfill_id: v.id("history_backfills"),
    walked: v.number(),
    replayed: v.number(),
    lost: v.number(),
    cursor: v.union(v.number(), v.null()),
    gap: v.union(vGap, v.null()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await noteProgressHandler(ctx, args);
    return null;
  },
});

/** Keeps the walk and its checkpoint file, and schedules the next action `delay_ms` from now. */
export const saveCheckpoint = internalMutation({
  args: { backfill_id: v.id("history_backfills"), walk: vBackfillWalk, delay_ms: v.number(), ...vOptions },
  returns: v.null(),
  handler: async (ctx, args) => {
    await saveCheckpointHandler(ctx, args);
    return null;
  },
});

/** Ends the walk: its last gap, and what history covers. */
export const finish = internalMutation({
  args: {
    backfill_id: v.id("history_backfills"),
    state: vWalkState,
    gap: v.union(vGap, v.null()),
    last_walked: v.union(v.number(), v.null()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await finishBackfill(ctx, args);
    return null;
  },
});

/** Records the walk failed. */
export const fail = internalMutation({
  args: { backfill_id: v.id("history_backfills"), error: v.string() },
  returns: v.null(),
  handler: async (ctx, { backfill_id, error }) => {
    await failBackfill(ctx, backfill_id, error);
    return null;
  },
});
