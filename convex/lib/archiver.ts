/**
 * The Convex archiver: keeps every raw body a remote run received, as one bundle per run.
 *
 * Owns: hashing each body as it arrives (before parsing; a streamed body, chunk by chunk, with
 * its compression), appending it to the run's bundle as a gzip member of its own (`src/archive/bundle.ts`), storing each part in file storage once it
 * reaches the size cap (so at most about one part is held), and, in `flush()`, storing the last
 * part and the index file, then recording the bundle with ONE `archive.recordBundle`. `flush()`
 * must run at the end of the run, failed or not; when any store or the record fails, it deletes
 * the files it stored (so none is left without its row) and rejects with the first failure.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { createBodyCompressor, hashBody } from "../../src/archive/archiveCodec";
import { BUNDLE_PART_CAP_BYTES, createBundleBuilder, rawBodiesDigest, type ClosedPart } from "../../src/archive/bundle";
import { requestType, sortedQuery, type SourceRequest } from "../../src/sources/requestKey";
import type { StreamArchive } from "../../src/sources/archivingTransport";
import type { RawResponse } from "../../src/sources/transport";

export type ArchiverOptions = {
  /** Compressed bytes at which a part is closed and stored (tests pass a small one). */
  partCapBytes?: number;
};

export type FlushOptions = {
  /**
   * The run's durable digest: what its entities were built from, telemetry excluded (the writer's
   * digest of entity content hashes). Without one, a digest of the raw bodies stands in, so the
   * bundle counts as a change point for retention.
   */
  durable_digest?: string | null;
};

export function createConvexArchiver(ctx: ActionCtx, run: { run_id: Id<"snapshot_runs">; snapshot_at: number }, options: ArchiverOptions = {}) {
  const builder = createBundleBuilder(options.partCapBytes ?? BUNDLE_PART_CAP_BYTES);
  const stored: (Promise<{ storage_id: Id<"_storage">; compressed_size: number } | null> | undefined)[] = [];
  let firstFailure: unknown = null;

  function store(bytes: Uint8Array[], type: string) {
    return ctx.storage.store(new Blob(bytes as Uint8Array<ArrayBuffer>[], { type }));
  }

  /** Stores a closed part; a failure is kept for `flush` rather than failing the request that closed it. */
  function storePart(part: ClosedPart) {
    const promise = store(part.members, "application/gzip")
      .then((storage_id) => ({ storage_id, compressed_size: part.compressed_size }))
      .catch((error: unknown) => {
        firstFailure ??= error;
        return null;
      });
    stored[part.part] = promise;
    // Let the part's bytes go once the Blob holds them.
    part.members = [];
    return promise;
  }

  async function deleteStored(ids: Id<"_storage">[]) {
    for (const id of ids) await ctx.storage.delete(id).catch(() => undefined);
  }

  return {
    /** Bodies archived this run. */
    get archived() {
      return builder.requests;
    },
    async archive(response: RawResponse) {
      const body = await hashBody(response.body, response.bytes);
      const request = {
        type: requestType(response.request.path),
        params: sortedQuery(response.request.params),
        ...(response.status !== undefined && response.status !== 200 ? { status: response.status } : {}),
      };
      // Waiting for the store holds this request back while a part is written, so parts do not pile up in memory.
      for (const part of builder.add(request, body)) await storePart(part);
    },
    /** Archives a body as it streams in (the models list): compressed and hashed chunk by chunk, added to the bundle at its end. */
    begin(source: SourceRequest): StreamArchive {
      const compressor = createBodyCompressor();
      return {
        push: (chunk) => compressor.push(chunk),
        end: async () => {
          const request = { type: requestType(source.path), params: sortedQuery(source.params) };
          for (const part of builder.addCompressed(request, compressor.end())) await storePart(part);
        },
      };
    },
    /** Stores the last part and the index, and records the bundle; nothing when nothing was archived. */
    async flush(flushOptions: FlushOptions = {}) {
      if (builder.requests === 0) return;
      const { last, index, parts, entries } = await builder.finish();
      if (last) void storePart(last);
      const partIds = await Promise.all(Array.from({ length: parts }, (_, part) => stored[part] ?? Promise.resolve(null)));
      const storedIds = partIds.flatMap((part) => (part ? [part.storage_id] : []));
      if (firstFailure !== null) {
        await deleteStored(storedIds);
        throw firstFailure;
      }
      let index_id: Id<"_storage"> | null = null;
      try {
        index_id = await store([index.gzipped], "application/gzip");
        const compressed_bytes = builder.compressedBytes + index.gzipped.byteLength;
        await ctx.runMutation(internal.archive.recordBundle, {
          bundle: {
            run_id: run.run_id,
            snapshot_at: run.snapshot_at,
            parts: partIds.map((part) => part!),
            index_id,
            index_sha256: index.sha256,
            index_compressed_size: index.gzipped.byteLength,
            requests: builder.requests,
            raw_bytes: builder.rawBytes,
            compressed_bytes,
            durable_digest: flushOptions.durable_digest ?? (await rawBodiesDigest(entries)),
          },
        });
      } catch (error) {
        await deleteStored(index_id ? [...storedIds, index_id] : storedIds);
        throw error;
      }
    },
  };
}

export type ConvexArchiver = ReturnType<typeof createConvexArchiver>;
