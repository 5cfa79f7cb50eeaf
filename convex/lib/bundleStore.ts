/**
 * The bundle store's `(ctx, args)` helpers: recording a run's archive bundle, one page of the
 * bundles' compaction walk, and what replay needs to know about a run's bundle. The `archive`
 * module's registrations delegate here.
 *
 * Owns: the invariants between `archive_bundles`, their files and `archive_totals`. A bundle's
 * `changed` flag tells the truth about its predecessor (the previous bundle in time, by
 * `by_snapshot_at`, ties in creation order) whatever order bundles arrive in. The hourly bundle,
 * newer than every other, is judged against the newest bundle's digest kept on the totals row,
 * which the recording mutation reads and writes anyway, so it costs no other read; an older one
 * (a backfill) reads its neighbours and fixes the next bundle's flag. Compaction judges change
 * points from content, corrects a stale flag it keeps, deletes a dropped bundle's files (tolerating
 * ones already gone) with its row, and leaves a trace on its run.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { hourlyCutoff, retentionVerdict, utcDayStart, type RetentionPolicy } from "../../src/archive/retention";
import { deleteFile, readArchiveTotals, traceCompactedRuns, writeArchiveTotals } from "./archiveStore";

export type BundleInput = Omit<Doc<"archive_bundles">, "_id" | "_creationTime" | "changed">;

/**
 * Inserts a run's bundle row with its change-point flag, and keeps the totals. At most one bundle
 * per run. For the hourly bundle it reads only the totals row (the check for an earlier bundle of
 * the run finds none) and writes two documents (the row, the totals).
 */
export async function recordBundle(ctx: MutationCtx, bundle: BundleInput): Promise<{ changed: boolean }> {
  const existing = await ctx.db
    .query("archive_bundles")
    .withIndex("by_run_id", (q) => q.eq("run_id", bundle.run_id))
    .first();
  if (existing) throw new Error(`run ${bundle.run_id} already has an archive bundle (${existing._id})`);
  const totals = await readArchiveTotals(ctx);
  const head = totals?.newest_bundle;
  let changed: boolean;
  let newest = true;
  if (head && bundle.snapshot_at >= head.snapshot_at) {
    changed = bundle.durable_digest !== head.durable_digest;
  } else {
    // A backfill (or the first bundle, or totals kept before bundles): judge against the neighbours.
    const previous = await ctx.db
      .query("archive_bundles")
      .withIndex("by_snapshot_at", (q) => q.lte("snapshot_at", bundle.snapshot_at))
      .order("desc")
      .first();
    const next = await ctx.db
      .query("archive_bundles")
      .withIndex("by_snapshot_at", (q) => q.gt("snapshot_at", bundle.snapshot_at))
      .first();
    changed = previous === null || previous.durable_digest !== bundle.durable_digest;
    if (next) {
      newest = false;
      const nextChanged = next.durable_digest !== bundle.durable_digest;
      if (next.changed !== nextChanged) await ctx.db.patch("archive_bundles", next._id, { changed: nextChanged });
    }
  }
  await ctx.db.insert("archive_bundles", { ...bundle, changed });
  await writeArchiveTotals(
    ctx,
    totals,
    { bundles: 1, bundle_requests: bundle.requests, stored_bytes: bundle.compressed_bytes, logical_bytes: bundle.compressed_bytes },
    newest ? { snapshot_at: bundle.snapshot_at, durable_digest: bundle.durable_digest } : undefined,
  );
  return { changed };
}

/** The bundle just before `bundle` in time (ties in snapshot by creation), or null. */
async function bundleBefore(ctx: QueryCtx, bundle: Doc<"archive_bundles">): Promise<Doc<"archive_bundles"> | null> {
  const candidates = ctx.db
    .query("archive_bundles")
    .withIndex("by_snapshot_at", (q) => q.lte("snapshot_at", bundle.snapshot_at))
    .order("desc");
  for await (const candidate of candidates) {
    if (candidate.snapshot_at < bundle.snapshot_at || candidate._creationTime < bundle._creationTime) return candidate;
  }
  return null;
}

