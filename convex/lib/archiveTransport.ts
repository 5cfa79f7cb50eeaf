/**
 * The `archive` transport: serves a previous run's archived bodies, so a run can be replayed with
 * no network. A run archived as a bundle (every run since bundles) is served from its parts
 * through its index; a run archived before bundles, from its `snapshot_archives` rows and blobs,
 * exactly as then. Requests are found by type and query, never by path, so a run archived under
 * one upstream path family replays under any. An archived 404 answers 404 again.
 *
 * Owns: whether a run can be replayed at all, decided before anything is written. A bundle's row
 * and index and every part file must be there, and every body must match the SHA-256 its index
 * holds (each part is read once and each member checked, before the run starts); legacy rows must
 * all be there with their files. Otherwise the replay fails, naming what is missing or wrong and
 * why (deleted by compaction on a date, files missing from storage, a body that does not match),
 * or why the run never had archives. While serving, a bundle part is fetched once and kept only
 * while requests in it remain, and the models list is served as a stream of decompressed chunks,
 * as the live run read it (same parse, same per-entry cap). A body that vanishes mid-replay (a concurrent compaction) stops the
 * run (`RunAbortedError`) rather than passing for one failed request. A body can be read again
 * (`reread`): the same archive serves it again.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../src/archive/archiveCodec";
import { createBodyCheck, decodeBundleIndex, entryName, gunzipBody, piecesOf, steps, type BodyPiece, type BundleEntry } from "../../src/archive/bundle";
import { concatBytes } from "../../src/lib/bytes";
import { archiveKey, requestKey, requestType, sortedQuery, type RequestType, type SourceRequest } from "../../src/sources/requestKey";
import { openStream, RunAbortedError, TransportError, type Transport } from "../../src/sources/transport";
import type { bundleForRun } from "./bundleStore";

const PAGE_SIZE = 500;

type StoredBundle = NonNullable<Awaited<ReturnType<typeof bundleForRun>>>;

export async function createArchiveTransport(ctx: ActionCtx, run: Doc<"snapshot_runs">): Promise<Transport> {
  const bundle: StoredBundle | null = await ctx.runQuery(internal.archive.bundleForRun, { run_id: run._id });
  const transport = bundle ? await createBundleTransport(ctx, run, bundle) : await createLegacyTransport(ctx, run);
  // Every body here is an archived one: reading it again serves the same archive again.
  return {
    ...transport,
    reread: (request) => openStream(transport, request),
  };
}

function refuse(problem: string): never {
  throw new Error(`replay_from: ${problem}; nothing was written`);
}

async function createBundleTransport(ctx: ActionCtx, run: Doc<"snapshot_runs">, bundle: StoredBundle): Promise<Transport> {
  const run_id = run._id;
  const problem = replayProblem(run, { kind: "bundle", requests: bundle.requests, parts: bundle.parts.length, partsMissing: bundle.partsMissing, indexMissing: bundle.indexMissing });
  if (problem) refuse(problem);
  function unreadable(what: string): never {
    refuse(`run ${run_id} cannot be replayed whole: ${what}`);
  }

  const indexBlob = await ctx.storage.get(bundle.index_id);
  if (!indexBlob) unreadable("its bundle index file is missing from file storage");
  let entries: BundleEntry[] = [];
  try {
    const index = await decodeBundleIndex(new Uint8Array(await indexBlob.arrayBuffer()), bundle.index_sha256);
    if (index.parts !== bundle.parts.length) throw new Error(`the bundle index lists ${index.parts} parts, its row ${bundle.parts.length}`);
    if (index.entries.length !== bundle.requests) throw new Error(`the bundle index lists ${index.entries.length} requests, its row ${bundle.requests}`);
    entries = index.entries;
  } catch (error) {
    unreadable(error instanceof Error ? error.message : String(error));
  }

  async function fetchPart(part: number): Promise<Uint8Array | null> {
    const stored = bundle.parts[part];
    const blob = stored ? await ctx.storage.get(stored.storage_id) : null;
    if (!blob) return null;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (bytes.byteLength !== stored.compressed_size) throw new Error(`bundle part ${part} is ${bytes.byteLength} bytes, recorded ${stored.compressed_size}`);
    return bytes;
  }

  // Every body is checked before the run starts: a replay is whole or nothing. One part at a time.
  // Every body is checked before anything is written: the parts are read in order, each once,
  // and each body's pieces fed to its check as they come (a body in pieces spans parts).
  const piecesByPart = new Map<number, { entry: BundleEntry; piece: BodyPiece; last: boolean }[]>();
  for (const entry of entries) {
    const pieces = piecesOf(entry);
    const outside = pieces.find((piece) => piece.part >= bundle.parts.length);
    if (outside) unreadable(`the archived body of ${entryName(entry)} lies in part ${outside.part}, past its ${bundle.parts.length} parts`);
    pieces.forEach((piece, at) => piecesByPart.set(piece.part, [...(piecesByPart.get(piece.part) ?? []), { entry, piece, last: at === pieces.length - 1 }]));
  }
  const checks = new Map<BundleEntry, ReturnType<typeof createBodyCheck>>();
  for (let part = 0; part < bundle.parts.length; part++) {
    try {
      const bytes = await fetchPart(part);
      if (!bytes) throw new Error(`bundle part ${part} is missing from file storage`);
      for (const { entry, piece, last } of piecesByPart.get(part) ?? []) {
        if (piece.offset + piece.length > bytes.byteLength) {
          throw new Error(`the archived body of ${entryName(entry)} lies past the end of its part (part ${part}, bytes ${piece.offset}–${piece.offset + piece.length}, part is ${bytes.byteLength} bytes)`);
        }
        let check = checks.get(entry);
        if (!check) checks.set(entry, (check = createBodyCheck(entry)));
        for (const step of steps(bytes.subarray(piece.offset, piece.offset + piece.length))) check.push(step);
        if (last) {
          checks.delete(entry);
          check.end();
        }
      }
    } catch (error) {
      unreadable(error instanceof Error ? error.message : String(error));
    }
  }
  for (const entry of checks.keys()) unreadable(`the archived body of ${entryName(entry)} lacks its last piece`);

  const byKey = new Map(entries.map((entry) => [archiveKey(entry.type, entry.params), entry]));
  /** Pieces still to serve per part: a part is kept while any remain. */
  const unserved = new Map<number, number>();
  for (const entry of entries) if (entry.status === undefined) for (const piece of piecesOf(entry)) unserved.set(piece.part, (unserved.get(piece.part) ?? 0) + 1);
  const cache = new Map<number, Promise<Uint8Array | null>>();

  /** The request's entry, or the error a live request would have met. */
  function entryOf(request: SourceRequest): { key: string; entry: BundleEntry } {
    const key = requestKey(request);
    const entry = byKey.get(archiveKey(requestType(request.path), sortedQuery(request.params)));
    if (!entry) throw new TransportError(key, `not archived by run ${run_id}`);
    if (entry.status !== undefined) throw new TransportError(key, `HTTP ${entry.status} (archived by run ${run_id})`, 1, entry.status);
    return { key, entry };
  }

  /** A body's compressed bytes, piece by piece, out of its parts (each fetched once while it serves requests). */
  async function* piecesBytes(entry: BundleEntry): AsyncIterable<Uint8Array> {
    for (const piece of piecesOf(entry)) {
      let part = cache.get(piece.part);
      if (!part) cache.set(piece.part, (part = fetchPart(piece.part)));
      const bytes = await part;
      const left = (unserved.get(piece.part) ?? 1) - 1;
      unserved.set(piece.part, left);
      if (left <= 0) cache.delete(piece.part);
      if (!bytes) throw stopped(entry, `bundle part ${piece.part} vanished from file storage during the replay, probably deleted by a compaction running meanwhile`);
      yield bytes.subarray(piece.offset, piece.offset + piece.length);
    }
  }

  /** The body, decompressed as it is read; any failure stops the replay. */
  async function* bodyOf(entry: BundleEntry): AsyncIterable<Uint8Array> {
    try {
      yield* gunzipBody(piecesBytes(entry), entry);
    } catch (error) {
      if (error instanceof RunAbortedError) throw error;
      throw stopped(entry, error instanceof Error ? error.message : String(error));
    }
  }

  function stopped(entry: BundleEntry, message: string): RunAbortedError {
    return new RunAbortedError(`replay_from: ${entryName(entry)} (run ${run_id}): ${message}; the replay stopped`);
  }

  return {
    name: "archive",
    async get(request) {
      const { key, entry } = entryOf(request);
      const chunks: Uint8Array[] = [];
      for await (const chunk of bodyOf(entry)) chunks.push(chunk);
      return { key, request, body: new TextDecoder().decode(concatBytes(chunks)) };
    },
    /** The body decompressed as it is read, as the live run streamed it (the models list): never whole. Checked whole before the replay began. */
    async stream(request) {
      const { key, entry } = entryOf(request);
      return { key, request, chunks: bodyOf(entry) };
    },
  };
}

