/**
 * runSnapshot: one snapshot run inside a Convex action, shared by `snapshots_v2.runDemo` and the
 * cron's `snapshots_v2.run`.
 *
 * Owns: wiring, not work. It opens the run record, builds the transport (remote with archival, or
 * replay from a previous run's archives) over the configured upstream path family, picks the
 * writers, runs `standard`, flushes the archives, compares the fields seen upstream with the drift
 * ledger, and closes the run record with a compact report and every health reason. A run that
 * throws is recorded `failed` with its message, never left `running`.
 *
 * Time only moves forward. A replay of a run older than one that has changed the catalogue since
 * is refused before it starts (unless it is a dry run, or a `rebuild` into entity tables that hold
 * nothing newer); a remote run stamped older than such a run is a backfill: it archives what it
 * fetched and leaves the entity tables alone. Only live runs (remote, writing) take the run
 * lease: dry runs and replays never keep the hourly run from running, and a replay that finds a
 * newer run wrote meanwhile withholds its removals.
 */
import type { Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { sourcesOver } from "../../src/sources/catalogueSources";
import { createValidator } from "../../src/pipeline/validator";
import { createRemoteTransport, type RetryConfig } from "../../src/sources/remoteTransport";
import { withArchival } from "../../src/sources/archivingTransport";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard, type StandardCounts } from "../../src/pipeline/standard";
import type { OutputHandler } from "../../src/pipeline/types";
import { DryRunWriter } from "../../src/outputs/dryRunWriter";
import { createConvexArchiver, type ConvexArchiver } from "./archiver";
import type { Transport } from "../../src/sources/transport";
import { createArchiveTransport } from "./archiveTransport";
import { ConvexIssueWriter } from "./issueWriter";
import { createMetricsSink } from "./metricsSink";
import { RUN_PIPELINE } from "../../src/pipeline/runMetrics";
import { ConvexState, ConvexWriter, loadConvexState, loadRecentRemovals } from "./convexWriter";
import { vSnapshotReport } from "./validators";
import { createFieldCensus } from "../../src/drift/fieldCensus";
import { DEFAULT_UPSTREAM_PATHS, pathFamily, type UpstreamPaths } from "../../src/sources/requestKey";
import { recordUpstreamFields, type FieldsReport } from "./driftLedger";
import { DEFAULT_HEALTH_LIMITS, HEALTHY, healthLine, healthReasons } from "../../src/pipeline/health";
import { RUN_STALE_MS } from "./runOrder";
import { HELD_FOR_NEWER_RUN } from "../../src/history/historyReplayWriter";

export type SnapshotOutput = "convex" | "dry-run" | "both";

export type RunSnapshotArgs = {
  output?: SnapshotOutput;
  replay_from?: Id<"snapshot_runs">;
  snapshot_at?: number;
  maxConcurrency?: number;
  /** Overrides of the remote transport's timeout and retry settings (src/sources/remoteTransport.ts). */
  remote?: Partial<RetryConfig>;
  /** A run that would mark more than this share of a table unavailable marks nothing and is unhealthy. */
  maxUnavailableShare?: number;
  /** Likewise for the share marked within the last 24 hours, this run's removals included (default 0.3, or `maxUnavailableShare` if larger). */
  maxRollingShare?: number;
  /** A run with more than this share of its endpoint lists failed is unhealthy. */
  maxFailedListShare?: number;
  /** A run with more than this share of its models entries, or of its endpoint records, invalid is unhealthy. */
  maxInvalidShare?: number;
  /** With `replay_from`: replay although newer runs exist, into entity tables that hold nothing newer (checked before writing). */
  rebuild?: boolean;
  /** Archive what a remote run fetches (default). Off only where archives are beside the point, e.g. the benchmark. */
  archive?: boolean;
  /** Compressed bytes at which an archive part is closed (default `BUNDLE_PART_CAP_BYTES`): small only in tests, to read bodies back from stored parts. */
  archivePartBytes?: number;
  /** Upstream path family: `v1` (default, or the OPENROUTER_PATHS environment variable) or `legacy-2025`. */
  paths?: UpstreamPaths;
  /** A field path changed on more than this share of a table in one run is one story in the feeds (default `DEFAULT_BROAD_REWRITE_SHARE`, 0.25). */
  broadRewriteShare?: number;
};

