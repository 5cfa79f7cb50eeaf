/**
 * Bench only, never shipped: the one Convex function of the v1-style baseline, registered in the
 * bench's embedded runtime as `bench_v1:upsert`. One call per entity, and every call writes, with
 * `snapshot_at` rewritten even when nothing changed: how the pipeline this module replaces behaved.
 */
import { internalMutationGeneric } from "convex/server";
import { v } from "convex/values";

export const upsert = internalMutationGeneric({
  args: { table: v.union(v.literal("v1_models"), v.literal("v1_endpoints")), key: v.string(), content: v.any(), snapshot_at: v.number() },
  handler: async (ctx, { table, key, content, snapshot_at }) => {
    const existing = await ctx.db
      .query(table)
      .withIndex("by_key", (q) => q.eq("key", key))
      .unique();
    if (existing) await ctx.db.patch(existing._id, { content, snapshot_at });
    else await ctx.db.insert(table, { key, content, snapshot_at });
  },
});
