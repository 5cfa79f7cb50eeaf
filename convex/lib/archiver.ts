/**
 * The Convex archiver: keeps every raw body a remote run received, as one bundle per run.
 *
 * Owns: hashing each body as it arrives (before parsing; a streamed body, chunk by chunk, with
 * its compression, in pieces), appending it to the run's bundle (`src/archive/bundle.ts`),
 * storing each part in file storage once it reaches the size cap (waiting for the store before
 * reading on, so about one part is held for archiving), and, in `flush()`, storing the last
 * part and the index file, then recording the bundle with ONE `archive.recordBundle`. `flush()`
 * must run at the end of the run, failed or not; when any store or the record fails, it deletes
 * the files it stored (so none is left without its row) and rejects with the first failure.
 *
 * It also reads a body back during the run (`reread`), so the run need not hold what it received:
 * piece by piece, from the open part in memory, else from the stored part (the last part read
 * back is kept while it is of ordinary size, as bodies are mostly read back in the order they
 * came), checked against the body's SHA-256.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { hashBody } from "../../src/archive/archiveCodec";
import { BUNDLE_PART_CAP_BYTES, createBundleBuilder, gunzipBody, piecesOf, rawBodiesDigest, type BodyPiece, type ClosedPart } from "../../src/archive/bundle";
import { requestKey, requestType, sortedQuery, type SourceRequest } from "../../src/sources/requestKey";
import type { StreamArchive } from "../../src/sources/archivingTransport";
import { TransportError, type RawResponse, type StreamedResponse } from "../../src/sources/transport";

export type ArchiverOptions = {
  /** Compressed bytes at which a part is closed and stored (tests pass a small one); default `BUNDLE_PART_CAP_BYTES`. */
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
  const partCapBytes = options.partCapBytes ?? BUNDLE_PART_CAP_BYTES;
  const builder = createBundleBuilder(partCapBytes);
  const stored: (Promise<{ storage_id: Id<"_storage">; compressed_size: number } | null> | undefined)[] = [];
  let firstFailure: unknown = null;
  /** The stored part last read back, while it is of ordinary size. */
  let readBack: { part: number; blob: Blob } | null = null;

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

  /** A piece of a closed part, from file storage. */
  async function storedPiece(key: string, piece: BodyPiece): Promise<Uint8Array> {
    let blob = readBack?.part === piece.part ? readBack.blob : null;
    if (!blob) {
      readBack = null;
      const part = await stored[piece.part];
      const found = part ? await ctx.storage.get(part.storage_id) : null;
      if (!part || !found) throw new TransportError(key, `bundle part ${piece.part} of this run could not be stored or read back`);
      blob = found;
      if (part.compressed_size <= partCapBytes) readBack = { part: piece.part, blob };
    }
    return new Uint8Array(await blob.slice(piece.offset, piece.offset + piece.length).arrayBuffer());
  }

  /** A body's compressed bytes, piece by piece, each from wherever its part is now. */
  async function* piecesBytes(key: string, pieces: BodyPiece[]): AsyncIterable<Uint8Array> {
    for (const piece of pieces) yield builder.openPiece(piece) ?? (await storedPiece(key, piece));
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
      await Promise.all(builder.add(request, body).map(storePart));
    },
    /** Archives a body as it streams in (the models list): compressed and hashed chunk by chunk, its pieces added to the bundle as they complete. */
    begin(source: SourceRequest): StreamArchive {
      const stream = builder.beginStream({ type: requestType(source.path), params: sortedQuery(source.params) });
      return {
        // A part closed mid-stream is stored before more is read (a failure is kept for `flush`), so parts do not pile up.
        push: async (chunk) => {
          await Promise.all(stream.push(chunk).map(storePart));
        },
        end: async () => {
          await Promise.all(stream.end().map(storePart));
        },
      };
    },
    /** A body this run archived, read back and checked against its SHA-256, decompressed as it is read. */
    async reread(source: SourceRequest): Promise<StreamedResponse> {
      const key = requestKey(source);
      const entry = builder.entryFor({ type: requestType(source.path), params: sortedQuery(source.params) });
      if (!entry) throw new TransportError(key, "not archived by this run");
      if (entry.status !== undefined) throw new TransportError(key, `HTTP ${entry.status} (archived by this run)`, 1, entry.status);
      return { key, request: source, chunks: gunzipBody(piecesBytes(key, piecesOf(entry)), entry) };
    },
    /** Stores the last part and the index, and records the bundle; when nothing was archived, deletes any part stored meanwhile. */
    async flush(flushOptions: FlushOptions = {}) {
      readBack = null;
      if (builder.requests === 0) {
        // Parts of a streamed body that never ended (its read failed) are stored with no row to name them: let them go.
        const orphans = await Promise.all(stored.map((part) => part ?? Promise.resolve(null)));
        await deleteStored(orphans.flatMap((part) => (part ? [part.storage_id] : [])));
        return;
      }
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
