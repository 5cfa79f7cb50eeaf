/**
 * `manifest`: the catalogue manifest's registrations. Internal queries serve the ConvexWriter
 * (roots, bucket digests, chunks); an internal, self-continuing rebuild builds the manifest from
 * the entity rows (after an upgrade, or after rows were edited by hand); `verify` rebuilds it in
 * memory from the rows and compares, and `check` (the daily cron) rebuilds when they disagree.
 *
 *   npx convex run manifest:verify      # { ok, differences, … }
 *   npx convex run manifest:rebuild     # starts over from the rows, a page per mutation
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "./_generated/server";
import {
  BUCKETS_PER_SEGMENT,
  bucketDigest,
  bucketOf,
  decodeChunk,
  differingDigests,
  digestEntries,
  digestOfBucket,
  emptyBucketDigests,
  emptyManifestDigests,
  manifestKey,
  MANIFEST_SEGMENTS,
  sameBytes,
  type ManifestEntry,
  type ManifestTable,
} from "../src/manifest/catalogueManifest";
import { arrayBuffer, CHUNKS_PER_QUERY, findRoot, findSegment, MANIFEST_TABLES, ManifestEdits, manifestEntryOfRow, REBUILD_STUCK_MS } from "./lib/manifestStore";

const vTable = v.union(v.literal("or_models"), v.literal("or_endpoints"));
const vRoot = v.object({
  digest: v.string(),
  segments: v.bytes(),
  entries: v.number(),
  newest_as_of: v.union(v.number(), v.null()),
  complete: v.boolean(),
  rebuilding_since: v.union(v.number(), v.null()),
});

/** Both tables' roots (null where none exists yet): the writer's first read. */
export const roots = internalQuery({
  args: {},
  returns: v.object({ or_models: v.union(vRoot, v.null()), or_endpoints: v.union(vRoot, v.null()) }),
  handler: async (ctx) => {
    const pick = (root: Awaited<ReturnType<typeof findRoot>>) =>
      root && {
        digest: root.digest,
        segments: root.segments,
        entries: root.entries,
        newest_as_of: root.newest_as_of,
        complete: root.complete,
        rebuilding_since: root.rebuilding_since ?? null,
      };
    return { or_models: pick(await findRoot(ctx, "or_models")), or_endpoints: pick(await findRoot(ctx, "or_endpoints")) };
  },
});

/**
 * The bucket digests of some segments of a table (absent segments have none: all their buckets
 * are empty), with whether the manifest is complete as they are read: a rebuild may have started
 * since the writer read the roots, and then nothing read from it may be trusted.
 */
export const bucketDigests = internalQuery({
  args: { table: vTable, segments: v.array(v.number()) },
  returns: v.object({ complete: v.boolean(), segments: v.array(v.object({ segment: v.number(), digests: v.bytes() })) }),
  handler: async (ctx, { table, segments }) => {
    if (segments.length > MANIFEST_SEGMENTS) throw new Error(`manifest.bucketDigests: ${segments.length} segments; a table has ${MANIFEST_SEGMENTS}`);
    const found = [];
    for (const segment of segments) {
      const doc = await findSegment(ctx, table, segment);
      if (doc) found.push({ segment, digests: doc.digests });
    }
    return { complete: (await findRoot(ctx, table))?.complete ?? false, segments: found };
  },
});

/** The chunks of some buckets (absent buckets have none), with whether the manifest is complete as they are read. */
export const chunks = internalQuery({
  args: { table: vTable, buckets: v.array(v.number()) },
  returns: v.object({ complete: v.boolean(), chunks: v.array(v.object({ bucket: v.number(), entries: v.bytes() })) }),
  handler: async (ctx, { table, buckets }) => {
    if (buckets.length > CHUNKS_PER_QUERY) throw new Error(`manifest.chunks: ${buckets.length} buckets in one query; at most ${CHUNKS_PER_QUERY}`);
    const found = [];
    for (const bucket of buckets) {
      const chunk = await ctx.db.query("manifest_chunks").withIndex("by_table_and_bucket", (q) => q.eq("table", table).eq("bucket", bucket)).unique();
      if (chunk) found.push({ bucket, entries: chunk.entries });
    }
    return { complete: (await findRoot(ctx, table))?.complete ?? false, chunks: found };
  },
});

