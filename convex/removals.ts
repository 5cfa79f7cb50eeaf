/**
 * Removals held back by the share guard, and the rolling window the guard weighs.
 *
 * Owns: `withheld_removals` (written by the ConvexWriter at the end of a run whose removals were
 * withheld; read and emptied when a person accepts them) and the count of rows recently marked
 * unavailable. `acceptWithheld` is how a person applies what a run withheld after looking at it
 * (`npx convex run removals:acceptWithheld '{"run_id":"…"}'`), instead of re-running the snapshot
 * with a larger share. All internal: everything here writes or serves the writer.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import { assertBatchSize, findEndpoint, findModel, markRowUnavailable, ROLLING_GUARD_REASONS, UNAVAILABLE_REASONS } from "./lib/entityRows";
import { newerChangingRun } from "./lib/runOrder";
import { ManifestEdits } from "./lib/manifestStore";
import { ChangeLog } from "./history/changeLog";

const vWithheldRow = v.object({
  kind: v.union(v.literal("model"), v.literal("endpoint")),
  slug: v.string(),
  model_permaslug: v.optional(v.string()),
  variant: v.optional(v.string()),
  endpoint_id: v.optional(v.string()),
});

/** Up to 100 withheld rows of one run. */
export const recordWithheld = internalMutation({
  args: { run_id: v.id("snapshot_runs"), rows: v.array(vWithheldRow) },
  returns: v.null(),
  handler: async (ctx, { run_id, rows }) => {
    assertBatchSize("removals.recordWithheld", rows.length);
    for (const row of rows) await ctx.db.insert("withheld_removals", { run_id, ...row });
    return null;
  },
});

/**
 * Rows of one table marked unavailable in `[since, until]` that count against the rolling guard,
 * at most `cap`: one indexed range per reason that counts (gone upstream, no endpoint now, and none
 * for rows marked before reasons were kept), so moves and accepted removals are never read. A row
 * first seen already unavailable (listed with no endpoint) was never removed, and is not counted.
 */
export const recentRemovals = internalQuery({
  args: { table: v.union(v.literal("or_models"), v.literal("or_endpoints")), since: v.number(), until: v.number(), cap: v.number() },
  returns: v.number(),
  handler: async (ctx, { table, since, until, cap }) => {
    let counted = 0;
    for (const reason of ROLLING_GUARD_REASONS) {
      const rows = await ctx.db
        .query(table)
        .withIndex("by_unavailable_reason_and_unavailable_at", (q) => q.eq("unavailable_reason", reason).gte("unavailable_at", since).lte("unavailable_at", until))
        .take(cap - counted);
      counted += rows.filter((row) => row.unavailable_at !== row.first_seen_at).length;
      if (counted >= cap) break;
    }
    return counted;
  },
});

/** Withheld rows applied per mutation: two reads and a write each, far inside one transaction. */
const ACCEPT_PAGE_SIZE = 100;

/**
 * Accepts what run `run_id` withheld: marks each withheld row unavailable (as of that run's
 * snapshot, with the reason "withheld by run …, accepted"), a page at a time, scheduling itself
 * until done. Refused when a newer run has changed the catalogue since (its own verdict is the
 * current one: accept that run's instead), when the run withheld nothing, or when its removals are
 * accepted or being accepted already. A row that came back or changed since is left as it is.
 * Each row marked leaves its `removed` change row, dated that run's snapshot.
 */
export const acceptWithheld = internalMutation({
  args: { run_id: v.string() },
  returns: v.object({ marked: v.number(), remaining: v.boolean() }),
  handler: async (ctx, args) => {
    const run_id = ctx.db.normalizeId("snapshot_runs", args.run_id);
    const run = run_id ? await ctx.db.get("snapshot_runs", run_id) : null;
    if (!run_id || !run) throw new Error(`run_id must be the id of a snapshot run, got ${JSON.stringify(args.run_id)}`);
    if (!run.withheld) throw new Error(`run ${run_id} withheld no removals`);
    if (run.withheld.accepted_at !== undefined) throw new Error(`run ${run_id}'s withheld removals were already accepted at ${new Date(run.withheld.accepted_at).toISOString()}`);
    if (run.withheld.accepting_since !== undefined) {
      throw new Error(`run ${run_id}'s withheld removals are being accepted already (since ${new Date(run.withheld.accepting_since).toISOString()})`);
    }
    const newer = await newerChangingRun(ctx, run, [run_id]);
    if (newer) {
      throw new Error(
        `run ${newer._id} (snapshot ${new Date(newer.snapshot_at).toISOString()}) changed the catalogue after run ${run_id}: ` +
          `its removals decide now${newer.withheld ? `; accept run ${newer._id}'s withheld removals instead` : ""}`,
      );
    }
    await ctx.db.patch("snapshot_runs", run_id, { withheld: { ...run.withheld, accepting_since: Date.now() } });
    return acceptPage(ctx, run_id, run.snapshot_at, 0);
  },
});

/** The next page of an acceptance, scheduled by the one before. */
export const acceptWithheldPage = internalMutation({
  args: { run_id: v.id("snapshot_runs"), marked_before: v.number() },
  returns: v.object({ marked: v.number(), remaining: v.boolean() }),
  handler: async (ctx, { run_id, marked_before }) => {
    const run = await ctx.db.get("snapshot_runs", run_id);
    if (!run?.withheld || run.withheld.accepted_at !== undefined) return { marked: 0, remaining: false };
    return acceptPage(ctx, run_id, run.snapshot_at, marked_before);
  },
});

async function acceptPage(ctx: MutationCtx, run_id: Id<"snapshot_runs">, at: number, markedBefore: number) {
  const rows = await ctx.db.query("withheld_removals").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).take(ACCEPT_PAGE_SIZE);
  const reason = UNAVAILABLE_REASONS.accepted(run_id);
  let marked = 0;
  const edits = new ManifestEdits();
  // Accepted removals are history like any other: `removed`, as of the run that withheld them.
  const log = new ChangeLog({ snapshot_at: at, run_id });
  for (const row of rows) {
    if (row.kind === "model") {
      const existing = await findModel(ctx, row.slug);
      if (await markRowUnavailable(ctx, edits, "or_models", existing, at, reason)) {
        marked++;
        log.marked("model", existing!, { reason });
      }
    } else {
      const existing = await findEndpoint(ctx, { model_permaslug: row.model_permaslug ?? "", variant: row.variant ?? "", endpoint_id: row.endpoint_id ?? "" });
      if (await markRowUnavailable(ctx, edits, "or_endpoints", existing, at, reason)) {
        marked++;
        log.marked("endpoint", existing!, { reason });
      }
    }
    await ctx.db.delete("withheld_removals", row._id);
  }
  await edits.commit(ctx);
  await log.commit(ctx);
  const remaining = rows.length === ACCEPT_PAGE_SIZE;
  if (remaining) {
    await ctx.scheduler.runAfter(0, internal.removals.acceptWithheldPage, { run_id, marked_before: markedBefore + marked });
  } else {
    const run = (await ctx.db.get("snapshot_runs", run_id))!;
    const { accepting_since: _since, ...withheld } = run.withheld!;
    await ctx.db.patch("snapshot_runs", run_id, { withheld: { ...withheld, accepted_at: Date.now(), accepted_rows: markedBefore + marked } });
    console.log(`removals withheld by run ${run_id} accepted: ${markedBefore + marked} rows marked unavailable`);
  }
  return { marked, remaining };
}
