/**
 * `validation_issues`: validation failures de-duplicated across runs, keyed by source and the
 * SHA-256 of the bad item. The same broken payload seen in ten runs is one row with count 10.
 */
import { v } from "convex/values";
import { internalMutation, query } from "./_generated/server";
import { assertBatchSize } from "./lib/entityRows";
import { checkedLimit } from "./lib/queryLimits";
import schema from "./schema";
import { doc } from "convex-helpers/validators";

const vIssueDoc = doc(schema, "validation_issues");

export const vIssueSighting = v.object({ source: v.string(), sha256: v.string(), message: v.string() });

/** Up to 100 sightings of one run. Counting is per run: replaying a batch does not count twice. */
export const recordBatch = internalMutation({
  args: { run_id: v.id("snapshot_runs"), seen_at: v.number(), issues: v.array(vIssueSighting) },
  returns: v.object({ inserted: v.number(), updated: v.number(), unchanged: v.number() }),
  handler: async (ctx, { run_id, seen_at, issues }) => {
    assertBatchSize("validation_issues.recordBatch", issues.length);
    const outcome = { inserted: 0, updated: 0, unchanged: 0 };
    for (const issue of issues) {
      const existing = await ctx.db
        .query("validation_issues")
        .withIndex("by_source_and_sha256", (q) => q.eq("source", issue.source).eq("sha256", issue.sha256))
        .unique();
      if (!existing) {
        await ctx.db.insert("validation_issues", { ...issue, first_seen_at: seen_at, last_seen_at: seen_at, last_run_id: run_id, count: 1 });
        outcome.inserted++;
      } else if (existing.last_run_id === run_id) {
        outcome.unchanged++;
      } else {
        outcome.updated++;
        await ctx.db.patch("validation_issues", existing._id, {
          message: issue.message,
          last_seen_at: Math.max(existing.last_seen_at, seen_at),
          first_seen_at: Math.min(existing.first_seen_at, seen_at),
          last_run_id: run_id,
          count: existing.count + 1,
        });
      }
    }
    return outcome;
  },
});

/** Public: the most recently seen issues, at most `limit` (default 50, capped at `MAX_PAGE_SIZE`; see `lib/queryLimits.ts`). */
export const recent = query({
  args: { limit: v.optional(v.number()) },
  returns: v.array(vIssueDoc),
  handler: async (ctx, { limit }) =>
    ctx.db.query("validation_issues").withIndex("by_last_seen_at").order("desc").take(checkedLimit("limit", limit, { fallback: 50 })),
});
