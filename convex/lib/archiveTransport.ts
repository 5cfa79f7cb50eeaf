/**
 * The `archive` transport: serves a previous run's archived bodies, so a run can be replayed with
 * no network. It reads the run's archive rows once (in pages), then each body from file storage
 * on request. Rows are found by request type and query, never by path, so a run archived under
 * one upstream path family replays under any. An archived 404 answers 404 again; a request the
 * run did not archive fails like a missing recording key.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../src/archive/archiveCodec";
import { archiveKey, requestKey, requestType, sortedQuery, type RequestType } from "../../src/sources/requestKey";
import { TransportError, type Transport } from "../../src/sources/transport";

const PAGE_SIZE = 500;

type ArchivedRequest = { storage_id: Id<"_storage">; status: number | null };

export async function createArchiveTransport(ctx: ActionCtx, run_id: Id<"snapshot_runs">): Promise<Transport> {
  const archived = new Map<string, ArchivedRequest>();
  let cursor: string | null = null;
  for (;;) {
    const page: {
      page: { type: RequestType; params: string; storage_id: Id<"_storage">; status?: number }[];
      isDone: boolean;
      continueCursor: string;
    } = await ctx.runQuery(internal.archive.listForRun, { run_id, paginationOpts: { numItems: PAGE_SIZE, cursor } });
    for (const row of page.page) archived.set(archiveKey(row.type, row.params), { storage_id: row.storage_id, status: row.status ?? null });
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  if (archived.size === 0) throw new Error(`replay_from: run ${run_id} has no archives (only remote runs archive their responses)`);

  return {
    name: "archive",
    async get(request) {
      const key = requestKey(request);
      const found = archived.get(archiveKey(requestType(request.path), sortedQuery(request.params)));
      if (!found) throw new TransportError(key, `not archived by run ${run_id}`);
      if (found.status !== null) throw new TransportError(key, `HTTP ${found.status} (archived by run ${run_id})`, 1, found.status);
      const blob = await ctx.storage.get(found.storage_id);
      if (!blob) throw new TransportError(key, `archive blob ${found.storage_id} is missing from file storage`);
      return { key, request, body: decodeArchive(new Uint8Array(await blob.arrayBuffer())) };
    },
  };
}
