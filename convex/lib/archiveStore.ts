/**
 * The archive store's `(ctx, args)` helpers: content-addressed recording of archive rows, and one
 * page of compaction. The `archive` module's registrations delegate here.
 *
 * Owns: the invariants between `snapshot_archives`, `archive_blobs`, file storage and
 * `archive_totals`. A blob's `ref_count` is the number of archive rows that point at it; a blob
 * and its file are deleted only when that reaches zero. Deleting a file that is already gone is
 * tolerated (`ctx.storage.delete` throws for it), so compaction can run twice or alongside a
 * snapshot. A row's `changed` flag tells the truth about its actual predecessor (the previous
 * archive of the same request in time) whatever order archives arrive in: recording a row fixes
 * the flag of the archive after it, and compaction decides change points from content, never
 * from the stored flag, and corrects a stale one it keeps. Compaction also leaves a trace on each
 * run whose archives it deleted (`snapshot_runs.archives_compacted`).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { hourlyCutoff, retentionVerdict, utcDayStart, type RetentionPolicy } from "../../src/archive/retention";

const TOTALS = "archive";

export type ArchiveRowInput = {
  run_id: Id<"snapshot_runs">;
  snapshot_at: number;
  type: "models" | "endpoints";
  params: string;
  storage_id: Id<"_storage">;
  sha256: string;
  size: number;
  compressed_size: number;
  /** Only for a 404: see `snapshot_archives.status`. */
  status?: number;
  /** The archiver pointed this row at a known blob instead of storing the body. */
  reused: boolean;
};

type TotalsDelta = { rows?: number; blobs?: number; stored_bytes?: number; logical_bytes?: number };

export async function adjustArchiveTotals(ctx: MutationCtx, delta: TotalsDelta): Promise<void> {
  const totals = await ctx.db.query("archive_totals").withIndex("by_name", (q) => q.eq("name", TOTALS)).unique();
  const next = {
    rows: (totals?.rows ?? 0) + (delta.rows ?? 0),
    blobs: (totals?.blobs ?? 0) + (delta.blobs ?? 0),
    stored_bytes: (totals?.stored_bytes ?? 0) + (delta.stored_bytes ?? 0),
    logical_bytes: (totals?.logical_bytes ?? 0) + (delta.logical_bytes ?? 0),
  };
  if (totals) await ctx.db.patch(totals._id, next);
  else await ctx.db.insert("archive_totals", { name: TOTALS, ...next });
}

function findBlob(ctx: MutationCtx, sha256: string) {
  return ctx.db.query("archive_blobs").withIndex("by_sha256", (q) => q.eq("sha256", sha256)).unique();
}

/** Deletes a file, tolerating one that is already gone. */
async function deleteFile(ctx: MutationCtx, storageId: Id<"_storage">): Promise<void> {
  try {
    await ctx.storage.delete(storageId);
  } catch {
    // Already deleted: compaction and snapshots may race to it; the outcome is the same.
  }
}

type ArchiveContent = Pick<Doc<"snapshot_archives">, "sha256" | "status">;

/** A change point: no previous archive of the request, or one with a different body or status. */
function isChangeFrom(previous: ArchiveContent | null, row: ArchiveContent): boolean {
  return previous === null || previous.sha256 !== row.sha256 || (previous.status ?? 200) !== (row.status ?? 200);
}

/**
 * Records archive rows, each pointing at the one blob of its body. A freshly stored body whose
 * hash is already known (two runs raced to store it) is deleted and the row points at the known
 * blob instead.
 *
 * A row may arrive for an earlier hour than archives already stored (a backfill, or runs finishing
 * out of order): its own flag is worked out against the archive before it, and the archive after
 * it, whose predecessor it now is, has its flag recomputed and patched when that changes.
 */
export async function recordArchiveRows(ctx: MutationCtx, rows: ArchiveRowInput[]): Promise<void> {
  const delta: Required<TotalsDelta> = { rows: 0, blobs: 0, stored_bytes: 0, logical_bytes: 0 };
  for (const { reused, ...row } of rows) {
    const blob = await findBlob(ctx, row.sha256);
    let storage_id = row.storage_id;
    if (blob) {
      if (blob.storage_id !== row.storage_id && !reused) await deleteFile(ctx, row.storage_id);
      storage_id = blob.storage_id;
      await ctx.db.patch(blob._id, { ref_count: blob.ref_count + 1, last_referenced_at: Math.max(blob.last_referenced_at, row.snapshot_at) });
    } else {
      if (reused) throw new Error(`archive blob ${row.sha256} was deleted while run ${row.run_id} reused it; re-run the snapshot`);
      await ctx.db.insert("archive_blobs", {
        sha256: row.sha256,
        storage_id,
        size: row.size,
        compressed_size: row.compressed_size,
        ref_count: 1,
        last_referenced_at: row.snapshot_at,
      });
      delta.blobs++;
      delta.stored_bytes += row.compressed_size;
    }
    const previous = await ctx.db
      .query("snapshot_archives")
      .withIndex("by_type_and_params_and_snapshot_at", (q) => q.eq("type", row.type).eq("params", row.params).lt("snapshot_at", row.snapshot_at))
      .order("desc")
      .first();
    await ctx.db.insert("snapshot_archives", { ...row, storage_id, changed: isChangeFrom(previous, row) });
    const next = await ctx.db
      .query("snapshot_archives")
      .withIndex("by_type_and_params_and_snapshot_at", (q) => q.eq("type", row.type).eq("params", row.params).gt("snapshot_at", row.snapshot_at))
      .first();
    if (next) {
      const nextChanged = isChangeFrom(row, next);
      if (next.changed !== nextChanged) await ctx.db.patch(next._id, { changed: nextChanged });
    }
    delta.rows++;
    delta.logical_bytes += row.compressed_size;
  }
  await adjustArchiveTotals(ctx, delta);
}

