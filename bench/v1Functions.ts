/**
 * Bench only, never shipped: the Convex functions of the v1-style baseline, registered in the
 * bench's embedded runtime as `bench_v1:*`. One `upsert` call per entity, and every call writes,
 * with `snapshot_at` rewritten even when nothing changed: how the pipeline this module replaces
 * behaved. Rows are found by id from a key map loaded once per run (`keys`), which spares the
 * baseline an index read per call: if anything, that flatters it.
 */
import { internalMutationGeneric, internalQueryGeneric } from "convex/server";
import { v } from "convex/values";

const vTable = v.union(v.literal("v1_models"), v.literal("v1_endpoints"));

export const keys = internalQueryGeneric({
  args: { table: vTable },
  handler: async (ctx, { table }) => (await ctx.db.query(table).collect()).map((row) => [row.key as string, row._id as string]),
});

export const upsert = internalMutationGeneric({
  args: { table: vTable, id: v.optional(v.string()), key: v.string(), content: v.any(), snapshot_at: v.number() },
  handler: async (ctx, { table, id, key, content, snapshot_at }) => {
    const existing = id ? ctx.db.normalizeId(table, id) : null;
    if (existing) await ctx.db.patch(existing, { content, snapshot_at });
    else await ctx.db.insert(table, { key, content, snapshot_at });
  },
});
