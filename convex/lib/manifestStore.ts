/**
 * The manifest store's `(ctx, args)` helpers: keeps `manifest_chunks`, `manifest_bucket_digests`
 * (one row per segment of 32 buckets) and `manifest_roots` in step with the entity rows, in the
 * same transaction as the rows.
 *
 * Owns: the invariant that the manifest says what the entity tables say. Every mutation that
 * writes `or_models` or `or_endpoints` collects the rows it wrote in one `ManifestEdits` and
 * commits it before it returns: each touched chunk and segment is read and written once, their
 * digests recomputed, and the table's root (segment digests, root digest, newest timestamp) updated. A table whose root is not
 * `complete` (never built, or being rebuilt) is still maintained, but writers do not trust it: they
 * read the entity tables instead. The rebuild (`convex/manifest.ts`) starts over from the rows.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import {
  BUCKET_DIGEST_BYTES,
  BUCKETS_PER_SEGMENT,
  bucketDigest,
  bucketOf,
  decodeChunk,
  emptyManifestDigests,
  encodeChunk,
  manifestHash,
  manifestKey,
  rootDigest,
  segmentDigest,
  segmentOf,
  type ManifestEntry,
  type ManifestTable,
} from "../../src/manifest/catalogueManifest";
import { rowAsOf, UNAVAILABLE_REASONS } from "./entityRows";

export const MANIFEST_TABLES: readonly ManifestTable[] = ["or_models", "or_endpoints"];

/** A rebuild that started this long ago and has not finished is presumed stuck: a run or the daily check starts it again. */
export const REBUILD_STUCK_MS = 3_600_000;

/** Buckets one `manifest.chunks` query may ask for: at 50 times today's catalogue, a few hundred KiB. */
export const CHUNKS_PER_QUERY = 128;

type EntityDoc = Doc<"or_models"> | Doc<"or_endpoints">;

/**
 * Whether a stored model is available, as a writer must see it. A model with no variant that is
 * not an alias is unavailable by definition: rows written before availability meant having
 * endpoints (before the 2026 shape) may still say available, and are read as unavailable, so the
 * first run after an upgrade marks them with their content update instead of counting hundreds of
 * them against the share guard.
 */
export function storedModelAvailable(row: Doc<"or_models">): boolean {
  return row.unavailable_at === null && (row.variants.length > 0 || row.is_alias === true);
}

/** A row's manifest entry: what the writer needs to decide about it. */
export function manifestEntryOfRow(table: ManifestTable, row: EntityDoc): ManifestEntry {
  const parts =
    table === "or_models"
      ? [(row as Doc<"or_models">).slug]
      : [(row as Doc<"or_endpoints">).model_permaslug, (row as Doc<"or_endpoints">).variant, (row as Doc<"or_endpoints">).endpoint_id, (row as Doc<"or_endpoints">).model_slug];
  const available = table === "or_models" ? storedModelAvailable(row as Doc<"or_models">) : row.unavailable_at === null;
  // Listed: a run that saw the same catalogue would see it. A model marked unavailable because its
  // entries have no endpoint now is still listed; a row that vanished or moved is not.
  const listed = available || (table === "or_models" && row.unavailable_at !== null && row.unavailable_reason === UNAVAILABLE_REASONS.noEndpoint);
  return { key: manifestKey(table, parts), parts, hash: manifestHash(row.content_hash), available, listed };
}

/** The rows one mutation wrote, to be committed to the manifest before it returns. */
export class ManifestEdits {
  private readonly entries: Record<ManifestTable, Map<string, ManifestEntry>> = { or_models: new Map(), or_endpoints: new Map() };
  private readonly newestAsOf: Record<ManifestTable, number | null> = { or_models: null, or_endpoints: null };

