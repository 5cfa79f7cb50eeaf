/**
 * The manifest store's `(ctx, args)` helpers: keeps `manifest_chunks`, `manifest_bucket_digests`
 * and `manifest_roots` in step with the entity rows, in the same transaction as the rows.
 *
 * Owns: the invariant that the manifest says what the entity tables say. Every mutation that
 * writes `or_models` or `or_endpoints` collects the rows it wrote in one `ManifestEdits` and
 * commits it before it returns: each touched chunk is read and written once, its bucket's digest
 * recomputed, and the table's root digest and newest timestamp updated. A table whose root is not
 * `complete` (never built, or being rebuilt) is still maintained, but writers do not trust it: they
 * read the entity tables instead. The rebuild (`convex/manifest.ts`) starts over from the rows.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import {
  BUCKET_DIGEST_BYTES,
  bucketDigest,
  bucketOf,
  decodeChunk,
  emptyBucketDigests,
  encodeChunk,
  manifestHash,
  manifestKey,
  rootDigest,
  type ManifestEntry,
  type ManifestTable,
} from "../../src/manifest/catalogueManifest";
import { rowAsOf, UNAVAILABLE_REASONS } from "./entityRows";

export const MANIFEST_TABLES: readonly ManifestTable[] = ["or_models", "or_endpoints"];

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

  get size(): number {
    return this.entries.or_models.size + this.entries.or_endpoints.size;
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

export function findBucketDigests(ctx: QueryCtx, table: ManifestTable) {
  return ctx.db.query("manifest_bucket_digests").withIndex("by_table", (q) => q.eq("table", table)).unique();
}

export function findChunk(ctx: QueryCtx, table: ManifestTable, bucket: number) {
  return ctx.db.query("manifest_chunks").withIndex("by_table_and_bucket", (q) => q.eq("table", table).eq("bucket", bucket)).unique();
}

/** Sets entries (by key) in their chunks, and the digests and root over them. */
async function applyEntries(ctx: MutationCtx, table: ManifestTable, entries: ManifestEntry[], newestAsOf: number | null): Promise<void> {
  const root = await findRoot(ctx, table);
  const digestsDoc = await findBucketDigests(ctx, table);
  const digests = digestsDoc ? new Uint8Array(digestsDoc.digests) : emptyBucketDigests();
  const byBucket = new Map<number, ManifestEntry[]>();
  for (const entry of entries) {
    const bucket = bucketOf(entry.key);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), entry]);
  }
  let added = 0;
  for (const [bucket, updates] of byBucket) {
    const chunk = await findChunk(ctx, table, bucket);
    const current = new Map((chunk ? decodeChunk(table, new Uint8Array(chunk.entries)) : []).map((entry) => [entry.key, entry]));
    const before = current.size;
    for (const entry of updates) current.set(entry.key, entry);
    added += current.size - before;
    const next = [...current.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const bytes = encodeChunk(next).buffer as ArrayBuffer;
    if (chunk) await ctx.db.replace(chunk._id, { table, bucket, entries: bytes, count: next.length });
    else await ctx.db.insert("manifest_chunks", { table, bucket, entries: bytes, count: next.length });
    digests.set(await bucketDigest(next), bucket * BUCKET_DIGEST_BYTES);
  }
  const digestBytes = digests.buffer.slice(digests.byteOffset, digests.byteOffset + digests.byteLength) as ArrayBuffer;
  if (digestsDoc) await ctx.db.replace(digestsDoc._id, { table, digests: digestBytes });
  else await ctx.db.insert("manifest_bucket_digests", { table, digests: digestBytes });
  const next = {
    table,
    digest: await rootDigest(digests),
    entries: (root?.entries ?? 0) + added,
    newest_as_of: maxOrNull(root?.newest_as_of ?? null, newestAsOf),
  };
  if (root) await ctx.db.patch(root._id, next);
  else await ctx.db.insert("manifest_roots", { ...next, complete: false });
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
