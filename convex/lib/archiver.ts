/**
 * The Convex archiver: keeps every raw body a remote run received, content-addressed.
 *
 * Owns: hashing each body as it arrives (before parsing), storing it gzip-compressed in file
 * storage only when no blob with that SHA-256 is known, and batching the `snapshot_archives`
 * rows (one `archive.recordBatch` per 100). Known blobs are pre-loaded once per run (the most
 * recently referenced ones); `recordBatch` settles any race with another run. `flush()` must run
 * at the end of the run, failed or not, so no stored blob is left without its row.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { compressBody, hashBody } from "../../src/archive/archiveCodec";
import { requestType, sortedQuery } from "../../src/sources/requestKey";
import type { RawResponse } from "../../src/sources/transport";
import type { ArchiveRowInput } from "./archiveStore";
import { MAX_BATCH_ROWS } from "./entityRows";

/** Blobs pre-loaded for reuse: more than one run's worth of request keys at 10× today's catalogue. */
const KNOWN_BLOBS = 5000;

type KnownBlob = { storage_id: Id<"_storage">; compressed_size: number };

/**
 * Only blobs referenced within a day are reused: the retention policy keeps every archive for at
 * least a day (`hourlyForDays` ≥ 1), so such a blob still has a row and cannot be deleted by a
 * compaction running meanwhile.
 */
const REUSE_WINDOW_MS = 24 * 3_600_000;

export function createConvexArchiver(ctx: ActionCtx, run: { run_id: Id<"snapshot_runs">; snapshot_at: number }) {
  const pending: ArchiveRowInput[] = [];
  let known: Promise<Map<string, KnownBlob>> | null = null;
  let archived = 0;
  let stored = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let firstFailure: unknown = null;

  function knownBlobs() {
    known ??= ctx
      .runQuery(internal.archive.recentBlobs, { limit: KNOWN_BLOBS, since: run.snapshot_at - REUSE_WINDOW_MS })
      .then((blobs) => new Map(blobs.map(({ sha256, ...blob }) => [sha256, blob])));
    return known;
  }

  /** Batches are recorded one after another and independently: one failure does not drop the rest. */
  function flushChunk(rows: ArchiveRowInput[]) {
    chain = chain
      .then(() => ctx.runMutation(internal.archive.recordBatch, { rows }))
      .catch((error: unknown) => {
        firstFailure ??= error;
      });
    return chain;
  }

  return {
    /** Bodies archived this run. */
    get archived() {
      return archived;
    },
    /** Bodies that were new, and so stored. */
    get stored() {
      return stored;
    },
    async archive(response: RawResponse) {
      const { bytes, sha256, size } = await hashBody(response.body, response.bytes);
      const blobs = await knownBlobs();
      let blob = blobs.get(sha256);
      const reused = blob !== undefined;
      if (!blob) {
        const gzipped = compressBody(bytes);
        blob = { storage_id: await ctx.storage.store(new Blob([gzipped as Uint8Array<ArrayBuffer>], { type: "application/gzip" })), compressed_size: gzipped.byteLength };
        blobs.set(sha256, blob);
        stored++;
      }
      archived++;
      pending.push({
        run_id: run.run_id,
        snapshot_at: run.snapshot_at,
        type: requestType(response.request.path),
        params: sortedQuery(response.request.params),
        storage_id: blob.storage_id,
        sha256,
        size,
        compressed_size: blob.compressed_size,
        ...(response.status !== undefined && response.status !== 200 ? { status: response.status } : {}),
        reused,
      });
      if (pending.length >= MAX_BATCH_ROWS) await flushChunk(pending.splice(0, MAX_BATCH_ROWS));
    },
    /** Records what is pending; rejects with the first batch that failed, if any did. */
    async flush() {
      while (pending.length > 0) await flushChunk(pending.splice(0, MAX_BATCH_ROWS));
      await chain;
      if (firstFailure !== null) throw firstFailure;
    },
  };
}

export type ConvexArchiver = ReturnType<typeof createConvexArchiver>;