  /** Notes a row as it now is (after the write). */
  wrote(table: ManifestTable, row: EntityDoc): void {
    const entry = manifestEntryOfRow(table, row);
    this.entries[table].set(entry.key, entry);
    const asOf = rowAsOf(row);
    const newest = this.newestAsOf[table];
    if (newest === null || asOf > newest) this.newestAsOf[table] = asOf;
  }

  async commit(ctx: MutationCtx): Promise<void> {
    for (const table of MANIFEST_TABLES) {
      if (this.entries[table].size > 0) await applyEntries(ctx, table, [...this.entries[table].values()], this.newestAsOf[table]);
      this.entries[table].clear();
      this.newestAsOf[table] = null;
    }
  }
}

export function findRoot(ctx: QueryCtx, table: ManifestTable) {
  return ctx.db.query("manifest_roots").withIndex("by_table", (q) => q.eq("table", table)).unique();
}

export function findSegment(ctx: QueryCtx, table: ManifestTable, segment: number) {
  return ctx.db.query("manifest_bucket_digests").withIndex("by_table_and_segment", (q) => q.eq("table", table).eq("segment", segment)).unique();
}

export function findChunk(ctx: QueryCtx, table: ManifestTable, bucket: number) {
  return ctx.db.query("manifest_chunks").withIndex("by_table_and_bucket", (q) => q.eq("table", table).eq("bucket", bucket)).unique();
}

/** Sets entries (by key) in their chunks, and the digests of their buckets and segments and the root over them. */
async function applyEntries(ctx: MutationCtx, table: ManifestTable, entries: ManifestEntry[], newestAsOf: number | null): Promise<void> {
  const root = await findRoot(ctx, table);
  const segments = root ? new Uint8Array(root.segments) : (await emptyManifestDigests()).segments;
  const byBucket = new Map<number, ManifestEntry[]>();
  for (const entry of entries) {
    const bucket = bucketOf(entry.key);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), entry]);
  }
  const bySegment = new Map<number, number[]>();
  for (const bucket of byBucket.keys()) bySegment.set(segmentOf(bucket), [...(bySegment.get(segmentOf(bucket)) ?? []), bucket]);
  let added = 0;
  for (const [segment, buckets] of bySegment) {
    const segmentDoc = await findSegment(ctx, table, segment);
    const digests = segmentDoc ? new Uint8Array(segmentDoc.digests) : new Uint8Array(BUCKETS_PER_SEGMENT * BUCKET_DIGEST_BYTES);
    for (const bucket of buckets) {
      const chunk = await findChunk(ctx, table, bucket);
      const current = new Map((chunk ? decodeChunk(table, new Uint8Array(chunk.entries)) : []).map((entry) => [entry.key, entry]));
      const before = current.size;
      for (const entry of byBucket.get(bucket)!) current.set(entry.key, entry);
      added += current.size - before;
      const next = [...current.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const bytes = arrayBuffer(encodeChunk(next));
      if (chunk) await ctx.db.replace("manifest_chunks", chunk._id, { table, bucket, entries: bytes, count: next.length });
      else await ctx.db.insert("manifest_chunks", { table, bucket, entries: bytes, count: next.length });
      digests.set(await bucketDigest(next), (bucket % BUCKETS_PER_SEGMENT) * BUCKET_DIGEST_BYTES);
    }
    if (segmentDoc) await ctx.db.replace("manifest_bucket_digests", segmentDoc._id, { table, segment, digests: arrayBuffer(digests) });
    else await ctx.db.insert("manifest_bucket_digests", { table, segment, digests: arrayBuffer(digests) });
    segments.set(await segmentDigest(digests), segment * BUCKET_DIGEST_BYTES);
  }
  const next = {
    table,
    digest: await rootDigest(segments),
    segments: arrayBuffer(segments),
    entries: (root?.entries ?? 0) + added,
    newest_as_of: maxOrNull(root?.newest_as_of ?? null, newestAsOf),
  };
  if (root) await ctx.db.patch("manifest_roots", root._id, next);
  else await ctx.db.insert("manifest_roots", { ...next, complete: false });
}

export function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