/**
 * The path family a run asks for: its argument, else the deployment's OPENROUTER_PATHS, else `v1`.
 * Returned unchecked: a bad environment value must fail the run on its record (`checkedPaths`),
 * not before there is one.
 */
export function upstreamPathsSetting(args: Pick<RunSnapshotArgs, "paths">): string {
  const environment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return args.paths ?? (environment?.OPENROUTER_PATHS || undefined) ?? DEFAULT_UPSTREAM_PATHS;
}

function checkedPaths(setting: string, fromArgument: boolean): UpstreamPaths {
  try {
    pathFamily(setting);
  } catch (error) {
    throw new Error(`${fromArgument ? "paths" : "OPENROUTER_PATHS"}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return setting as UpstreamPaths;
}

export const DEFAULT_MAX_CONCURRENCY = 8;
export const DEFAULT_MAX_UNAVAILABLE_SHARE = 0.2;
/** Over a day, half again the per-run share: one real clean-up passes, a drip of large removals does not. */
export const DEFAULT_MAX_ROLLING_SHARE = 0.3;
export const ROLLING_WINDOW_MS = 24 * 3_600_000;
/** Fetching must be over by then: Convex stops an action at 10 minutes, and writes need time too. */
export const RUN_BUDGET_MS = 8 * 60_000;
/** A lease outlives any action (10 minutes), so only a dead run's lease ever expires. */
export const LEASE_MS = RUN_STALE_MS;
export const MAX_CONCURRENCY_LIMIT = 64;
const HOUR_MS = 3_600_000;
const DRY_RUN_LOG_LINES = 50;

export type SnapshotReport = Infer<typeof vSnapshotReport>;

const OUTPUTS: readonly SnapshotOutput[] = ["convex", "dry-run", "both"];

/**
 * runDemo's loosely typed args → RunSnapshotArgs, rejecting a bad one with a message that names
 * it. `replay_from` must be the id of an existing run.
 */
export async function parseRunDemoArgs(
  ctx: ActionCtx,
  args: Omit<RunSnapshotArgs, "output" | "replay_from" | "paths"> & { output?: string; replay_from?: string; paths?: string },
): Promise<RunSnapshotArgs> {
  const { output, replay_from, paths, ...rest } = args;
  if (output !== undefined && !OUTPUTS.includes(output as SnapshotOutput)) {
    throw new Error(`output must be one of ${OUTPUTS.map((o) => JSON.stringify(o)).join(", ")}, got ${JSON.stringify(output)}`);
  }
  let replayRun: Id<"snapshot_runs"> | undefined;
  if (replay_from !== undefined) {
    const found = await ctx.runQuery(internal.snapshot_runs.get, { run_id: replay_from });
    if (found === null) throw new Error(`replay_from must be the id of a snapshot run, got ${JSON.stringify(replay_from)}`);
    replayRun = found._id;
  }
  const parsed: RunSnapshotArgs = { ...rest, output: output as SnapshotOutput | undefined, replay_from: replayRun, paths: paths as UpstreamPaths | undefined };
  checkRunArgs(parsed);
  return parsed;
}

/** Rejects a bad argument with a message that names it. */
export function checkRunArgs(args: RunSnapshotArgs): void {
  const { maxConcurrency, snapshot_at } = args;
  if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY_LIMIT)) {
    throw new Error(`maxConcurrency must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}, got ${maxConcurrency}`);
  }
  if (snapshot_at !== undefined && (!Number.isSafeInteger(snapshot_at) || snapshot_at < 0)) {
    throw new Error(`snapshot_at must be epoch milliseconds (a non-negative integer), got ${snapshot_at}`);
  }
  for (const name of ["maxUnavailableShare", "maxRollingShare", "maxFailedListShare", "maxInvalidShare", "broadRewriteShare"] as const) {
    const share = args[name];
    if (share !== undefined && !(share >= 0 && share <= 1)) throw new Error(`${name} must be a number from 0 to 1, got ${share}`);
  }
  if (snapshot_at !== undefined && snapshot_at > Date.now() + HOUR_MS) {
    throw new Error(`snapshot_at must not be in the future, got ${new Date(snapshot_at).toISOString()}`);
  }
  if (args.rebuild && args.replay_from === undefined) throw new Error("rebuild applies only to a replay: pass replay_from too");
  if (args.paths !== undefined) checkedPaths(args.paths, true);
  for (const [name, value] of Object.entries(args.remote ?? {})) {
    if (value === undefined) continue;
    const minimum = name === "maxAttempts" || name === "timeoutMs" || name === "maxBodyBytes" || name === "maxStreamedBodyBytes" ? 1 : 0;
    if (!Number.isInteger(value) || value < minimum) throw new Error(`remote.${name} must be an integer ≥ ${minimum}, got ${value}`);
  }
}

export function currentHour(now: number): number {
  return Math.floor(now / HOUR_MS) * HOUR_MS;
}

export async function runSnapshot(ctx: ActionCtx, args: RunSnapshotArgs): Promise<SnapshotReport> {
  checkRunArgs(args);
  const started_at = Date.now();
  const output = args.output ?? "convex";
  const maxConcurrency = args.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const maxUnavailableShare = args.maxUnavailableShare ?? DEFAULT_MAX_UNAVAILABLE_SHARE;
  // A person who allows a larger share in one run means it: the rolling limit is never below it.
  const maxRollingShare = args.maxRollingShare ?? Math.max(DEFAULT_MAX_ROLLING_SHARE, maxUnavailableShare);
  const source = args.replay_from ? "archive" : "remote";
  // A replay stands for the hour it replays, so its rows get the original timestamps.
  const replayed = args.replay_from ? await ctx.runQuery(internal.snapshot_runs.get, { run_id: args.replay_from }) : null;
  if (args.replay_from && !replayed) throw new Error(`replay_from must be the id of a snapshot run, got ${JSON.stringify(args.replay_from)}`);
  const snapshot_at = args.snapshot_at ?? replayed?.snapshot_at ?? currentHour(started_at);
  if (replayed && args.snapshot_at !== undefined && args.snapshot_at !== replayed.snapshot_at) {
    throw new Error(`snapshot_at: a replay stands for the hour it replays (${iso(replayed.snapshot_at)}); got ${iso(args.snapshot_at)}`);
  }
  // Where the content sits in time: a replay's is its run's (same snapshot, that run's start).
  const position = { snapshot_at, started_at: replayed?.started_at ?? started_at };
  const writes = output !== "dry-run";
  const pathsSetting = upstreamPathsSetting(args);
  const config = { output, source, replay_from: args.replay_from, maxConcurrency, paths: pathsSetting, ...(args.rebuild ? { rebuild: true } : {}) };
  const opened = await ctx.runMutation(internal.snapshot_runs.start, {
    snapshot_at,
    started_at,
    config,
    // Only a live run takes the lease: dry runs and replays never keep the hourly run from running.
    lease_ms: source === "remote" && writes ? LEASE_MS : null,
    ...(writes ? { order: { started_at: position.started_at, exclude: replayed ? [replayed._id] : [], refuse_if_newer: replayed !== null && !args.rebuild } } : {}),
  });
  const { skipped_for, took_over_from, newer } = opened;
  if (opened.run_id === null) {
    throw new Error(
      `replay_from: ${describeRun(newer!)} is newer than run ${replayed!._id} (snapshot ${iso(replayed!.snapshot_at)}): replaying it would move stored rows back ` +
        `to an older state. Pass output "dry-run" to see what it would do, or rebuild: true to replay into entity tables that hold nothing newer.`,
    );
  }
  const run_id = opened.run_id;
  const entitiesSkipped =
    newer && !replayed ? `backfill: ${describeRun(newer)} already wrote a newer state; this run archived what it fetched and left the entity tables alone` : undefined;
  if (skipped_for) {
    console.log(`snapshot ${run_id} skipped: run ${skipped_for} holds the lease`);
    return skippedReport({ run_id, skipped_for, snapshot_at, source, output, started_at });
  }
  if (took_over_from) console.warn(`snapshot ${run_id} took over the expired lease of run ${took_over_from}`);
  const metrics = createMetricsSink(ctx, run_id);
  metrics.emit({ t: "pipeline_started", name: RUN_PIPELINE, ts: started_at });

  // Only runs that write archive what they fetched: a dry run stores nothing.
  const archiver =
    source === "remote" && output !== "dry-run" && args.archive !== false
      ? createConvexArchiver(ctx, { run_id, snapshot_at }, { partCapBytes: args.archivePartBytes })
      : null;
  let convexWriter: ConvexWriter | null = null;
  let dryRunWriter: DryRunWriter | null = null;
  let counts: StandardCounts | null = null;
  let fields: FieldsReport | undefined;
  let error: string | undefined;
  const census = createFieldCensus();
  try {
    const paths = checkedPaths(pathsSetting, args.paths !== undefined);
    const transport = replayed
      ? await createArchiveTransport(ctx, replayed)
      : archiving(
          createRemoteTransport({
            ...args.remote,
            deadlineAt: started_at + RUN_BUDGET_MS,
            onAttempt: (attempt) => {
              if (attempt.outcome === "ok") return;
              const next = attempt.willRetry ? `retrying in ${attempt.delayMs} ms` : "giving up";
              metrics.emit({ t: "error", source: "fetch", message: `${attempt.key}: attempt ${attempt.attempt} ${attempt.outcome}; ${next}` });
            },
          }),
          archiver,
        );
    const sources = sourcesOver(transport, createValidator(), { paths, census });

    const handlers: OutputHandler[] = [];
    // A newer run may write while this one runs (a replay does not hold the lease): its removals are then withheld.
    const holdRemovals = async () => {
      const since = await ctx.runQuery(internal.snapshot_runs.newerWriter, {
        ...position,
        exclude: [run_id, ...(replayed ? [replayed._id] : [])],
        started_after: started_at,
      });
      return since ? `${describeRun(since)} ${HELD_FOR_NEWER_RUN}; marked none` : null;
    };
    if (writes) {
      if (!entitiesSkipped) {
        const guard = {
          snapshot_at,
          metrics,
          maxUnavailableShare,
          maxRollingShare,
          rollingWindowMs: ROLLING_WINDOW_MS,
          run_id,
          broadRewriteShare: args.broadRewriteShare,
          holdRemovals,
          rebuild: args.rebuild,
          readTables: replayed !== null,
          // The archive keeps what the run received: the writer keeps fingerprints, and reads back what it writes.
          recall: sources.canReread ? sources.recall : undefined,
        };
        handlers.push((convexWriter = new ConvexWriter(ctx, guard)));
      }
      handlers.push(new ConvexIssueWriter(ctx, { run_id, snapshot_at }, metrics));
    }
    if (output !== "convex") {
      // The Convex writer learns the stored state only at the end (from the manifest): a dry run reads the tables.
      const state = await loadConvexState(ctx, new ConvexState());
      const writer = convexWriter;
      const guard = async () => ({
        maxRollingShare,
        // With output "both" the Convex writer, which finishes first, has loaded them already.
        recentlyRemoved: writer ? writer.recentlyRemoved : await loadRecentRemovals(ctx, { since: snapshot_at - ROLLING_WINDOW_MS, until: snapshot_at }),
        windowHours: ROLLING_WINDOW_MS / 3_600_000,
      });
      const storedRow = (entity: "model" | "endpoint", key: string) => ctx.runQuery(internal.changes.storedRow, { entity, key });
      handlers.push((dryRunWriter = new DryRunWriter({ state, maxLines: DRY_RUN_LOG_LINES, metrics, maxUnavailableShare, guard, storedRow })));
    }

    const pipeline = createProcessContext({ config: { run_id, snapshot_at, maxConcurrency }, sources, outputs: handlers, metrics });
    await pipeline.outputs.init();
    counts = await standard(pipeline);
    await pipeline.outputs.finish();
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    metrics.emit({ t: "error", source: "run", message: error });
  } finally {
    // The durable digest makes retention keep real changes only; a failed run's stands in from its raw bodies.
    await archiver?.flush({ durable_digest: error ? null : (convexWriter?.contentDigest ?? null) }).catch((flushError: unknown) => {
      error ??= `archiving: ${flushError instanceof Error ? flushError.message : String(flushError)}`;
    });
  }

  const writer = convexWriter ?? dryRunWriter;
  if (!error && counts) {
    try {
      fields = await recordUpstreamFields(ctx, {
        census,
        run_id,
        snapshot_at,
        write: source === "remote" && writes && !entitiesSkipped,
        protectEndpointPaths: counts.fetch_errors > 0 || (writer?.withheld ?? null) !== null,
      });
    } catch (ledgerError) {
      // The ledger describes the upstream; failing to update it loses no catalogue data.
      metrics.emit({ t: "error", source: "ledger", message: ledgerError instanceof Error ? ledgerError.message : String(ledgerError) });
    }
  }

  const reasons = error
    ? []
    : healthReasons({
        counts: counts!,
        withheld: writer?.withheld ?? null,
        keylessModelIssues: writer?.keylessModelIssues ?? 0,
        limits: {
          maxFailedListShare: args.maxFailedListShare ?? DEFAULT_HEALTH_LIMITS.maxFailedListShare,
          maxInvalidShare: args.maxInvalidShare ?? DEFAULT_HEALTH_LIMITS.maxInvalidShare,
        },
      });
  const health = error ? `failed: ${error}` : healthLine(reasons);
  const ended_at = Date.now();
  const report: SnapshotReport = {
    run_id,
    status: error ? "failed" : "ok",
    ok: health === HEALTHY,
    health,
    snapshot_at,
    source,
    output,
    models: { total: counts?.models ?? 0, ...(writer?.perKind.model ?? ZERO_COUNTS) },
    endpoints: { total: counts?.endpoints ?? 0, ...(writer?.perKind.endpoint ?? ZERO_COUNTS), moved: writer?.moved ?? 0 },
    empty_lists: counts?.empty_variants ?? 0,
    issues: counts?.errors ?? 0,
    validation_issues: counts?.parse_errors ?? 0,
    failed_fetches: counts?.fetch_errors ?? 0,
    mutations: convexWriter?.mutations ?? 0,
    // A dry run: the change rows it would write.
    events: convexWriter?.events ?? dryRunWriter?.events ?? 0,
    archived: archiver?.archived ?? 0,
    duration_ms: ended_at - started_at,
    ...(fields ? { fields } : {}),
    ...(entitiesSkipped ? { entities_skipped: entitiesSkipped } : {}),
    ...(error ? { error } : {}),
  };
  metrics.emit({ t: "pipeline_finished", name: RUN_PIPELINE, ts: ended_at, counts: { ok: report.ok ? 1 : 0, duration_ms: report.duration_ms } });
  metrics.setOutcome({
    status: report.status,
    ok: report.ok,
    health,
    ended_at,
    error,
    health_reasons: reasons,
    ...(convexWriter?.withheldSummary ? { withheld: convexWriter.withheldSummary } : {}),
    report: {
      models: report.models,
      endpoints: report.endpoints,
      issues: report.issues,
      mutations: report.mutations,
      events: report.events,
      archived: report.archived,
      ...(fields ? { fields } : {}),
      ...(entitiesSkipped ? { entities_skipped: entitiesSkipped } : {}),
    },
  });
  try {
    await metrics.flush();
  } catch (flushError) {
    // The one extra patch a run may make: never leave the record `running`.
    await ctx.runMutation(internal.snapshot_runs.complete, {
      run_id,
      status: "failed",
      ok: false,
      health: `failed: recording metrics: ${flushError instanceof Error ? flushError.message : String(flushError)}`,
      ended_at: Date.now(),
    });
    throw flushError;
  }
  if ((convexWriter?.events ?? 0) > 0) {
    // Webhooks post from their own scheduled functions: neither a subscriber nor a failure to schedule them fails the run.
    try {
      await ctx.scheduler.runAfter(0, internal.webhooks.deliverRun, { run_id });
    } catch (scheduleError) {
      console.error(`snapshot ${run_id}: webhook deliveries not scheduled: ${scheduleError instanceof Error ? scheduleError.message : String(scheduleError)}`);
    }
  }
  console.log(
    `snapshot ${run_id} ${report.status} (${health}) in ${report.duration_ms} ms — ` +
      `models ${report.models.total} seen, +${report.models.insert} ~${report.models.update} -${report.models.unavailable}; ` +
      `endpoints ${report.endpoints.total} seen, +${report.endpoints.insert} ~${report.endpoints.update} -${report.endpoints.unavailable}` +
      (report.endpoints.moved ? ` (${report.endpoints.moved} moved)` : "") +
      (entitiesSkipped ? ` (${entitiesSkipped})` : "") +
      (report.empty_lists > 0 ? ` (${report.empty_lists} lists empty or 404: no endpoints now)` : "") +
      "; " +
      `issues ${report.issues}, mutations ${report.mutations}, change events ${report.events}, archived ${report.archived}` +
      describeFields(fields),
  );
  return report;
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

function describeRun(run: { run_id: string; snapshot_at: number; status: string }): string {
  return `run ${run.run_id} (snapshot ${iso(run.snapshot_at)}${run.status === "running" ? ", still running" : ""})`;
}

/** The log line's account of upstream fields: silent unless something appeared or went. */
function describeFields(fields: FieldsReport | undefined): string {
  if (!fields) return "";
  if (fields.baseline) return fields.written ? `; upstream fields: ledger started with ${fields.seen}` : "";
  if (fields.new === 0 && fields.gone === 0) return "";
  const listed = fields.new_fields.join(", ") + (fields.new > fields.new_fields.length ? ", …" : "");
  return `; upstream fields: ${fields.new} new${fields.new > 0 ? ` (${listed})` : ""}, ${fields.gone} gone`;
}

function skippedReport(run: {
  run_id: Id<"snapshot_runs">;
  skipped_for: Id<"snapshot_runs">;
  snapshot_at: number;
  source: "remote" | "archive";
  output: SnapshotOutput;
  started_at: number;
}): SnapshotReport {
  const none = { total: 0, ...ZERO_COUNTS };
  return {
    empty_lists: 0,
    run_id: run.run_id,
    status: "skipped",
    ok: false,
    health: `skipped: run ${run.skipped_for} holds the lease`,
    snapshot_at: run.snapshot_at,
    source: run.source,
    output: run.output,
    models: none,
    endpoints: none,
    issues: 0,
    validation_issues: 0,
    failed_fetches: 0,
    mutations: 0,
    events: 0,
    archived: 0,
    duration_ms: Date.now() - run.started_at,
  };
}

function archiving(transport: Transport, archiver: ConvexArchiver | null): Transport {
  return archiver ? withArchival(transport, archiver) : transport;
}
const ZERO_COUNTS = { insert: 0, update: 0, stable: 0, unavailable: 0 };
