/**
 * The archive store's `(ctx, args)` helpers shared by bundles and legacy rows, and the legacy
 * rows' compaction page. The `archive` module's registrations delegate here and to `bundleStore`.
 *
 * Owns: the `archive_totals` row, and the invariants between legacy `snapshot_archives` rows,
 * `archive_blobs`, their files and the totals. Nothing writes legacy rows any more (runs archive
 * bundles); compaction still applies the retention policy to them. A blob's `ref_count` is the
 * number of rows that point at it; a blob and its file are deleted only when that reaches zero.
 * Deleting a file that is already gone is tolerated (`ctx.storage.delete` throws for it), so
 * compaction can run twice or alongside a snapshot. Compaction decides a row's change point from
 * content (its body against the previous archive of the same request), never from the stored
 * flag, and corrects a stale one it keeps; it leaves a trace on each run whose archives it deleted
 * (`snapshot_runs.archives_compacted`).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { hourlyCutoff, retentionVerdict, utcDayStart, type RetentionPolicy } from "../../src/archive/retention";

const TOTALS = "archive";

export type TotalsDelta = { rows?: number; blobs?: number; stored_bytes?: number; logical_bytes?: number; bundles?: number; bundle_requests?: number };

export type NewestBundle = NonNullable<Doc<"archive_totals">["newest_bundle"]>;

export function readArchiveTotals(ctx: QueryCtx): Promise<Doc<"archive_totals"> | null> {
  return ctx.db.query("archive_totals").withIndex("by_name", (q) => q.eq("name", TOTALS)).unique();
}

/** Adds `delta` to the totals already read (`null`: there are none yet), and sets the newest bundle when given. */
export async function writeArchiveTotals(ctx: MutationCtx, totals: Doc<"archive_totals"> | null, delta: TotalsDelta, newest_bundle?: NewestBundle): Promise<void> {
  const next = {
    rows: (totals?.rows ?? 0) + (delta.rows ?? 0),
    blobs: (totals?.blobs ?? 0) + (delta.blobs ?? 0),
    stored_bytes: (totals?.stored_bytes ?? 0) + (delta.stored_bytes ?? 0),
    logical_bytes: (totals?.logical_bytes ?? 0) + (delta.logical_bytes ?? 0),
    bundles: (totals?.bundles ?? 0) + (delta.bundles ?? 0),
    bundle_requests: (totals?.bundle_requests ?? 0) + (delta.bundle_requests ?? 0),
    ...(newest_bundle ? { newest_bundle } : {}),
  };
  if (totals) await ctx.db.patch("archive_totals", totals._id, next);
  else await ctx.db.insert("archive_totals", { name: TOTALS, ...next });
}

export async function adjustArchiveTotals(ctx: MutationCtx, delta: TotalsDelta): Promise<void> {
  await writeArchiveTotals(ctx, await readArchiveTotals(ctx), delta);
}

function findBlob(ctx: MutationCtx, sha256: string) {
  return ctx.db.query("archive_blobs").withIndex("by_sha256", (q) => q.eq("sha256", sha256)).unique();
}

/** Deletes a file, tolerating one that is already gone. */
export async function deleteFile(ctx: MutationCtx, storageId: Id<"_storage">): Promise<void> {
  try {
    await ctx.storage.delete(storageId);
  } catch {
    // Already deleted: compaction and snapshots may race to it; the outcome is the same.
  }
}

/** Adds `deleted` archives to each run's compaction trace; a run that is gone is passed over. */
export async function traceCompactedRuns(ctx: MutationCtx, deletedByRun: Map<Id<"snapshot_runs">, number>, now: number): Promise<void> {
  for (const [runId, deleted] of deletedByRun) {
    const run = await ctx.db.get("snapshot_runs", runId);
    if (!run) continue;
    await ctx.db.patch("snapshot_runs", runId, { archives_compacted: { deleted: (run.archives_compacted?.deleted ?? 0) + deleted, last_at: now } });
  }
}

type ArchiveContent = Pick<Doc<"snapshot_archives">, "sha256" | "status">;

/** A change point: no previous archive of the request, or one with a different body or status. */
function isChangeFrom(previous: ArchiveContent | null, row: ArchiveContent): boolean {
  return previous === null || previous.sha256 !== row.sha256 || (previous.status ?? 200) !== (row.status ?? 200);
}

export type CompactionPageResult = { examined: number; deleted: number; blobs_deleted: number; bytes_reclaimed: number; isDone: boolean; continueCursor: string };

/**
 * One page of the legacy rows' compaction walk: rows older than the hourly tier, oldest first.
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
      if (row.changed !== changed) await ctx.db.patch("snapshot_archives", row._id, { changed });
      continue;
    }
    await ctx.db.delete("snapshot_archives", row._id);
    result.deleted++;
    deletedByRun.set(row.run_id, (deletedByRun.get(row.run_id) ?? 0) + 1);
    logicalFreed += row.compressed_size;
    const freed = await releaseBlob(ctx, row);
    if (freed) {
      result.blobs_deleted++;
      result.bytes_reclaimed += freed.compressed_size;
    }
  }
  await traceCompactedRuns(ctx, deletedByRun, args.now);
  await adjustArchiveTotals(ctx, { rows: -result.deleted, logical_bytes: -logicalFreed, blobs: -result.blobs_deleted, stored_bytes: -result.bytes_reclaimed });
  return { ...result, isDone: page.isDone, continueCursor: page.continueCursor };
}

/** Drops one reference to a row's blob; deletes the blob and its file at zero. */
async function releaseBlob(ctx: MutationCtx, row: Doc<"snapshot_archives">): Promise<Doc<"archive_blobs"> | null> {
  const blob = await findBlob(ctx, row.sha256);
  if (!blob) return null;
  if (blob.ref_count > 1) {
    await ctx.db.patch("archive_blobs", blob._id, { ref_count: blob.ref_count - 1 });
    return null;
  }
  await ctx.db.delete("archive_blobs", blob._id);
  await deleteFile(ctx, blob.storage_id);
  return blob;
}