type ArchivedRequest = { storage_id: Id<"_storage">; status: number | null };
type ListedArchive = { type: RequestType; params: string; storage_id: Id<"_storage">; status?: number; file_present: boolean };

/** A run archived before bundles: one row and one (content-addressed) blob per request. */
async function createLegacyTransport(ctx: ActionCtx, run: Doc<"snapshot_runs">): Promise<Transport> {
  const run_id = run._id;
  const archived = new Map<string, ArchivedRequest>();
  let filesMissing = 0;
  let cursor: string | null = null;
  for (;;) {
    const page: { page: ListedArchive[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(internal.archive.listForRun, {
      run_id,
      paginationOpts: { numItems: PAGE_SIZE, cursor },
    });
    for (const row of page.page) {
      archived.set(archiveKey(row.type, row.params), { storage_id: row.storage_id, status: row.status ?? null });
      if (!row.file_present) filesMissing++;
    }
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  const problem = replayProblem(run, archived.size === 0 ? { kind: "none" } : { kind: "rows", present: archived.size, filesMissing });
  if (problem) refuse(problem);

  return {
    name: "archive",
    async get(request) {
      const key = requestKey(request);
      const found = archived.get(archiveKey(requestType(request.path), sortedQuery(request.params)));
      if (!found) throw new TransportError(key, `not archived by run ${run_id}`);
      if (found.status !== null) throw new TransportError(key, `HTTP ${found.status} (archived by run ${run_id})`, 1, found.status);
      const blob = await ctx.storage.get(found.storage_id);
      if (!blob) throw new RunAbortedError(`replay_from: the archived body of ${key} (run ${run_id}) vanished from file storage during the replay, probably deleted by a compaction running meanwhile; the replay stopped`);
      return { key, request, body: decodeArchive(new Uint8Array(await blob.arrayBuffer())) };
    },
  };
}

/** What a run has left to replay from, as the archive tables say. */
export type ArchivesFound =
  | { kind: "none" }
  /** Legacy rows: how many the run still has, and of those how many have lost their file. */
  | { kind: "rows"; present: number; filesMissing: number }
  /** A bundle: requests in its index, its part count, which part files and whether its index file are gone. */
  | { kind: "bundle"; requests: number; parts: number; partsMissing: number[]; indexMissing: boolean };

/** Why the run's archives cannot carry a replay, or null when they can. */
export function replayProblem(run: Doc<"snapshot_runs">, found: ArchivesFound): string | null {
  const recorded = run.report?.archived;
  const compacted = run.archives_compacted;
  const compactedOn = compacted ? `deleted by compaction on ${new Date(compacted.last_at).toISOString().slice(0, 10)}` : null;
  if (found.kind === "none") {
    if (compacted) return `run ${run._id}'s ${compacted.deleted} archives were ${compactedOn}: it was archived, and can no longer be replayed`;
    if (run.config.source === "archive") return `run ${run._id} was itself a replay${run.config.replay_from ? ` of run ${run.config.replay_from}` : ""}, and archived nothing; replay that run`;
    if (run.config.output === "dry-run") return `run ${run._id} was a dry run, and dry runs archive nothing`;
    if (run.status === "skipped") return `run ${run._id} was skipped, and fetched nothing`;
    if (recorded) return `run ${run._id} reported ${recorded} archived responses, but no archive of them is recorded (its archiving failed at the end of the run, or the archive was deleted by hand)`;
    return `run ${run._id} has no archives (it ran with archival off, or failed before fetching)`;
  }
  const present = found.kind === "rows" ? found.present : found.requests;
  const reasons: string[] = [];
  if (recorded !== undefined && present < recorded) {
    const missing = recorded - present;
    reasons.push(`${missing} of its ${recorded} archives are missing${compacted ? ` (${Math.min(compacted.deleted, missing)} ${compactedOn})` : ""}`);
  }
  if (found.kind === "rows" && found.filesMissing > 0) reasons.push(`${found.filesMissing} of its ${present} archived bodies are missing from file storage`);
  if (found.kind === "bundle") {
    if (found.indexMissing) reasons.push("its bundle index file is missing from file storage");
    if (found.partsMissing.length > 0) {
      reasons.push(`${found.partsMissing.length} of its ${found.parts} bundle part files (part ${found.partsMissing.join(", ")}) are missing from file storage`);
    }
  }
  return reasons.length > 0 ? `run ${run._id} cannot be replayed whole: ${reasons.join("; ")}` : null;
}