export type CompactionPageResult = { examined: number; deleted: number; blobs_deleted: number; bytes_reclaimed: number; isDone: boolean; continueCursor: string };

/**
 * One page of the compaction walk: archives older than the hourly tier, oldest first.
 *
 * The facts a verdict needs are read once per request key per page, not once per row: the key's
 * newest archive, and the archive just before the page. Within the page, rows come in time order,
 * so "first of its day" and "a change point" follow from the previous row of the same key, deleted
 * in this page or not. The stored `changed` flag is not trusted (an archive recorded out of order
 * may have left it stale): a kept row whose flag disagrees with its predecessor's content is
 * patched. Each run whose archives the page deleted is patched once with the count and `now`.
 */
export async function compactArchivePage(
  ctx: MutationCtx,
  args: { policy: RetentionPolicy; now: number; cursor: string | null; pageSize: number },
): Promise<CompactionPageResult> {
  const cutoff = hourlyCutoff(args.policy, args.now);
  const page = await ctx.db
    .query("snapshot_archives")
    .withIndex("by_snapshot_at", (q) => q.lt("snapshot_at", cutoff))
    .paginate({ numItems: args.pageSize, cursor: args.cursor });
  const result = { examined: 0, deleted: 0, blobs_deleted: 0, bytes_reclaimed: 0 };
  let logicalFreed = 0;
  const keys = new Map<string, { newestAt: number; previous: Doc<"snapshot_archives"> | null }>();
  for (const row of page.page) {
    const key = `${row.type}?${row.params}`;
    if (keys.has(key)) continue;
    const newest = await ctx.db
      .query("snapshot_archives")
      .withIndex("by_type_and_params_and_snapshot_at", (q) => q.eq("type", row.type).eq("params", row.params))
      .order("desc")
      .first();
    const previous = await ctx.db
      .query("snapshot_archives")
      .withIndex("by_type_and_params_and_snapshot_at", (q) => q.eq("type", row.type).eq("params", row.params).lt("snapshot_at", row.snapshot_at))
      .order("desc")
      .first();
    keys.set(key, { newestAt: newest?.snapshot_at ?? row.snapshot_at, previous });
  }
  const deletedByRun = new Map<Id<"snapshot_runs">, number>();
  for (const row of page.page) {
    result.examined++;
    const facts = keys.get(`${row.type}?${row.params}`)!;
    const isFirstOfDay = facts.previous === null || utcDayStart(facts.previous.snapshot_at) !== utcDayStart(row.snapshot_at);
    const changed = isChangeFrom(facts.previous, row);
    facts.previous = row;
    const verdict = retentionVerdict(
      { snapshot_at: row.snapshot_at, changed, isNewestOfKey: row.snapshot_at >= facts.newestAt, isFirstOfDay },
      args.policy,
      args.now,
    );
    if (verdict !== "delete") {
      if (row.changed !== changed) await ctx.db.patch(row._id, { changed });
      continue;
    }
    await ctx.db.delete(row._id);
    result.deleted++;
    deletedByRun.set(row.run_id, (deletedByRun.get(row.run_id) ?? 0) + 1);
    logicalFreed += row.compressed_size;
    const freed = await releaseBlob(ctx, row);
    if (freed) {
      result.blobs_deleted++;
      result.bytes_reclaimed += freed.compressed_size;
    }
  }
  for (const [runId, deleted] of deletedByRun) {
    const run = await ctx.db.get(runId);
    if (!run) continue;
    await ctx.db.patch(runId, { archives_compacted: { deleted: (run.archives_compacted?.deleted ?? 0) + deleted, last_at: args.now } });
  }
  await adjustArchiveTotals(ctx, { rows: -result.deleted, logical_bytes: -logicalFreed, blobs: -result.blobs_deleted, stored_bytes: -result.bytes_reclaimed });
  return { ...result, isDone: page.isDone, continueCursor: page.continueCursor };
}

/** Drops one reference to a row's blob; deletes the blob and its file at zero. */
async function releaseBlob(ctx: MutationCtx, row: Doc<"snapshot_archives">): Promise<Doc<"archive_blobs"> | null> {
  const blob = await findBlob(ctx, row.sha256);
  if (!blob) return null;
  if (blob.ref_count > 1) {
    await ctx.db.patch(blob._id, { ref_count: blob.ref_count - 1 });
    return null;
  }
  await ctx.db.delete(blob._id);
  await deleteFile(ctx, blob.storage_id);
  return blob;
}
