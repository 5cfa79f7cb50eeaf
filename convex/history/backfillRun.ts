/**
 * One action of the history backfill: walks the runs oldest first from where the last action
 * stopped, replays each run that changed the catalogue from its archive into a shadow catalogue
 * (the way `runSnapshot` replays one: archive transport, sources, `standard`, with a
 * `HistoryReplayWriter` as the only output), and sends the change rows it yields to
 * `history/backfill:insertEvents` in bounded batches. When its time budget is spent it stores the
 * shadow catalogue as a checkpoint file and schedules the next action; a run still running makes it
 * do the same a minute later (whether that run changes the catalogue is known once it ends). At the
 * end of the runs (or where live history begins) it records what history covers. Runs archived
 * before bundles are replayed from their legacy rows the same way, when all of them are left.
 *
 * Owns: the order of that work, and turning a replay's events into change rows as `ChangeLog` and
 * `changes.recordRewrites` write them, flagged `backfilled`. Must not touch: entity rows (the
 * replay's only output is the shadow), runs from `live_from` on (they recorded their own history).
 * A replay that fails part way leaves the shadow half moved: the walk then fails, recorded on its
 * row; a new one starts over (and adds only what is missing).
 */
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { createArchiveTransport } from "../lib/archiveTransport";
import { DEFAULT_BROAD_REWRITE_SHARE } from "../lib/convexWriter";
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS, UNAVAILABLE_REASONS } from "../lib/entityRows";
import { RUN_STALE_MS } from "../lib/runOrder";
import { boundedRow, rewriteRow } from "./changeLog";
import type { ChangeRow } from "./validators";
import type { BackfillWalk, RunRow } from "./backfillValidators";
import type { BackfillOptions } from "./backfillStore";
import { EMPTY_WALK, ending, losing, replaying, roleOf, type Gap } from "../../src/history/backfillWalk";
import { HELD_FOR_NEWER_RUN, HistoryReplayWriter, type RemovalVerdict } from "../../src/history/historyReplayWriter";
import { ShadowCatalogue } from "../../src/history/shadowCatalogue";
import type { ChangeEvent } from "../../src/history/changeEvents";
import { sourcesOver } from "../../src/sources/catalogueSources";
import { createValidator } from "../../src/pipeline/validator";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard } from "../../src/pipeline/standard";
import { DEFAULT_UPSTREAM_PATHS, pathFamily, type UpstreamPaths } from "../../src/sources/requestKey";

/** Endpoint lists fetched at once from the archive, as a live run does. */
const REPLAY_CONCURRENCY = 8;
/** How long the walk waits before looking again at a run still running (a run lives at most 10 minutes). */
const WAIT_FOR_RUN_MS = 60_000;
/** What `createArchiveTransport` begins its refusals with: the run cannot be replayed (a fact about its archive, not a failure). */
const REFUSAL = "replay_from: ";

/**
 * One action of the walk.
 *
 * @example await runBackfillStep(ctx, { backfill_id, budget_ms: 4 * 60_000, page_size: 100 })
 */
export async function runBackfillStep(ctx: ActionCtx, args: { backfill_id: Id<"history_backfills"> } & BackfillOptions): Promise<void> {
  const { backfill_id, budget_ms, page_size } = args;
  const began = Date.now();
  const backfill = await ctx.runQuery(internal.history.backfill.status, { backfill_id });
  if (!backfill || backfill.status !== "running") return;
  try {
    const walk: BackfillWalk = backfill.walk ?? { state: EMPTY_WALK, after: null, checkpoint: null };
    const shadow = walk.checkpoint ? await loadShadow(ctx, walk.checkpoint) : new ShadowCatalogue();
    const spent = () => Date.now() - began >= budget_ms;
    for (;;) {
      const page = await ctx.runQuery(internal.history.backfill.runsPage, { after: walk.after, limit: page_size });
      const progress = { walked: 0, replayed: 0, lost: 0 };
      const note = async (gap: Gap | null) => {
        await ctx.runMutation(internal.history.backfill.noteProgress, { backfill_id, ...progress, cursor: walk.after?.snapshot_at ?? null, gap });
        Object.assign(progress, { walked: 0, replayed: 0, lost: 0 });
      };
      /** Where the walk ends: where live history begins (null: none has), or (undefined) not in this page. */
      let end: number | null | undefined;
      for (const run of page.runs) {
        if (page.live_from !== null && run.snapshot_at >= page.live_from) {
          end = page.live_from;
          break;
        }
        const role = roleOf(run, Date.now(), RUN_STALE_MS);
        if (role.role === "wait") {
          // Whether it changes the catalogue (and records history itself) is known once it ends: look again then.
          if (progress.walked > 0) await note(null);
          return await continueLater(ctx, { backfill_id, walk, shadow, budget_ms, page_size }, WAIT_FOR_RUN_MS);
        }
        walk.after = { snapshot_at: run.snapshot_at, creation_time: run.creation_time };
        progress.walked++;
        if (role.role === "ignore") continue;
        const replayed = role.role === "replay" ? await replayRun(ctx, backfill_id, shadow, run, walk.state) : { lost: role.why };
        if ("lost" in replayed) {
          walk.state = losing(walk.state, run.snapshot_at, replayed.lost);
          progress.lost++;
          continue;
        }
        walk.state = replayed.walk;
        progress.replayed++;
        await note(replayed.gap);
        if (spent()) return await continueLater(ctx, { backfill_id, walk, shadow, budget_ms, page_size });
      }
      if (end === undefined && page.isDone) end = page.live_from;
      if (end !== undefined) {
        if (progress.walked > 0) await note(null);
        const ended = ending(walk.state, end);
        await ctx.runMutation(internal.history.backfill.finish, { backfill_id, state: ended.walk, gap: ended.gap, last_walked: walk.after?.snapshot_at ?? null });
        return;
      }
      if (progress.walked > 0) await note(null);
      if (spent()) return await continueLater(ctx, { backfill_id, walk, shadow, budget_ms, page_size });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`history backfill ${backfill_id} failed: ${message}`);
    await ctx.runMutation(internal.history.backfill.fail, { backfill_id, error: message });
  }
}