/**
 * Starts a manifest on empty tables: with no row there is nothing to build, so the roots are
 * complete at once and every write from now on keeps them so. Returns false (and does nothing)
 * when either table has rows or a root: that is the rebuild's work.
 */
export const startEmpty = internalMutation({
  args: {},
  returns: v.boolean(),
  handler: async (ctx) => {
    for (const table of MANIFEST_TABLES) {
      if ((await ctx.db.query(table).first()) !== null || (await findRoot(ctx, table)) !== null) return false;
    }
    const empty = await emptyManifestDigests();
    for (const table of MANIFEST_TABLES) {
      await ctx.db.insert("manifest_roots", { table, digest: empty.root, segments: arrayBuffer(empty.segments), entries: 0, newest_as_of: null, complete: true });
    }
    return true;
  },
});

/** Chunks deleted, and rows read, per rebuild page. */
const REBUILD_PAGE_SIZE = 200;

/**
 * Builds both tables' manifests from the entity rows: marks them incomplete (writers read the
 * tables meanwhile), deletes the old chunks, then walks the rows a page per mutation, scheduling
 * itself, and marks each table complete when its walk ends. Entity writes made meanwhile keep
 * their entries as always, so the result agrees with the rows whatever runs alongside.
 */
export const rebuild = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    const now = Date.now();
    for (const table of MANIFEST_TABLES) {
      const root = await findRoot(ctx, table);
      if (root) await ctx.db.patch("manifest_roots", root._id, { complete: false, rebuilding_since: now });
      else {
        const empty = await emptyManifestDigests();
        await ctx.db.insert("manifest_roots", { table, digest: empty.root, segments: arrayBuffer(empty.segments), entries: 0, newest_as_of: null, complete: false, rebuilding_since: now });
      }
    }
    await ctx.scheduler.runAfter(0, internal.manifest.rebuildPage, { table: "or_models", phase: "clear", cursor: null, since: now });
    console.log("manifest rebuild started");
    return null;
  },
});

/**
 * One page of a rebuild. `since` names the rebuild: a page of an older one, overtaken by a rebuild
 * started since, stops, so two walks never interleave on one table.
 */
export const rebuildPage = internalMutation({
  args: { table: vTable, phase: v.union(v.literal("clear"), v.literal("fill")), cursor: v.union(v.string(), v.null()), since: v.number() },
  returns: v.null(),
  handler: async (ctx, { table, phase, cursor, since }) => {
    const root = await findRoot(ctx, table);
    if (!root || root.rebuilding_since !== since) return null;
    if (phase === "clear") {
      const stale = await ctx.db.query("manifest_chunks").withIndex("by_table_and_bucket", (q) => q.eq("table", table)).take(REBUILD_PAGE_SIZE);
      for (const chunk of stale) await ctx.db.delete("manifest_chunks", chunk._id);
      if (stale.length === REBUILD_PAGE_SIZE) {
        await ctx.scheduler.runAfter(0, internal.manifest.rebuildPage, { table, phase, cursor: null, since });
        return null;
      }
      for (const segment of await ctx.db.query("manifest_bucket_digests").withIndex("by_table_and_segment", (q) => q.eq("table", table)).collect()) await ctx.db.delete("manifest_bucket_digests", segment._id);
      const empty = await emptyManifestDigests();
      await ctx.db.patch("manifest_roots", root._id, { digest: empty.root, segments: arrayBuffer(empty.segments), entries: 0, newest_as_of: null });
      await ctx.scheduler.runAfter(0, internal.manifest.rebuildPage, { table, phase: "fill", cursor: null, since });
      return null;
    }
    const page = await rowsPage(ctx, table, cursor);
    const edits = new ManifestEdits();
    for (const row of page.page) edits.wrote(table, row);
    await edits.commit(ctx);
    if (!page.isDone) {
      await ctx.scheduler.runAfter(0, internal.manifest.rebuildPage, { table, phase, cursor: page.continueCursor, since });
      return null;
    }
    const built = (await findRoot(ctx, table))!;
    await ctx.db.patch("manifest_roots", built._id, { complete: true, rebuilding_since: undefined });
    console.log(`manifest of ${table} rebuilt: ${built.entries} entries`);
    if (table === "or_models") await ctx.scheduler.runAfter(0, internal.manifest.rebuildPage, { table: "or_endpoints", phase: "clear", cursor: null, since });
    return null;
  },
});

