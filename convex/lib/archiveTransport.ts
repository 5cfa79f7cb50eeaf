/**
 * The `archive` transport: serves a previous run's archived bodies, so a run can be replayed with
 * no network. It reads the run's archive rows once (in pages), then each body from file storage
 * on request. Rows are found by request type and query, never by path, so a run archived under
 * one upstream path family replays under any. An archived 404 answers 404 again.
 *
 * Owns: whether a run can be replayed at all. Before anything is written, every archive the run
 * recorded must be present and its file readable; otherwise the replay fails, naming how many are
 * missing and why (deleted by compaction on a date, files missing from storage), or why the run
 * never had archives. A body that vanishes mid-replay (a concurrent compaction) stops the run
 * (`RunAbortedError`) rather than passing for one failed request.
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { decodeArchive } from "../../src/archive/archiveCodec";
import { archiveKey, requestKey, requestType, sortedQuery, type RequestType } from "../../src/sources/requestKey";
import { RunAbortedError, TransportError, type Transport } from "../../src/sources/transport";

const PAGE_SIZE = 500;

type ArchivedRequest = { storage_id: Id<"_storage">; status: number | null };
type ListedArchive = { type: RequestType; params: string; storage_id: Id<"_storage">; status?: number; file_present: boolean };

export async function createArchiveTransport(ctx: ActionCtx, run: Doc<"snapshot_runs">): Promise<Transport> {
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
  const problem = replayProblem(run, archived.size, filesMissing);
  if (problem) throw new Error(`replay_from: ${problem}; nothing was written`);

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

/**
 * Why the run's archives cannot carry a replay, or null when they can.
 *
 * @param present archive rows the run still has
 * @param filesMissing of those, rows whose file is gone from storage
 */
export function replayProblem(run: Doc<"snapshot_runs">, present: number, filesMissing: number): string | null {
  const recorded = run.report?.archived;
  const compacted = run.archives_compacted;
  const compactedOn = compacted ? `deleted by compaction on ${new Date(compacted.last_at).toISOString().slice(0, 10)}` : null;
  if (present === 0) {
    if (compacted) return `run ${run._id}'s ${compacted.deleted} archives were ${compactedOn}: it was archived, and can no longer be replayed`;
    if (run.config.source === "archive") return `run ${run._id} was itself a replay${run.config.replay_from ? ` of run ${run.config.replay_from}` : ""}, and archived nothing; replay that run`;
    if (run.config.output === "dry-run") return `run ${run._id} was a dry run, and dry runs archive nothing`;
    if (run.status === "skipped") return `run ${run._id} was skipped, and fetched nothing`;
    return `run ${run._id} has no archives (it ran with archival off, or failed before fetching)`;
  }
  const reasons: string[] = [];
  if (recorded !== undefined && present < recorded) {
    const missing = recorded - present;
    reasons.push(`${missing} of its ${recorded} archives are missing${compacted ? ` (${Math.min(compacted.deleted, missing)} ${compactedOn})` : ""}`);
  }
  if (filesMissing > 0) reasons.push(`${filesMissing} of its ${present} archived bodies are missing from file storage`);
  return reasons.length > 0 ? `run ${run._id} cannot be replayed whole: ${reasons.join("; ")}` : null;
}
