/**
 * The `archive` transport: serves a previous run's archived bodies, so a run can be replayed with
 * no network. It reads the run's archive rows once (in pages), then each body from file storage
 * on request. A request the run did not archive fails like a missing recording key.
 */
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../src/archive/archiveCodec";
import { pathOfType, requestKey, type RequestType } from "../../src/sources/requestKey";
import { TransportError, type Transport } from "../../src/sources/transport";

const PAGE_SIZE = 500;

export async function createArchiveTransport(ctx: ActionCtx, run_id: Id<"snapshot_runs">): Promise<Transport> {
  const storageByKey = new Map<string, Id<"_storage">>();
  let cursor: string | null = null;
  for (;;) {
    const page: { page: { type: RequestType; params: string; storage_id: Id<"_storage"> }[]; isDone: boolean; continueCursor: string } =
      await ctx.runQuery(internal.archive.listForRun, { run_id, paginationOpts: { numItems: PAGE_SIZE, cursor } });
    for (const row of page.page) {
      const key = row.params === "" ? pathOfType(row.type) : `${pathOfType(row.type)}?${row.params}`;
      storageByKey.set(key, row.storage_id);
    }
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  if (storageByKey.size === 0) throw new Error(`replay_from: run ${run_id} has no archives (only remote runs archive their responses)`);

  return {
    name: "archive",
    async get(request) {
      const key = requestKey(request);
      const storageId = storageByKey.get(key);
      if (!storageId) throw new TransportError(key, `not archived by run ${run_id}`);
      const blob = await ctx.storage.get(storageId);
      if (!blob) throw new TransportError(key, `archive blob ${storageId} is missing from file storage`);
      return { key, request, body: decodeArchive(new Uint8Array(await blob.arrayBuffer())) };
    },
  };
}