function rowsPage(ctx: MutationCtx, table: ManifestTable, cursor: string | null) {
  const paginationOpts = { numItems: REBUILD_PAGE_SIZE, cursor };
  return table === "or_models"
    ? ctx.db.query("or_models").withIndex("by_slug").paginate(paginationOpts)
    : ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").paginate(paginationOpts);
}

/** One page of a table's rows as manifest entries, for `verify`. */
export const entriesFromRows = internalQuery({
  args: { table: vTable, paginationOpts: paginationOptsValidator },
  handler: async (ctx, { table, paginationOpts }) => {
    const page =
      table === "or_models"
        ? await ctx.db.query("or_models").withIndex("by_slug").paginate(paginationOpts)
        : await ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").paginate(paginationOpts);
    return { ...page, page: page.page.map((row) => strip(manifestEntryOfRow(table, row))) };
  },
});

/** One page of a table's stored chunks, for `verify`. */
export const storedChunks = internalQuery({
  args: { table: vTable, paginationOpts: paginationOptsValidator },
  handler: async (ctx, { table, paginationOpts }) => {
    const page = await ctx.db.query("manifest_chunks").withIndex("by_table_and_bucket", (q) => q.eq("table", table)).paginate(paginationOpts);
    return { ...page, page: page.page.map(({ bucket, entries }) => ({ bucket, entries })) };
  },
});

/** The stored root of a table and all its bucket digests laid end to end, for `verify`. */
export const storedDigests = internalQuery({
  args: { table: vTable },
  handler: async (ctx, { table }) => {
    const root = await findRoot(ctx, table);
    const buckets = emptyBucketDigests();
    for (const segment of await ctx.db.query("manifest_bucket_digests").withIndex("by_table_and_segment", (q) => q.eq("table", table)).collect()) {
      buckets.set(new Uint8Array(segment.digests), segment.segment * BUCKETS_PER_SEGMENT * 8);
    }
    return { root: root && { digest: root.digest, segments: root.segments, entries: root.entries, complete: root.complete }, buckets: arrayBuffer(buckets) };
  },
});

function strip(entry: ManifestEntry): { parts: string[]; hash: string; available: boolean; listed: boolean } {
  return { parts: entry.parts, hash: entry.hash, available: entry.available, listed: entry.listed };
}

const DIFFERENCES_SHOWN = 20;

const vVerifyResult = v.object({
  ok: v.boolean(),
  tables: v.array(v.object({ table: vTable, rows: v.number(), entries: v.number(), complete: v.boolean(), differences: v.number() })),
  /** The first differences, each naming the table and key or bucket. */
  differences: v.array(v.string()),
});

/**
 * Rebuilds each table's manifest in memory from its rows and compares it with the stored one:
 * every entry, every chunk's digest, the bucket digests and the root. Reads both tables whole, a
 * page per query: a check to run now and then (the daily `check`), not every hour.
 */
