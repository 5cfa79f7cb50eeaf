/**
 * The Convex archiver: stores each raw body received by a remote run, gzip-compressed, in file
 * storage, and records its `snapshot_archives` row.
 *
 * Owns: the blob store call (one per body, as it arrives, before parsing) and the batching of
 * archive rows (one `archive.recordBatch` mutation per 100 rows). `flush()` must run at the end of
 * the run, failed or not, so no stored blob is left without its row.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { encodeArchive } from "../../src/archive/archiveCodec";
import { requestType, sortedQuery } from "../../src/sources/requestKey";
import type { RawResponse } from "../../src/sources/transport";
import { MAX_BATCH_ROWS } from "./entityRows";

export function createConvexArchiver(ctx: ActionCtx, run: { run_id: Id<"snapshot_runs">; snapshot_at: number }) {
  const pending: { type: "models" | "endpoints"; params: string; storage_id: Id<"_storage">; sha256: string; size: number; compressed_size: number }[] = [];
  let archived = 0;
  let chain: Promise<unknown> = Promise.resolve();

  function flushChunk(rows: typeof pending) {
    chain = chain.then(() =>
      ctx.runMutation(internal.archive.recordBatch, { rows: rows.map((row) => ({ ...row, run_id: run.run_id, snapshot_at: run.snapshot_at })) }),
    );
    return chain;
  }

  return {
    get archived() {
      return archived;
    },
    async archive(response: RawResponse) {
      const encoded = await encodeArchive(response.body);
      const storage_id = await ctx.storage.store(new Blob([encoded.gzipped as Uint8Array<ArrayBuffer>], { type: "application/gzip" }));
      archived++;
      pending.push({
        type: requestType(response.request.path),
        params: sortedQuery(response.request.params),
        storage_id,
        sha256: encoded.sha256,
        size: encoded.size,
        compressed_size: encoded.compressed_size,
      });
      if (pending.length >= MAX_BATCH_ROWS) await flushChunk(pending.splice(0, MAX_BATCH_ROWS));
    },
    async flush() {
      while (pending.length > 0) await flushChunk(pending.splice(0, MAX_BATCH_ROWS));
      await chain;
    },
  };
}

export type ConvexArchiver = ReturnType<typeof createConvexArchiver>;