/**
 * Replays one run into the shadow, sending its change rows (none after a gap); `lost` when its
 * archive cannot carry a replay, with why.
 */
async function replayRun(
  ctx: ActionCtx,
  backfill_id: Id<"history_backfills">,
  shadow: ShadowCatalogue,
  run: RunRow,
  state: BackfillWalk["state"],
): Promise<{ lost: string } | ReturnType<typeof replaying>> {
  const record = (await ctx.runQuery(internal.snapshot_runs.get, { run_id: run.run_id }))!;
  let transport;
  try {
    transport = await createArchiveTransport(ctx, record);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith(REFUSAL)) throw error;
    return { lost: message.slice(REFUSAL.length).replace(/; nothing was written$/, "") };
  }
  const next = replaying(state, run.snapshot_at);
  const rows = new ChangeRowSink(ctx, backfill_id);
  const at = { snapshot_at: run.snapshot_at, run_id: run.run_id };
  const writer = new HistoryReplayWriter(shadow, {
    snapshot_at: run.snapshot_at,
    run_id: run.run_id,
    record: next.record,
    removals: removalVerdict(record),
    reasons: UNAVAILABLE_REASONS,
    broadRewriteShare: DEFAULT_BROAD_REWRITE_SHARE,
    onEvent: (event, revert) => rows.add(eventRow(event, revert, at)),
  });
  const sources = sourcesOver(transport, createValidator(), { paths: pathsOf(record) });
  const pipeline = createProcessContext({ config: { run_id: run.run_id, snapshot_at: run.snapshot_at, maxConcurrency: REPLAY_CONCURRENCY }, sources, outputs: [writer] });
  await pipeline.outputs.init();
  await standard(pipeline);
  await pipeline.outputs.finish();
  for (const rewrite of writer.rewrites) await rows.add(rewriteRow(rewrite, { ...at, backfilled: true }));
  await rows.flush();
  return next;
}

/** What the run did with its removals, as its record says. */
export function removalVerdict(run: Doc<"snapshot_runs">): RemovalVerdict {
  const withheld = run.withheld;
  if (!withheld) return { kind: "applied" };
  return { kind: "withheld", holdAll: withheld.reason.includes(HELD_FOR_NEWER_RUN), accepted: withheld.accepted_at !== undefined };
}

/** The path family the run asked for (any serves an archive: it is read by request type and query). */
function pathsOf(run: Doc<"snapshot_runs">): UpstreamPaths {
  const paths = run.config.paths;
  if (paths === undefined) return DEFAULT_UPSTREAM_PATHS;
  try {
    pathFamily(paths);
    return paths as UpstreamPaths;
  } catch {
    return DEFAULT_UPSTREAM_PATHS;
  }
}

type RowOrigin = { snapshot_at: number; run_id: Id<"snapshot_runs"> };

/** The row `ChangeLog` records for an event, flagged as rebuilt. */
export function eventRow(event: ChangeEvent, revert: string, at: RowOrigin): ChangeRow {
  return boundedRow({ ...event, ...at, revert, backfilled: true });
}

/** Change rows on their way out: `MAX_BATCH_ROWS` to a mutation (fewer when large), one mutation at a time. */
class ChangeRowSink {
  private rows: ChangeRow[] = [];
  private bytes = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ActionCtx,
    private readonly backfill_id: Id<"history_backfills">,
  ) {}

  add(row: ChangeRow): Promise<unknown> {
    const bytes = JSON.stringify(row).length;
    const full = this.rows.length > 0 && this.bytes + bytes > MAX_BATCH_BYTES ? this.flush() : null;
    this.rows.push(row);
    this.bytes += bytes;
    if (this.rows.length >= MAX_BATCH_ROWS) return this.flush();
    return full ?? Promise.resolve();
  }

  flush(): Promise<unknown> {
    const rows = this.rows.splice(0);
    this.bytes = 0;
    if (rows.length > 0) this.chain = this.chain.then(() => this.ctx.runMutation(internal.history.backfill.insertEvents, { backfill_id: this.backfill_id, rows }));
    return this.chain;
  }
}

/** Stores the shadow as a checkpoint file and hands the walk to the next action, `delay_ms` from now. */
async function continueLater(
  ctx: ActionCtx,
  args: { backfill_id: Id<"history_backfills">; walk: BackfillWalk; shadow: ShadowCatalogue } & BackfillOptions,
  delay_ms = 0,
): Promise<void> {
  const { backfill_id, walk, shadow, budget_ms, page_size } = args;
  const checkpoint = await ctx.storage.store(new Blob(ShadowCatalogue.encode(shadow) as BlobPart[], { type: "application/gzip" }));
  await ctx.runMutation(internal.history.backfill.saveCheckpoint, { backfill_id, walk: { ...walk, checkpoint }, budget_ms, page_size, delay_ms });
}

async function loadShadow(ctx: ActionCtx, checkpoint: Id<"_storage">): Promise<ShadowCatalogue> {
  const blob = await ctx.storage.get(checkpoint);
  if (!blob) throw new Error(`the walk's checkpoint file ${checkpoint} is missing from file storage`);
  return ShadowCatalogue.decode(new Uint8Array(await blob.arrayBuffer()));
}
