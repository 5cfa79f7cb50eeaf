/**
 * `snapshot_archives`: the raw responses of remote runs, gzip-compressed in file storage.
 * Internal only: rows are recorded by the archiver and read back by replay.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery } from "./_generated/server";
import { assertBatchSize } from "./lib/entityRows";

export const vArchiveRow = v.object({
  run_id: v.id("snapshot_runs"),
  snapshot_at: v.number(),
  type: v.union(v.literal("models"), v.literal("endpoints")),
  params: v.string(),
  storage_id: v.id("_storage"),
  sha256: v.string(),
  size: v.number(),
  compressed_size: v.number(),
});

/** Records up to 100 archive rows whose blobs are already stored. */
export const recordBatch = internalMutation({
  args: { rows: v.array(vArchiveRow) },
  returns: v.null(),
  handler: async (ctx, { rows }) => {
    assertBatchSize("archive.recordBatch", rows.length);
    for (const row of rows) await ctx.db.insert("snapshot_archives", row);
    return null;
  },
});

/** One page of a run's archives, for replay. */
export const listForRun = internalQuery({
  args: { run_id: v.id("snapshot_runs"), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { run_id, paginationOpts }) =>
    ctx.db.query("snapshot_archives").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).paginate(paginationOpts),
});