export const verify = internalAction({
  args: {},
  returns: vVerifyResult,
  handler: async (ctx) => {
    const differences: string[] = [];
    const tables = [];
    for (const table of MANIFEST_TABLES) {
      const expected = new Map<string, ManifestEntry>();
      for (let cursor: string | null = null, done = false; !done; ) {
        const page: { page: ReturnType<typeof strip>[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(internal.manifest.entriesFromRows, {
          table,
          paginationOpts: { numItems: 500, cursor },
        });
        for (const entry of page.page) {
          const full = withKey(table, entry);
          expected.set(full.key, full);
        }
        done = page.isDone;
        cursor = page.continueCursor;
      }
      const stored = new Map<string, ManifestEntry>();
      const storedBuckets = new Map<number, ManifestEntry[]>();
      for (let cursor: string | null = null, done = false; !done; ) {
        const page: { page: { bucket: number; entries: ArrayBuffer }[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(internal.manifest.storedChunks, {
          table,
          paginationOpts: { numItems: 100, cursor },
        });
        for (const chunk of page.page) {
          const entries = decodeChunk(table, new Uint8Array(chunk.entries));
          storedBuckets.set(chunk.bucket, entries);
          for (const entry of entries) {
            if (bucketOf(entry.key) !== chunk.bucket) differences.push(`${table}: ${entry.key} is in bucket ${chunk.bucket}, belongs in ${bucketOf(entry.key)}`);
            stored.set(entry.key, entry);
          }
        }
        done = page.isDone;
        cursor = page.continueCursor;
      }
      const before = differences.length;
      for (const [key, entry] of expected) {
        const found = stored.get(key);
        if (!found) differences.push(`${table}: ${key} has a row but no manifest entry`);
        else if (found.hash !== entry.hash || found.available !== entry.available || found.listed !== entry.listed) {
          differences.push(`${table}: ${key} differs (row: ${describe(entry)}; manifest: ${describe(found)})`);
        }
      }
      for (const key of stored.keys()) if (!expected.has(key)) differences.push(`${table}: ${key} has a manifest entry but no row`);
      const { buckets, segments, root } = await digestEntries(expected.values());
      const saved: { root: { digest: string; segments: ArrayBuffer; entries: number; complete: boolean } | null; buckets: ArrayBuffer } = await ctx.runQuery(
        internal.manifest.storedDigests,
        { table },
      );
      const savedBuckets = new Uint8Array(saved.buckets);
      for (const bucket of differingDigests(buckets, savedBuckets)) {
        const chunkDigest = await bucketDigest(storedBuckets.get(bucket) ?? []);
        const agrees = sameBytes(chunkDigest, digestOfBucket(savedBuckets, bucket));
        differences.push(`${table}: bucket ${bucket}'s digest differs from its rows'${agrees ? "" : " and from its own chunk's"}`);
      }
      if (saved.root) {
        for (const segment of differingDigests(segments, new Uint8Array(saved.root.segments))) differences.push(`${table}: segment ${segment}'s digest in the root differs from its rows'`);
        if (saved.root.digest !== root) differences.push(`${table}: root digest differs from its rows'`);
      }
      if (saved.root && saved.root.entries !== expected.size) differences.push(`${table}: root counts ${saved.root.entries} entries; the table has ${expected.size} rows`);
      if (!saved.root && expected.size > 0) differences.push(`${table}: no manifest root, and ${expected.size} rows`);
      tables.push({ table, rows: expected.size, entries: stored.size, complete: saved.root?.complete ?? false, differences: differences.length - before });
    }
    return { ok: differences.length === 0, tables, differences: differences.slice(0, DIFFERENCES_SHOWN) };
  },
});

/**
 * The daily check: verifies the manifest, and when it disagrees with the rows (rows edited by
 * hand, say), logs the first differences and rebuilds it. Writers read the tables until it is done.
 */
export const check = internalAction({
  args: {},
  returns: v.object({ ok: v.boolean(), rebuilt: v.boolean() }),
  handler: async (ctx) => {
    // A rebuild under way disagrees with the rows until it ends: leave it be (unless it is stuck).
    const current = await ctx.runQuery(internal.manifest.roots, {});
    const since = current.or_models?.rebuilding_since ?? current.or_endpoints?.rebuilding_since ?? null;
    if (since !== null && since > Date.now() - REBUILD_STUCK_MS) {
      console.log(`manifest check skipped: a rebuild is under way since ${new Date(since).toISOString()}`);
      return { ok: false, rebuilt: false };
    }
    const result = await ctx.runAction(internal.manifest.verify, {});
    if (result.ok) return { ok: true, rebuilt: false };
    console.warn(`manifest disagrees with the entity rows; rebuilding. First differences: ${result.differences.join("; ")}`);
    await ctx.runMutation(internal.manifest.rebuild, {});
    return { ok: false, rebuilt: true };
  },
});

function withKey(table: ManifestTable, entry: ReturnType<typeof strip>): ManifestEntry {
  return { ...entry, key: manifestKey(table, entry.parts) };
}

function describe(entry: ManifestEntry): string {
  return `hash ${entry.hash.slice(0, 12)}…, ${entry.available ? "available" : "unavailable"}${entry.listed ? ", listed" : ""}`;
}
