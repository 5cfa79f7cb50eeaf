/**
 * The archive: raw responses of remote runs, one bundle per run (gzip members in a few part files
 * and an index file, see `src/archive/bundle.ts`) with one `archive_bundles` row, kept small by a
 * retention policy that a daily compaction walk applies. Runs archived before bundles (one
 * `snapshot_archives` row and content-addressed blob per request) stay replayable and are
 * compacted by the same walk. Internal writes and replay reads; public read-only storage figures.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { parseRetentionPolicy } from "../src/archive/retention";
import { compactArchivePage, readArchiveTotals } from "./lib/archiveStore";
import { bundleForRun as bundleForRunHandler, compactBundlePage, recordBundle as recordBundleHandler } from "./lib/bundleStore";
import schema from "./schema";

// A bundle as the archiver hands it over: the table's fields but the change-point flag, which
// `recordBundle` works out.
const { changed: _changed, ...bundleFields } = schema.tables.archive_bundles.validator.fields;
export const vBundleInput = v.object(bundleFields);

/** Records a run's bundle, once its parts and index are stored: one call per run, at its end. */
export const recordBundle = internalMutation({
  args: { bundle: vBundleInput },
  returns: v.object({ changed: v.boolean() }),
  handler: async (ctx, { bundle }) => recordBundleHandler(ctx, bundle),
});

/** A run's bundle, with which of its files are missing from storage, for replay; null for a run archived before bundles (or never). */
export const bundleForRun = internalQuery({
  args: { run_id: v.id("snapshot_runs") },
  handler: async (ctx, { run_id }) => bundleForRunHandler(ctx, run_id),
});

/**
 * Legacy: one page of the `snapshot_archives` rows of a run archived before bundles, for replay:
 * each row with whether its file is still in storage (read from the `_storage` system table, so a
 * replay learns what is missing before it writes).
 */
export const listForRun = internalQuery({
  args: { run_id: v.id("snapshot_runs"), paginationOpts: paginationOptsValidator },
  handler: async (ctx, { run_id, paginationOpts }) => {
    const page = await ctx.db.query("snapshot_archives").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).paginate(paginationOpts);
    const rows = [];
    for (const row of page.page) {
      rows.push({
        type: row.type,
        params: row.params,
        storage_id: row.storage_id,
        status: row.status,
        file_present: (await ctx.db.system.get("_storage", row.storage_id)) !== null,
      });
    }
    return { ...page, page: rows };
  },
});

/** Legacy rows examined per compaction page: ~5 reads and writes each, far inside one transaction. */
export const COMPACTION_PAGE_SIZE = 200;
/** Bundles examined per compaction page: a dropped one deletes its row, its index and its parts (about 12 at 50× today's catalogue). */
export const BUNDLE_COMPACTION_PAGE_SIZE = 100;

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
      bundles_examined: 0,
      bundles_deleted: 0,
      bytes_reclaimed: 0,
    });
    await ctx.scheduler.runAfter(0, internal.archive.compactPage, { compaction_id, cursor: null, phase: "rows" });
    return compaction_id;
  },
});

const vPhase = v.union(v.literal("rows"), v.literal("bundles"));

/**
 * One page of the walk: legacy rows first, then bundles (a page scheduled before bundles has no
 * phase: rows). Schedules the next page until both are done, then logs one summary line.
 */
export const compactPage = internalMutation({
  args: { compaction_id: v.id("archive_compactions"), cursor: v.union(v.string(), v.null()), phase: v.optional(vPhase) },
  returns: v.null(),
  handler: async (ctx, { compaction_id, cursor, phase = "rows" }) => {
    const compaction = await ctx.db.get("archive_compactions", compaction_id);
    if (!compaction || compaction.status === "done") return null;
    const { policy, now } = compaction;
    const totals = {
      pages: compaction.pages + 1,
      rows_examined: compaction.rows_examined,
      rows_deleted: compaction.rows_deleted,
      blobs_deleted: compaction.blobs_deleted,
      bundles_examined: compaction.bundles_examined ?? 0,
      bundles_deleted: compaction.bundles_deleted ?? 0,
      bytes_reclaimed: compaction.bytes_reclaimed,
    };
    let page: { isDone: boolean; continueCursor: string };
    if (phase === "rows") {
      const rows = (page = await compactArchivePage(ctx, { policy, now, cursor, pageSize: COMPACTION_PAGE_SIZE }));
      totals.rows_examined += rows.examined;
      totals.rows_deleted += rows.deleted;
      totals.blobs_deleted += rows.blobs_deleted;
      totals.bytes_reclaimed += rows.bytes_reclaimed;
    } else {
      const bundles = (page = await compactBundlePage(ctx, { policy, now, cursor, pageSize: BUNDLE_COMPACTION_PAGE_SIZE }));
      totals.bundles_examined += bundles.examined;
      totals.bundles_deleted += bundles.deleted;
      totals.bytes_reclaimed += bundles.bytes_reclaimed;
    }
    if (!page.isDone || phase === "rows") {
      await ctx.db.patch("archive_compactions", compaction_id, totals);
      const next = page.isDone ? { cursor: null, phase: "bundles" as const } : { cursor: page.continueCursor, phase };
      await ctx.scheduler.runAfter(0, internal.archive.compactPage, { compaction_id, ...next });
      return null;
    }
    const ended_at = Date.now();
    await ctx.db.patch("archive_compactions", compaction_id, { ...totals, status: "done", ended_at, duration_ms: ended_at - compaction.started_at });
    console.log(
      `archive compaction ${compaction_id} done in ${ended_at - compaction.started_at} ms — ${totals.pages} pages, ` +
        `${totals.bundles_examined} bundles examined, ${totals.bundles_deleted} deleted; ` +
        `${totals.rows_examined} legacy rows examined, ${totals.rows_deleted} deleted, ${totals.blobs_deleted} blobs deleted; ${totals.bytes_reclaimed} bytes reclaimed`,
    );
    return null;
  },
});

const vStorageStats = v.object({
  bundles: v.number(),
  /** Responses archived, in bundles and legacy rows. */
  responses: v.number(),
  rows: v.number(),
  blobs: v.number(),
  stored_bytes: v.number(),
  logical_bytes: v.number(),
});

/**
 * Public: archive size. `bundles`, and legacy `rows` and `blobs`; `stored_bytes` in file storage
 * (each legacy blob once) versus `logical_bytes` (as if no legacy blob were shared).
 */
export const storageStats = query({
  args: {},
  returns: vStorageStats,
  handler: async (ctx) => {
    const totals = await readArchiveTotals(ctx);
    const rows = totals?.rows ?? 0;
    return {
      bundles: totals?.bundles ?? 0,
      responses: rows + (totals?.bundle_requests ?? 0),
      rows,
      blobs: totals?.blobs ?? 0,
      stored_bytes: totals?.stored_bytes ?? 0,
      logical_bytes: totals?.logical_bytes ?? 0,
    };
  },
});

/** Public: the latest compaction walk's record. */
export const lastCompaction = query({
  args: {},
  handler: async (ctx) => ctx.db.query("archive_compactions").withIndex("by_started_at").order("desc").first(),
});
