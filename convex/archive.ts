/**
 * The archive: raw responses of remote runs, gzip-compressed in file storage, content-addressed
 * (one blob per distinct body), and kept small by a retention policy that a daily compaction walk
 * applies. Internal writes and replay reads; public read-only storage figures.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { parseRetentionPolicy } from "../src/archive/retention";
import { assertBatchSize } from "./lib/entityRows";
import { compactArchivePage, recordArchiveRows } from "./lib/archiveStore";
import schema from "./schema";

// A row as the archiver hands it over: the table's fields but the change-point flag, which
// `recordBatch` works out, plus whether the archiver reused a known blob.
const { changed: _changed, ...archiveFields } = schema.tables.snapshot_archives.validator.fields;
export const vArchiveRow = v.object({ ...archiveFields, reused: v.boolean() });

/** Records up to 100 archive rows whose blobs are stored or reused. */
export const recordBatch = internalMutation({
  args: { rows: v.array(vArchiveRow) },
  returns: v.null(),
  handler: async (ctx, { rows }) => {
    assertBatchSize("archive.recordBatch", rows.length);
    await recordArchiveRows(ctx, rows);
    return null;
  },
});

/**
 * One page of a run's archives, for replay: each row with whether its file is still in storage
 * (read from the `_storage` system table, so a replay learns what is missing before it writes).
 */
export const listForRun = internalQuery({
  args: { run_id: v.id("snapshot_runs"), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { run_id, paginationOpts }) => {
    const page = await ctx.db.query("snapshot_archives").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).paginate(paginationOpts);
    const rows = [];
    for (const row of page.page) {
      rows.push({ type: row.type, params: row.params, storage_id: row.storage_id, status: row.status, file_present: (await ctx.db.system.get(row.storage_id)) !== null });
    }
    return { ...page, page: rows };
  },
});

/** The most recently referenced blobs: the archiver reuses these instead of storing a body again. */
export const recentBlobs = internalQuery({
  args: { limit: v.number(), since: v.number() },
  returns: v.array(v.object({ sha256: v.string(), storage_id: v.id("_storage"), compressed_size: v.number() })),
  handler: async (ctx, { limit, since }) => {
    const blobs = await ctx.db
      .query("archive_blobs")
      .withIndex("by_last_referenced_at", (q) => q.gte("last_referenced_at", since))
      .order("desc")
      .take(limit);
    return blobs.map(({ sha256, storage_id, compressed_size }) => ({ sha256, storage_id, compressed_size }));
  },
});

/** Archive rows examined per compaction page: ~5 reads and writes each, far inside one transaction. */
export const COMPACTION_PAGE_SIZE = 200;

/**
 * Starts a compaction walk: validates the policy, records the walk, and schedules its first page.
 * The daily cron calls it with no arguments (the default policy, now).
 */
export const compact = internalMutation({
  args: { policy: v.optional(v.any()), now: v.optional(v.number()) },
  returns: v.id("archive_compactions"),
  handler: async (ctx, args) => {
    const policy = parseRetentionPolicy(args.policy);
    const started_at = Date.now();
    const compaction_id = await ctx.db.insert("archive_compactions", {
      started_at,
      now: args.now ?? started_at,
      policy,
      status: "running",
      pages: 0,
      rows_examined: 0,
      rows_deleted: 0,
      blobs_deleted: 0,
      bytes_reclaimed: 0,
    });
    await ctx.scheduler.runAfter(0, internal.archive.compactPage, { compaction_id, cursor: null });
    return compaction_id;
  },
});

/** One page of the walk; schedules the next until the walk is done, then logs one summary line. */
export const compactPage = internalMutation({
  args: { compaction_id: v.id("archive_compactions"), cursor: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { compaction_id, cursor }) => {
    const compaction = await ctx.db.get(compaction_id);
    if (!compaction || compaction.status === "done") return null;
    const page = await compactArchivePage(ctx, { policy: compaction.policy, now: compaction.now, cursor, pageSize: COMPACTION_PAGE_SIZE });
    const totals = {
      pages: compaction.pages + 1,
      rows_examined: compaction.rows_examined + page.examined,
      rows_deleted: compaction.rows_deleted + page.deleted,
      blobs_deleted: compaction.blobs_deleted + page.blobs_deleted,
      bytes_reclaimed: compaction.bytes_reclaimed + page.bytes_reclaimed,
    };
    if (!page.isDone) {
      await ctx.db.patch(compaction_id, totals);
      await ctx.scheduler.runAfter(0, internal.archive.compactPage, { compaction_id, cursor: page.continueCursor });
      return null;
    }
    const ended_at = Date.now();
    await ctx.db.patch(compaction_id, { ...totals, status: "done", ended_at, duration_ms: ended_at - compaction.started_at });
    console.log(
      `archive compaction ${compaction_id} done in ${ended_at - compaction.started_at} ms — ${totals.pages} pages, ` +
        `${totals.rows_examined} rows examined, ${totals.rows_deleted} deleted, ${totals.blobs_deleted} blobs deleted, ${totals.bytes_reclaimed} bytes reclaimed`,
    );
    return null;
  },
});

const vStorageStats = v.object({ rows: v.number(), blobs: v.number(), stored_bytes: v.number(), logical_bytes: v.number() });

/** Public: archive size, stored (each blob once) versus logical (as if nothing were shared). */
export const storageStats = query({
  args: {},
  returns: vStorageStats,
  handler: async (ctx) => {
    const totals = await ctx.db.query("archive_totals").withIndex("by_name", (q) => q.eq("name", "archive")).unique();
    return { rows: totals?.rows ?? 0, blobs: totals?.blobs ?? 0, stored_bytes: totals?.stored_bytes ?? 0, logical_bytes: totals?.logical_bytes ?? 0 };
  },
});

/** Public: the latest compaction walk's record. */
export const lastCompaction = query({
  args: {},
  handler: async (ctx) => ctx.db.query("archive_compactions").withIndex("by_started_at").order("desc").first(),
});