export type BundlePageResult = { examined: number; deleted: number; bytes_reclaimed: number; isDone: boolean; continueCursor: string };

/**
 * One page of the bundles' compaction walk: bundles older than the hourly tier, oldest first.
 * Each is judged against the bundle before it that remains (read once, for the page's first; then
 * the last one the page kept), so the outcome does not depend on where pages begin: a change point
 * when their durable digests differ, first of its UTC day when they fall on different days. Within
 * the daily tier this is the bundle just before it or one with the same digest, since only
 * bundles that equal the one before them are deleted there. The newest bundle is always kept.
 */
export async function compactBundlePage(
  ctx: MutationCtx,
  args: { policy: RetentionPolicy; now: number; cursor: string | null; pageSize: number },
): Promise<BundlePageResult> {
  const cutoff = hourlyCutoff(args.policy, args.now);
  const page = await ctx.db
    .query("archive_bundles")
    .withIndex("by_snapshot_at", (q) => q.lt("snapshot_at", cutoff))
    .paginate({ numItems: args.pageSize, cursor: args.cursor });
  const result = { examined: 0, deleted: 0, bytes_reclaimed: 0 };
  if (page.page.length === 0) return { ...result, isDone: page.isDone, continueCursor: page.continueCursor };
  const newest = await ctx.db.query("archive_bundles").withIndex("by_snapshot_at").order("desc").first();
  let previous = await bundleBefore(ctx, page.page[0]);
  const deletedByRun = new Map<Id<"snapshot_runs">, number>();
  let requestsDeleted = 0;
  for (const bundle of page.page) {
    result.examined++;
    const isFirstOfDay = previous === null || utcDayStart(previous.snapshot_at) !== utcDayStart(bundle.snapshot_at);
    const changed = previous === null || previous.durable_digest !== bundle.durable_digest;
    const verdict = retentionVerdict({ snapshot_at: bundle.snapshot_at, changed, isNewestOfKey: bundle._id === newest?._id, isFirstOfDay }, args.policy, args.now);
    if (verdict !== "delete") {
      if (bundle.changed !== changed) await ctx.db.patch("archive_bundles", bundle._id, { changed });
      previous = bundle;
      continue;
    }
    for (const part of bundle.parts) await deleteFile(ctx, part.storage_id);
    await deleteFile(ctx, bundle.index_id);
    await ctx.db.delete("archive_bundles", bundle._id);
    result.deleted++;
    result.bytes_reclaimed += bundle.compressed_bytes;
    requestsDeleted += bundle.requests;
    deletedByRun.set(bundle.run_id, (deletedByRun.get(bundle.run_id) ?? 0) + bundle.requests);
  }
  await traceCompactedRuns(ctx, deletedByRun, args.now);
  if (result.deleted > 0) {
    await writeArchiveTotals(ctx, await readArchiveTotals(ctx), {
      bundles: -result.deleted,
      bundle_requests: -requestsDeleted,
      stored_bytes: -result.bytes_reclaimed,
      logical_bytes: -result.bytes_reclaimed,
    });
  }
  return { ...result, isDone: page.isDone, continueCursor: page.continueCursor };
}

/** A run's bundle for replay, with which of its files are gone from storage; null when it has none. */
export async function bundleForRun(ctx: QueryCtx, run_id: Id<"snapshot_runs">) {
  const bundle = await ctx.db
    .query("archive_bundles")
    .withIndex("by_run_id", (q) => q.eq("run_id", run_id))
    .first();
  if (!bundle) return null;
  const partsMissing: number[] = [];
  for (const [part, { storage_id }] of bundle.parts.entries()) {
    if ((await ctx.db.system.get("_storage", storage_id)) === null) partsMissing.push(part);
  }
  const indexMissing = (await ctx.db.system.get("_storage", bundle.index_id)) === null;
  const { _creationTime, ...row } = bundle;
  return { ...row, partsMissing, indexMissing };
}
