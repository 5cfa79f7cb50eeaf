/**
 * `npm run bench`: why this design exists, measured. v2 (this module) against a v1-style baseline
 * (bench/baseline.ts) on the same embedded Convex runtime (transaction limits on), loopback fake
 * server and data, side by side in one process, medians over repeats.
 *
 *   npm run bench                      # the full table; also written to bench/results.md
 *   npm run bench -- --quick --json    # golden, k = 1, one repeat, maxConcurrency 8, the bill at k = 1, heap probes at k = 1 and 50 (no search)
 *   npm run bench -- --quick --steady  # the same, plus the bill after a day of hourly runs (about 4 minutes more)
 *
 * Figures:
 * - unchanged re-run and 1%-changed run: entity documents written (counted by diffing the tables),
 *   runMutation calls that wrote entities (counted at the action ctx), wall time;
 * - fetch phase with 50 ms of latency per request, against ⌈variants / maxConcurrency⌉ × 50 ms;
 * - normalize phase: CPU ms for transform + consolidate + decide per 1,000 entities;
 * - peak heap of one run's action-side code (bench/heapProbe.ts in a child process), and the
 *   largest k of the 2026-shaped catalogue that completes with heap plus off-heap buffers under 64 MiB;
 * - whether every run completed under Convex's transaction limits;
 * - what Convex bills per run, archival on as the cron runs it, v2 beside the baseline (bench/convexCost.ts:
 *   function calls, documents and bytes read and written, raw and rounded up to 1 KiB a document,
 *   file storage added), per month at one run an hour, on the 2026-shaped catalogue at k = 1, 3, 10
 *   (bench/catalogue2026.ts: an hour in which only telemetry moved, and an hour in which 1% of
 *   entities changed as well) and extrapolated to k = 50 from the growth between 3 and 10; the
 *   golden 2026 hours and May 2025 at k = 1 for reference;
 * - on the 2026-shaped golden recordings (k = 1): an unchanged re-run, an hour in which only
 *   telemetry and spellings changed, and a day of real changes, side by side with the baseline.
 * The writes, wall-time, fetch and normalize figures scale the May 2025 recording (legacy paths);
 * the bill and the heap-cap search scale the 2026-shaped one (v1 paths). Archival is off in the
 * side-by-side runs (v1 did not archive); it is on in the bill and the heap probe.
 * Bench only: never shipped in the module.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import { getFunctionName, type FunctionReference } from "convex/server";
import type { ActionCtx } from "../convex/_generated/server";
import { internal } from "../convex/_generated/api";
import { runSnapshot } from "../convex/lib/runSnapshot";
import { MemoryState } from "../src/outputs/memoryState";
import { createChangeTracker } from "../src/pipeline/changeTracker";
import { consolidateVariants, variantRequests } from "../src/pipeline/consolidateVariants";
import { createProcessContext } from "../src/pipeline/processContext";
import { standard } from "../src/pipeline/standard";
import type { OutputHandler, PipelineResult } from "../src/pipeline/types";
import { createValidator } from "../src/pipeline/validator";
import { sourcesOver } from "../src/sources/catalogueSources";
import { createRemoteTransport } from "../src/sources/remoteTransport";
import { createRecordingTransport } from "../src/sources/transport";
import { startFakeOpenRouter } from "../tests/support/fakeOpenRouter";
import { countRaw, familyOf, GOLDEN_2026_PATHS, loadChangeManifest, loadGolden, loadRecording } from "../tests/support/recording";
import type { UpstreamPaths } from "../src/sources/requestKey";
import { digestEntries, encodeChunk, manifestKey, type ManifestEntry, type ManifestTable } from "../src/manifest/catalogueManifest";
import { runBaseline } from "./baseline";
import { createBenchConvex, type BenchConvex } from "./benchRuntime";
import { CHANGED_SHARE, hours2026 } from "./catalogue2026";
import { nextHourRecording, scaleRecording, type Recording } from "./syntheticCatalogue";
import { metered, RUNS_PER_MONTH, type FunctionCost, type RunCost } from "./convexCost";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, json: { type: "boolean", default: false }, steady: { type: "boolean" } } });
const QUICK = values.quick;
/** Whether to meter the hours after a day of hourly runs: about 4 minutes, mostly convex-test scanning the archive tables as they grow. */
const STEADY = values.steady ?? !QUICK;
const KS = QUICK ? [1] : [1, 3, 10];
/** Scales of the 2026-shaped catalogue the bill is measured at; k = 50 is extrapolated from 3 and 10. */
const BILL_KS = QUICK ? [1] : [1, 3, 10];
const EXTRAPOLATED_K = 50;
const REPEATS = QUICK ? 1 : 5;
const CONCURRENCIES = QUICK ? [8] : [1, 4, 8, 16];
const LATENCY_MS = 50;
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);
const HEAP_CAP_MB = 64;
/**
 * Hourly runs before the steady-state bill is metered: a day, so that whatever a run looks back
 * over is full (the rolling guard's 24-hour window, the run history, the archive's bundles), as on
 * a backend that has run every hour for a while.
 */
const STEADY_WARM_UP_HOURS = 24;
/** The heap-cap search stops doubling here: far past issue 12's target of 50. */
const HEAP_SEARCH_MAX_K = 256;
const ENTITY_MUTATIONS = new Set(["entities:applyBatch", "bench_v1:upsert"]);

const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

type RunFigures = { writes: number; mutations: number; wall_ms: number; ok: boolean; error?: string };

/**
 * Documents in the given tables, by id → JSON, to count what a run wrote. Paged, a transaction a
 * page, so that reading a large catalogue stays within the transaction limits the runtime enforces.
 */
async function readTables(t: BenchConvex, tables: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of tables) {
    let cursor: string | null = null;
    for (;;) {
      const page: { pairs: [string, string][]; isDone: boolean; continueCursor: string } = await t.run(async (ctx) => {
        const result = await ctx.db.query(table as "or_models").paginate({ cursor, numItems: 1000 });
        return { pairs: result.page.map((doc): [string, string] => [doc._id, JSON.stringify(doc)]), isDone: result.isDone, continueCursor: result.continueCursor };
      });
      for (const [id, json] of page.pairs) out.set(id, json);
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
  }
  return out;
}

function written(before: Map<string, string>, after: Map<string, string>): number {
  let count = 0;
  for (const [id, doc] of after) if (before.get(id) !== doc) count++;
  return count;
}

type Pipeline = "v2" | "baseline";
const TABLES: Record<Pipeline, string[]> = { v2: ["or_models", "or_endpoints"], baseline: ["v1_models", "v1_endpoints"] };

/** One run of either pipeline, with its entity mutations counted at the ctx and its writes by diff. */
async function measuredRun(t: BenchConvex, pipeline: Pipeline, snapshot_at: number, baseUrl: string, paths: UpstreamPaths): Promise<RunFigures> {
  const before = await readTables(t, TABLES[pipeline]);
  const started = performance.now();
  const { mutations, ok, error } = await t.action(async (ctx) => {
    let count = 0;
    const counting = {
      ...ctx,
      runMutation: (reference: FunctionReference<"mutation">, args: Record<string, unknown>) => {
        if (ENTITY_MUTATIONS.has(getFunctionName(reference))) count++;
        return ctx.runMutation(reference, args);
      },
    } as unknown as ActionCtx;
    if (pipeline === "v2") {
      const report = await runSnapshot(counting, { snapshot_at, archive: false, paths, remote: { maxBodyBytes: 64 * 1024 * 1024 } });
      return { mutations: count, ok: report.status === "ok", error: report.error };
    }
    await runBaseline(counting as never, { snapshot_at, baseUrl, paths });
    return { mutations: count, ok: true, error: undefined };
  });
  const wall_ms = performance.now() - started;
  return { writes: written(before, await readTables(t, TABLES[pipeline])), mutations, wall_ms, ok, ...(error ? { error } : {}) };
}

type Scenario = { writes: number; mutations: number; wall_ms: number };
type PipelineResult2 = { unchanged: Scenario; change1pct: Scenario; limitsOk: boolean; limitErrors: string[] };

/** Populates a fresh backend, then times `repeats` unchanged re-runs and `repeats` 1%-changed runs. */
async function measurePipeline(pipeline: Pipeline, recording: Recording, changed: Recording, repeats: number): Promise<PipelineResult2> {
  const current = { value: recording };
  const server = await startFakeOpenRouter({ recording: () => current.value });
  process.env.OPENROUTER_BASE_URL = server.url;
  const t = createBenchConvex();
  const paths = familyOf(recording);
  const errors: string[] = [];
  const note = (run: RunFigures, what: string) => {
    if (!run.ok) errors.push(`${what}: ${run.error ?? "failed"}`);
    return run;
  };
  try {
    let hour = 0;
    note(await measuredRun(t, pipeline, T0 + hour++ * HOUR, server.url, paths), "first run");
    const unchanged: RunFigures[] = [];
    for (let i = 0; i < repeats; i++) unchanged.push(note(await measuredRun(t, pipeline, T0 + hour++ * HOUR, server.url, paths), "unchanged re-run"));
    // Alternate between the two recordings: each run changes exactly the same records.
    const withChange: RunFigures[] = [];
    for (let i = 0; i < repeats; i++) {
      current.value = i % 2 === 0 ? changed : recording;
      withChange.push(note(await measuredRun(t, pipeline, T0 + hour++ * HOUR, server.url, paths), "1% changed run"));
    }
    const summarize = (runs: RunFigures[]): Scenario => ({
      writes: median(runs.map((r) => r.writes)),
      mutations: median(runs.map((r) => r.mutations)),
      wall_ms: round(median(runs.map((r) => r.wall_ms)), 0),
    });
    return { unchanged: summarize(unchanged), change1pct: summarize(withChange), limitsOk: errors.length === 0, limitErrors: errors };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      unchanged: { writes: NaN, mutations: NaN, wall_ms: NaN },
      change1pct: { writes: NaN, mutations: NaN, wall_ms: NaN },
      limitsOk: false,
      limitErrors: [message],
    };
  } finally {
    await server.close();
    delete process.env.OPENROUTER_BASE_URL;
  }
}

/** Wall time of the endpoint-fetch phase: from the last model written to the last result. */
async function measureFetchPhase(recording: Recording, maxConcurrency: number, repeats: number) {
  const server = await startFakeOpenRouter({ recording, latencyMs: LATENCY_MS });
  const paths = familyOf(recording);
  const variants = variantRequests(consolidateVariants(await sourcesOver(createRecordingTransport(recording), createValidator(), { paths }).models())).length;
  const walls: number[] = [];
  try {
    for (let i = 0; i < repeats; i++) {
      let phaseStart = 0;
      let phaseEnd = 0;
      const timing: OutputHandler = {
        name: "timing",
        async write(result: PipelineResult) {
          if (result.kind === "model") phaseStart = performance.now();
          else phaseEnd = performance.now();
        },
      };
      const sources = sourcesOver(createRemoteTransport({ baseUrl: server.url, maxBodyBytes: 64 * 1024 * 1024 }), createValidator(), { paths });
      await standard(createProcessContext({ config: { run_id: "bench", snapshot_at: T0, maxConcurrency }, sources, outputs: [timing] }));
      walls.push(phaseEnd - phaseStart);
    }
  } finally {
    await server.close();
  }
  const ideal_ms = Math.ceil(variants / maxConcurrency) * LATENCY_MS;
  return { maxConcurrency, variants, wall_ms: round(median(walls), 0), ideal_ms, ratio: round(median(walls) / ideal_ms, 2) };
}

/** CPU ms for transform + consolidate + decide, per 1,000 entities, against a state that already holds them. */
async function measureNormalize(recording: Recording, repeats: number) {
  const state = new MemoryState();
  const perThousand: number[] = [];
  let entities = 0;
  // Bodies as the transport delivers them: serialising the recording is not part of the phase.
  const bodies = Object.fromEntries(Object.entries(recording).map(([key, body]) => [key, JSON.stringify(body)]));
  for (let i = 0; i <= repeats; i++) {
    const transport = createRecordingTransport(bodies);
    const cpu = process.cpuUsage();
    const sources = sourcesOver(transport, createValidator(), { paths: familyOf(recording) });
    const models = consolidateVariants(await sources.models());
    const tracker = createChangeTracker(state);
    entities = 0;
    for (const model of models) {
      const change = await tracker.track({ kind: "model", value: model });
      if (change && i === 0) state.models.set(change.key, { value: model, content_hash: change.content_hash, unavailable_at: null });
      entities++;
    }
    for (const request of variantRequests(models)) {
      for (const endpoint of await sources.endpoints(request)) {
        const change = await tracker.track({ kind: "endpoint", value: endpoint });
        if (change && i === 0) state.endpoints.set(change.key, { value: endpoint, content_hash: change.content_hash, unavailable_at: null });
        entities++;
      }
    }
    const used = process.cpuUsage(cpu);
    // The first pass fills the state; the timed passes decide against it, as an hourly run does.
    if (i > 0) perThousand.push((used.user + used.system) / 1000 / (entities / 1000));
  }
  return { entities, cpu_ms_per_1000: round(median(perThousand), 1) };
}

/**
 * The probe's bundle, in a directory of this process's own: node_modules may be shared by several
 * checkouts (worktrees link it), and a bench running in another would overwrite a shared bundle
 * with its own code in the middle of this one's heap search.
 */
const PROBE_DIR = mkdtempSync(join(tmpdir(), "openrouter-snapshots-bench-"));
const PROBE = join(PROBE_DIR, "heapProbe.mjs");
process.on("exit", () => rmSync(PROBE_DIR, { recursive: true, force: true }));

async function buildProbe() {
  await build({
    entryPoints: [fileURLToPath(new URL("./heapProbe.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: PROBE,
    logLevel: "error",
  });
}

/**
 * A V8 heap of `capMb` MiB as an embedder limits it (one heap limit, as Convex sets for an action):
 * V8 then sizes the young generation from it, at about 1/256 of the old generation and at least
 * its minimum semi-space, so about a megabyte per semi-space. Node's own default (up to 16 MiB per
 * semi-space) would let up to about 48 MiB of short-lived garbage count as heap in use.
 */
function cappedHeapFlags(capMb: number): string[] {
  return [`--max-old-space-size=${capMb}`, "--max-semi-space-size=1"];
}

/** One probe run in a child process, optionally with the heap capped; `options` are the probe's own (`--manifest=`, `--record-rows=`). */
async function probe(
  recording: Recording,
  capMb: number | null,
  options: string[] = [],
): Promise<{ ok: boolean; peakHeapBytes: number; peakTotalBytes: number; error?: string }> {
  const server = await startFakeOpenRouter({ recording });
  try {
    const args = [...(capMb ? cappedHeapFlags(capMb) : []), PROBE, server.url, familyOf(recording), ...options];
    const output = await new Promise<{ stdout: string; code: number | null; signal: string | null }>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
      let stdout = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.on("close", (code, signal) => resolve({ stdout, code, signal }));
    });
    const line = output.stdout.trim().split("\n").pop();
    if (output.code !== 0 || !line) return { ok: false, peakHeapBytes: 0, peakTotalBytes: 0, error: `child exited ${output.code ?? output.signal} (heap exhausted)` };
    const result = JSON.parse(line);
    // An action's 64 MiB holds the heap and the buffers outside it: over the cap in total is a failure too.
    if (capMb !== null && result.ok && result.peakTotalBytes > capMb * 2 ** 20) {
      return { ...result, ok: false, error: `heap plus off-heap peaked at ${round(result.peakTotalBytes / 2 ** 20, 1)} MiB` };
    }
    return result;
  } finally {
    await server.close();
  }
}

type ProbeResult = Awaited<ReturnType<typeof probe>>;
type HeapCapSearch = { maxK: number; firstFailingK: number | null; probes: { k: number; result: ProbeResult }[]; only?: number[] };

/**
 * The largest k whose run completes under the cap (heap capped, heap plus off-heap at most the
 * cap): double from 1 until a k fails (or `HEAP_SEARCH_MAX_K` completes), then bisect between the
 * last k that completed and the first that failed. About 2·log2(answer) probes.
 */
async function heapCapSearch(recordingAt: (k: number) => Recording, only?: number[]): Promise<HeapCapSearch> {
  const probes: HeapCapSearch["probes"] = [];
  const completes = async (k: number) => {
    const result = await probe(recordingAt(k), HEAP_CAP_MB);
    probes.push({ k, result });
    const total = result.peakTotalBytes ? `, heap + off-heap peak ${round(result.peakTotalBytes / 2 ** 20, 1)} MiB` : "";
    log(`  heap cap ${HEAP_CAP_MB} MiB: k=${k} ${result.ok ? "completes" : "fails"}${total}`);
    return result.ok;
  };
  let good = 0;
  let bad: number | null = null;
  // `--quick`: these k only, no search.
  if (only) {
    for (const k of only) {
      if (await completes(k)) good = Math.max(good, k);
      else bad = Math.min(bad ?? k, k);
    }
    return { maxK: good, firstFailingK: bad, probes, only };
  }
  for (let k = 1; k <= HEAP_SEARCH_MAX_K && bad === null; k *= 2) {
    if (await completes(k)) good = k;
    else bad = k;
  }
  while (bad !== null && bad - good > 1) {
    const k = Math.floor((good + bad) / 2);
    if (await completes(k)) good = k;
    else bad = k;
  }
  probes.sort((a, b) => a.k - b.k);
  return { maxK: good, firstFailingK: bad, probes };
}

/** The k at which the other hours of a cron's life are probed: issue 12's aim. */
const HOURS_K = 50;
type CronHours = { unchanged: ProbeResult; everyChanged: ProbeResult };

/**
 * The same catalogue at one k, in the hours after the first: the rows a first run writes are
 * recorded (uncapped, not reported), and a stored manifest is made of them twice, as it is
 * (an unchanged hour: every bucket agrees, and the state is what the run saw) and with every
 * fingerprint altered (every entity changed: every chunk is read, and every entity read back and
 * written). Each is one capped probe, deciding from that manifest.
 */
async function cronHours(recording: Recording): Promise<CronHours> {
  const dir = mkdtempSync(join(tmpdir(), "heap-probe-manifest-"));
  try {
    const rows = join(dir, "rows.jsonl");
    writeFileSync(rows, "");
    const recorded = await probe(recording, null, [`--record-rows=${rows}`]);
    if (!recorded.ok) throw new Error(`recording the rows of a first run failed: ${recorded.error ?? "not ok"}`);
    await writeStoredManifest(rows, join(dir, "same"), false);
    await writeStoredManifest(rows, join(dir, "changed"), true);
    const unchanged = await probe(recording, HEAP_CAP_MB, [`--manifest=${join(dir, "same")}`]);
    const everyChanged = await probe(recording, HEAP_CAP_MB, [`--manifest=${join(dir, "changed")}`]);
    return { unchanged, everyChanged };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the files `heapProbe --manifest` reads: the manifest of the recorded rows, each hash altered when `alter`. */
async function writeStoredManifest(rowsFile: string, dir: string, alter: boolean): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tables: Record<ManifestTable, Map<string, ManifestEntry>> = { or_models: new Map(), or_endpoints: new Map() };
  for (const line of readFileSync(rowsFile, "utf8").split("\n")) {
    if (!line) continue;
    const { table, parts, hash, available } = JSON.parse(line) as { table: ManifestTable; parts: string[]; hash: string; available: boolean };
    const key = manifestKey(table, parts);
    // Altered: the last hex digit changed, so no fingerprint the run takes equals it.
    tables[table].set(key, { key, parts, hash: alter ? hash.slice(0, 63) + (hash[63] === "0" ? "1" : "0") : hash, available, listed: true });
  }
  const roots: Record<string, { digest: string; segments: string; entries: number }> = {};
  for (const table of ["or_models", "or_endpoints"] as const) {
    const digests = await digestEntries(tables[table].values());
    roots[table] = { digest: digests.root, segments: Buffer.from(digests.segments).toString("hex"), entries: tables[table].size };
    writeFileSync(join(dir, `${table}.buckets`), digests.buckets);
    for (const [bucket, entries] of digests.byBucket) writeFileSync(join(dir, `${table}.${bucket}.chunk`), encodeChunk(entries));
  }
  writeFileSync(join(dir, "roots.json"), JSON.stringify(roots));
}

/** The README-style table of the hours after the first. */
function hoursTable(hours: CronHours): string[] {
  return [
    "",
    `The search runs each k into empty tables (a first run: every entity inserted). The hours after it, at k = ${HOURS_K}, under the same cap: the rows a first run writes are recorded, and the probe decides from a stored manifest made of them (\`bench/heapProbe.ts --manifest\`), as it is, and with every fingerprint altered.`,
    "",
    `| hour, k = ${HOURS_K} | what the run does | completes | peak heap (MiB) | peak heap + off-heap (MiB) |`,
    "| --- | --- | --- | --- | --- |",
    ...(
      [
        ["unchanged", "every bucket agrees: the stored state is what it saw; nothing is read back or written", hours.unchanged],
        ["every entity changed", "every chunk is read; every entity is read back from the archive and written", hours.everyChanged],
      ] as const
    ).map(
      ([hour, what, result]) =>
        `| ${hour} | ${what} | ${result.ok ? "yes" : `no${result.error ? `: ${result.error}` : ""}`} | ${round(result.peakHeapBytes / 2 ** 20, 1)} | ${round(result.peakTotalBytes / 2 ** 20, 1)} |`,
    ),
  ];
}

type Run2026 = { unchanged: Scenario; telemetryOnly: Scenario; nextDay: Scenario; limitsOk: boolean; limitErrors: string[] };

/** One run of either pipeline, metered as Convex bills it; v2 with archival on, as the cron runs it. */
async function billedRun(t: BenchConvex, pipeline: Pipeline, snapshot_at: number, baseUrl: string, paths: UpstreamPaths): Promise<RunCost> {
  const { cost } = await t.action(async (ctx) =>
    metered(ctx as unknown as ActionCtx, async (meteredCtx) => {
      if (pipeline === "v2") {
        const report = await runSnapshot(meteredCtx, { snapshot_at, paths, remote: { maxBodyBytes: 64 * 1024 * 1024 } });
        if (report.status !== "ok") throw new Error(`v2 run ${report.status}: ${report.error ?? report.health}`);
      } else {
        await runBaseline(meteredCtx as never, { snapshot_at, baseUrl, paths });
      }
    }),
  );
  return cost;
}

/**
 * One metered hour, with the entity documents it wrote and the change rows (`or_changes`) it added
 * with their bytes (counted by diffing the tables, outside the meter).
 */
type BilledHour = RunCost & { entityWrites: number; changeRows: number; changeBytes: number };
type Bill = { unchanged: BilledHour; changed: BilledHour; label: string };
type BillRow = {
  data: "2026-shaped" | "2026-shaped, after a day" | "2026 golden" | "May 2025";
  k: number;
  /** What the unchanged and the changed hour are, for the tables. */
  hours: [string, string];
  /** Entities changed in the changed hour, and entities in the catalogue. */
  changed: number;
  entities: number;
  v2: Bill;
  baseline: Bill;
};

/**
 * A fresh backend takes the catalogue once, then one run of `unchangedNext` (the same bodies, or
 * an hour whose bodies differ only in telemetry) and one of `changedNext`, each metered. With
 * `warmUp`, its hours run (unmetered) in between, one an hour, so the metered two find the
 * history an hourly cron leaves behind.
 */
async function measureBill(
  pipeline: Pipeline,
  recording: Recording,
  unchangedNext: Recording,
  changedNext: Recording,
  label: string,
  warmUp: { hours: number; recordingAt: (hour: number) => Recording } = { hours: 0, recordingAt: () => recording },
): Promise<Bill> {
  const current = { value: recording };
  const server = await startFakeOpenRouter({ recording: () => current.value });
  process.env.OPENROUTER_BASE_URL = server.url;
  const t = createBenchConvex();
  const paths = familyOf(recording);
  const hour = async (snapshot_at: number): Promise<BilledHour> => {
    const before = await readTables(t, TABLES[pipeline]);
    const changesBefore = pipeline === "v2" ? await readTables(t, ["or_changes"]) : new Map<string, string>();
    const cost = await billedRun(t, pipeline, snapshot_at, server.url, paths);
    const added = pipeline === "v2" ? [...(await readTables(t, ["or_changes"])).entries()].filter(([id]) => !changesBefore.has(id)) : [];
    return {
      ...cost,
      entityWrites: written(before, await readTables(t, TABLES[pipeline])),
      changeRows: added.length,
      // The UTF-8 size of each row's JSON: close to the size Convex stores.
      changeBytes: added.reduce((sum, [, doc]) => sum + new TextEncoder().encode(doc).byteLength, 0),
    };
  };
  try {
    await billedRun(t, pipeline, T0, server.url, paths);
    for (let warm = 1; warm <= warmUp.hours; warm++) {
      current.value = warmUp.recordingAt(warm);
      await billedRun(t, pipeline, T0 + warm * HOUR, server.url, paths);
    }
    current.value = unchangedNext;
    const unchanged = await hour(T0 + (warmUp.hours + 1) * HOUR);
    current.value = changedNext;
    const changed = await hour(T0 + (warmUp.hours + 2) * HOUR);
    return { unchanged, changed, label };
  } finally {
    await server.close();
    delete process.env.OPENROUTER_BASE_URL;
  }
}

type BackfillFigures = {
  k: number;
  liveRows: number;
  rebuiltRows: number;
  /** Whether every rebuilt row equals the live one (but for its id, creation time and `backfilled`). */
  same: boolean;
  status: string;
  steps: number;
  wall_ms: number;
  cost: RunCost;
};

/**
 * A backfill at 2026-shaped ×k: three hourly runs with archival on (the base, an hour in which only
 * telemetry moved, an hour in which 1% of entities changed), then their change rows and the history
 * state deleted, and `history/backfill:start` walked to its end under the embedded runtime's
 * transaction limits, metered: documents read and written, and the largest transaction.
 */
async function measureBackfill(k: number): Promise<BackfillFigures> {
  const hours = hours2026(base2026, k);
  const current = { value: hours.base };
  const server = await startFakeOpenRouter({ recording: () => current.value });
  process.env.OPENROUTER_BASE_URL = server.url;
  const t = createBenchConvex();
  const paths = familyOf(hours.base);
  const comparable = (doc: string) => {
    const { _id, _creationTime, backfilled, ...row } = JSON.parse(doc);
    return JSON.stringify(row);
  };
  try {
    for (const [index, recording] of [hours.base, hours.unchangedHour, hours.changedHour].entries()) {
      current.value = recording;
      const report = await t.action(async (ctx) =>
        runSnapshot(ctx as unknown as ActionCtx, { snapshot_at: T0 + index * HOUR, paths, remote: { maxBodyBytes: 64 * 1024 * 1024 } }),
      );
      if (report.status !== "ok") throw new Error(`backfill bench: run ${index} ${report.status}: ${report.error ?? report.health}`);
    }
    const live = [...(await readTables(t, ["or_changes"])).values()].map(comparable).sort();
    for (const table of ["or_changes", "history_state"] as const) {
      for (;;) {
        const deleted = await t.run(async (ctx) => {
          const docs = await ctx.db.query(table).take(2000);
          for (const doc of docs) await ctx.db.delete(doc._id);
          return docs.length;
        });
        if (deleted === 0) break;
      }
    }
    const started = performance.now();
    const { result: walk, cost } = await metered({} as ActionCtx, async () => {
      const backfill_id = await t.mutation(internal.history.backfill.start, {});
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const status = await t.query(internal.history.backfill.status, { backfill_id });
        if (status && status.status !== "running") return status;
      }
    });
    const wall_ms = Math.round(performance.now() - started);
    const rebuilt = [...(await readTables(t, ["or_changes"])).values()].map(comparable).sort();
    return {
      k,
      liveRows: live.length,
      rebuiltRows: rebuilt.length,
      same: rebuilt.length === live.length && rebuilt.every((row, index) => row === live[index]),
      status: walk.status,
      steps: walk.steps ?? 0,
      wall_ms,
      cost,
    };
  } finally {
    await server.close();
    delete process.env.OPENROUTER_BASE_URL;
  }
}

/**
 * The 2026-shaped golden recordings on a fresh backend: the base, then `repeats` unchanged
 * re-runs, `repeats` runs alternating between the next-hour recording (telemetry and spellings
 * changed only) and the base, then the next-day recording (real changes).
 */
async function measure2026(pipeline: Pipeline, repeats: number): Promise<Run2026> {
  const base = loadRecording(GOLDEN_2026_PATHS.base);
  const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
  const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
  const current = { value: base };
  const server = await startFakeOpenRouter({ recording: () => current.value });
  process.env.OPENROUTER_BASE_URL = server.url;
  const t = createBenchConvex();
  const errors: string[] = [];
  const summarize = (runs: RunFigures[]): Scenario => ({
    writes: median(runs.map((r) => r.writes)),
    mutations: median(runs.map((r) => r.mutations)),
    wall_ms: round(median(runs.map((r) => r.wall_ms)), 0),
  });
  try {
    let hour = 0;
    const measured = async (what: string) => {
      const run = await measuredRun(t, pipeline, T0 + hour++ * HOUR, server.url, "v1");
      if (!run.ok) errors.push(`${what}: ${run.error ?? "failed"}`);
      return run;
    };
    await measured("first run");
    const unchanged: RunFigures[] = [];
    for (let i = 0; i < repeats; i++) unchanged.push(await measured("unchanged re-run"));
    const telemetry: RunFigures[] = [];
    for (let i = 0; i < repeats; i++) {
      current.value = i % 2 === 0 ? nextHour : base;
      telemetry.push(await measured("telemetry-only hour"));
    }
    current.value = base;
    await measured("back to the base");
    current.value = nextDay;
    const day = await measured("next day");
    return { unchanged: summarize(unchanged), telemetryOnly: summarize(telemetry), nextDay: summarize([day]), limitsOk: errors.length === 0, limitErrors: errors };
  } finally {
    await server.close();
    delete process.env.OPENROUTER_BASE_URL;
  }
}

// ---------------------------------------------------------------------------------------------

const started = performance.now();
const golden = loadGolden();
const console_log = console.log;
const console_warn = console.warn;
console.log = () => undefined; // the runs' own Convex log lines
console.warn = () => undefined;
await buildProbe();

const rows: {
  k: number;
  repeats: number;
  changed: number;
  v2: PipelineResult2;
  baseline: PipelineResult2;
  normalize: { entities: number; cpu_ms_per_1000: number };
  peakHeapMb: number;
  /** Peak under the 64 MiB cap, where V8 collects as a capped action must; null when it does not complete. */
  cappedPeakHeapMb: number | null;
}[] = [];
for (const k of KS) {
  const recording = k === 1 ? golden : scaleRecording(golden, k);
  const next = nextHourRecording(recording, 0.01, 7);
  const repeats = REPEATS;
  log(`k=${k}: ${next.total} records, ${next.changed} changed in the 1% run, ${repeats} repeat(s)`);
  const v2 = await measurePipeline("v2", recording, next.recording, repeats);
  log(`  v2 done`);
  const baseline = await measurePipeline("baseline", recording, next.recording, repeats);
  log(`  baseline done`);
  const normalize = await measureNormalize(recording, QUICK ? 1 : 3);
  const heap = await probe(recording, null);
  const capped = await probe(recording, HEAP_CAP_MB);
  rows.push({
    k,
    repeats,
    changed: next.changed,
    v2,
    baseline,
    normalize,
    peakHeapMb: round(heap.peakHeapBytes / 2 ** 20, 1),
    cappedPeakHeapMb: capped.ok ? round(capped.peakHeapBytes / 2 ** 20, 1) : null,
  });
}
log("2026-shaped catalogue");
const v2026 = { v2: await measure2026("v2", REPEATS), baseline: await measure2026("baseline", REPEATS) };
const manifest = loadChangeManifest();
const dayChanges = (["models", "endpoints"] as const).reduce(
  (sum, kind) => sum + manifest[kind].insert.length + manifest[kind].update.length + manifest[kind].unavailable.length,
  0,
);
log("Convex bill");
const base2026 = loadRecording(GOLDEN_2026_PATHS.base);
const bills: BillRow[] = [];
for (const k of BILL_KS) {
  const hours = hours2026(base2026, k);
  const { total, entities } = hours.changed;
  const label = `2026-shaped ×${k}: unchanged = telemetry moved only; changed = telemetry moved and 1% of entities changed (${total} of ${entities})`;
  bills.push({
    data: "2026-shaped",
    k,
    hours: ["unchanged (telemetry moved)", `1% changed (${total} of ${entities} entities)`],
    changed: total,
    entities,
    v2: await measureBill("v2", hours.base, hours.unchangedHour, hours.changedHour, label),
    baseline: await measureBill("baseline", hours.base, hours.unchangedHour, hours.changedHour, label),
  });
  log(`  bill 2026-shaped k=${k} done`);
}
if (STEADY) {
  // The same hours at k = 1 on a backend that has already run every hour for a day. The baseline
  // keeps no history (each run reads its key map and upserts every row), so its fresh k = 1
  // figures stand for it; running it 24 more times would only repeat them.
  const hours = hours2026(base2026, 1, { warmUpHours: STEADY_WARM_UP_HOURS });
  const { total, entities } = hours.changed;
  const label = `2026-shaped ×1 after ${STEADY_WARM_UP_HOURS} hourly runs: unchanged = telemetry moved only; changed = telemetry moved and 1% of entities changed (${total} of ${entities})`;
  bills.push({
    data: "2026-shaped, after a day",
    k: 1,
    hours: [`unchanged, after ${STEADY_WARM_UP_HOURS} hourly runs`, `1% changed (${total} of ${entities} entities), after ${STEADY_WARM_UP_HOURS + 1}`],
    changed: total,
    entities,
    v2: await measureBill("v2", hours.base, hours.unchangedHour, hours.changedHour, label, { hours: hours.warmUpHours, recordingAt: hours.warmUpHour }),
    baseline: bills.find((bill) => bill.data === "2026-shaped" && bill.k === 1)!.baseline,
  });
  log(`  bill 2026-shaped k=1 after a day done`);
}
{
  // For reference, at k = 1 only (cheap): the golden 2026 hours, whose next hour also re-spells and
  // reorders, and whose next day is a day of real changes; and the May 2025 recording, identical bodies.
  const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
  const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
  const raw = countRaw(base2026);
  const label = "2026 golden, k = 1: unchanged = next hour (telemetry, spellings, order); changed = next day";
  bills.push({
    data: "2026 golden",
    k: 1,
    hours: ["next hour (telemetry, spellings, order)", `next day (${dayChanges} real changes)`],
    changed: dayChanges,
    entities: raw.models + raw.endpoints,
    v2: await measureBill("v2", base2026, nextHour, nextDay, label),
    baseline: await measureBill("baseline", base2026, nextHour, nextDay, label),
  });
  const next = nextHourRecording(golden, 0.01, 7);
  const may = "May 2025 ×1: unchanged = identical bodies; changed = 1% of entities";
  bills.push({
    data: "May 2025",
    k: 1,
    hours: ["unchanged (identical bodies)", `1% changed (${next.changed} of ${next.total} entities)`],
    changed: next.changed,
    entities: next.total,
    v2: await measureBill("v2", golden, golden, next.recording, may),
    baseline: await measureBill("baseline", golden, golden, next.recording, may),
  });
  log("  bill references done");
}
log("history backfill");
const backfills: BackfillFigures[] = [];
for (const k of QUICK ? [1] : [1, 10]) {
  backfills.push(await measureBackfill(k));
  log(`  backfill k=${k}: ${backfills.at(-1)!.status}, ${backfills.at(-1)!.rebuiltRows} of ${backfills.at(-1)!.liveRows} rows`);
}
log("fetch phase");
const fetchRows: Awaited<ReturnType<typeof measureFetchPhase>>[] = [];
for (const maxConcurrency of CONCURRENCIES) fetchRows.push(await measureFetchPhase(golden, maxConcurrency, QUICK ? 1 : 3));
log("heap cap search (2026-shaped)");
const cap = await heapCapSearch((k) => scaleRecording(base2026, k), QUICK ? [1, HOURS_K] : undefined);
/** The hours after the first (not with `--quick`). */
let hours: CronHours | null = null;
if (!QUICK) {
  log(`heap cap: the hours after the first, k = ${HOURS_K}`);
  hours = await cronHours(scaleRecording(base2026, HOURS_K));
  for (const [hour, result] of Object.entries(hours))
    log(`  ${hour}: ${result.ok ? "completes" : "fails"}, heap + off-heap peak ${round(result.peakTotalBytes / 2 ** 20, 1)} MiB`);
}
/** One capped run of the 2026-shaped base: the search's k = 1. */
const heap2026 = cap.probes.find((entry) => entry.k === 1)!.result;
console.log = console_log;
console.warn = console_warn;
const elapsedS = round((performance.now() - started) / 1000, 0);

if (values.json) {
  const k1 = rows[0];
  const f8 = fetchRows.find((f) => f.maxConcurrency === 8)!;
  console.log(
    JSON.stringify({
      unchanged: { v2: pick(k1.v2.unchanged), baseline: pick(k1.baseline.unchanged) },
      upstream2026: {
        unchanged: { v2: pick(v2026.v2.unchanged), baseline: pick(v2026.baseline.unchanged) },
        telemetryOnly: { v2: pick(v2026.v2.telemetryOnly), baseline: pick(v2026.baseline.telemetryOnly) },
        nextDay: { changes: dayChanges, v2: pick(v2026.v2.nextDay), baseline: pick(v2026.baseline.nextDay) },
        errors: [...v2026.v2.limitErrors, ...v2026.baseline.limitErrors],
      },
      change1pct: { changed: k1.changed, v2: pick(k1.v2.change1pct), baseline: pick(k1.baseline.change1pct) },
      fetch: { maxConcurrency: 8, wall_ms: f8.wall_ms, ideal_ms: f8.ideal_ms },
      bill: bills.map((bill) => ({
        data: bill.data,
        label: bill.v2.label,
        k: bill.k,
        changed: bill.changed,
        entities: bill.entities,
        v2: billFigures(bill.v2),
        baseline: billFigures(bill.baseline),
        ...(bill.data === "2026-shaped, after a day" ? { baselineFrom: "2026-shaped, k = 1 (it keeps no history)" } : {}),
      })),
      heapCap2026: {
        maxK: cap.maxK,
        firstFailingK: cap.firstFailingK,
        probes: cap.probes.map(({ k, result }) => ({
          k,
          ok: result.ok,
          peakHeapMiB: round(result.peakHeapBytes / 2 ** 20, 1),
          peakTotalMiB: round(result.peakTotalBytes / 2 ** 20, 1),
        })),
        ...(cap.only ? { only: cap.only } : {}),
        ...(hours
          ? {
              hours: {
                k: HOURS_K,
                ...Object.fromEntries(
                  Object.entries(hours).map(([hour, result]) => [
                    hour,
                    { ok: result.ok, peakHeapMiB: round(result.peakHeapBytes / 2 ** 20, 1), peakTotalMiB: round(result.peakTotalBytes / 2 ** 20, 1) },
                  ]),
                ),
              },
            }
          : {}),
      },
      backfill: backfills.map(({ cost, ...figures }) => ({
        ...figures,
        docsRead: cost.docsRead,
        docsWritten: cost.docsWritten,
        largestTransaction: cost.largestTransaction,
      })),
      elapsedS,
    }),
  );
} else {
  const table = renderTable();
  console.log(table);
  if (!QUICK) {
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${round(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
    writeFileSync(
      fileURLToPath(new URL("./results.md", import.meta.url)),
      `# Benchmark results\n\nProduced by \`npm run bench\` in ${elapsedS} s on: ${machine}.\n\n${table}\n`,
    );
  }
}

function billFigures(bill: Bill) {
  const figures = (cost: BilledHour) => ({
    calls: cost.calls,
    docsRead: cost.docsRead,
    docsWritten: cost.docsWritten,
    kib: cost.kibRead + cost.kibWritten,
    kibPerMonth: (cost.kibRead + cost.kibWritten) * RUNS_PER_MONTH,
    bytes: cost.bytesRead + cost.bytesWritten,
    fileBytesAdded: cost.fileBytesAdded,
    entityWrites: cost.entityWrites,
    changeRows: cost.changeRows,
    changeBytes: cost.changeBytes,
  });
  return { unchanged: figures(bill.unchanged), changed: figures(bill.changed) };
}

function pick(s: Scenario) {
  return { writes: s.writes, mutations: s.mutations };
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return "–";
  if (b === 0) return a === 0 ? "–" : "∞";
  return `${round(a / b, 3)}`;
}

function renderTable(): string {
  const out: string[] = [];
  out.push("## Writes, mutations and wall time (median of repeats)", "");
  out.push(
    "| k | scenario | ideal writes / entity mutations | v2 writes | baseline writes | ratio | v2 entity mutations | baseline entity mutations | ratio | v2 ms | baseline ms | ratio |",
  );
  out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const row of rows) {
    for (const [name, key, ideal] of [
      ["unchanged re-run", "unchanged", "0 / 0"],
      [`1% changed (${row.changed} records)`, "change1pct", `${row.changed} / ${Math.ceil(row.changed / 100)}`],
    ] as const) {
      const v2 = row.v2[key];
      const base = row.baseline[key];
      out.push(
        `| ${row.k} | ${name} | ${ideal} | ${v2.writes} | ${base.writes} | ${ratio(v2.writes, base.writes)} | ${v2.mutations} | ${base.mutations} | ${ratio(v2.mutations, base.mutations)} | ${v2.wall_ms} | ${base.wall_ms} | ${ratio(v2.wall_ms, base.wall_ms)} |`,
      );
    }
  }
  out.push(
    "",
    "Entity mutations are the `runMutation` calls that wrote `or_models`/`or_endpoints` (v2) or `v1_models`/`v1_endpoints` (baseline). A v2 run also makes its bookkeeping calls: the run record's start and finish, the manifest's roots, the drift ledger's state and, with archival on, one bundle record.",
    "",
    `Median of ${REPEATS} repeat${REPEATS > 1 ? "s" : ""}.`,
    "",
  );
  out.push("## 2026-shaped catalogue (tests/golden, k = 1, v1 paths)", "");
  out.push(
    "| scenario | ideal writes / entity mutations | v2 writes | baseline writes | v2 entity mutations | baseline entity mutations | v2 ms | baseline ms | ratio |",
  );
  out.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const [name, key, ideal] of [
    ["unchanged re-run", "unchanged", "0 / 0"],
    ["telemetry and spellings changed only (next hour)", "telemetryOnly", "0 / 0"],
    [`a day of real changes (${dayChanges} rows in its change list)`, "nextDay", `${dayChanges} / ${Math.ceil(dayChanges / 100)}`],
  ] as const) {
    const v2 = v2026.v2[key];
    const base = v2026.baseline[key];
    out.push(
      `| ${name} | ${ideal} | ${v2.writes} | ${base.writes} | ${v2.mutations} | ${base.mutations} | ${v2.wall_ms} | ${base.wall_ms} | ${ratio(v2.wall_ms, base.wall_ms)} |`,
    );
  }
  const limits2026 = (p: Run2026) => (p.limitsOk ? "yes" : `no: ${p.limitErrors.join("; ").slice(0, 200)}`);
  out.push(
    "",
    `Within transaction limits: v2 ${limits2026(v2026.v2)}, baseline ${limits2026(v2026.baseline)}. Peak heap of one run of the base, capped at ${HEAP_CAP_MB} MiB: ${heap2026.ok ? `${round(heap2026.peakHeapBytes / 2 ** 20, 1)} MiB` : "does not complete"}. The next-day writes count rows written, read by diffing the tables; its change list counts rows changed.`,
    "",
  );
  out.push(...renderBill(), "");
  out.push("## Fetch phase (golden recording, 50 ms latency per request)", "");
  out.push("| maxConcurrency | variants | wall ms | ideal ⌈variants / maxConcurrency⌉ × 50 ms | wall / ideal |", "| --- | --- | --- | --- | --- |");
  for (const f of fetchRows) out.push(`| ${f.maxConcurrency} | ${f.variants} | ${f.wall_ms} | ${f.ideal_ms} | ${f.ratio} |`);
  out.push("", "The baseline fetches one list at a time: its fetch phase is the maxConcurrency 1 row.", "");
  out.push("## Normalize, memory and Convex limits (May 2025 scaled)", "");
  out.push(
    `| k | entities | normalize CPU ms / 1,000 entities | peak heap of one run, capped at ${HEAP_CAP_MB} MiB (MiB; "does not complete" also when heap plus off-heap passes it) | peak heap uncapped (MiB) | v2 within transaction limits | baseline within transaction limits |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const row of rows) {
    const limits = (p: PipelineResult2) => (p.limitsOk ? "yes" : `no: ${p.limitErrors.join("; ").slice(0, 200)}`);
    const capped = row.cappedPeakHeapMb === null ? "does not complete" : `${row.cappedPeakHeapMb}`;
    out.push(`| ${row.k} | ${row.normalize.entities} | ${row.normalize.cpu_ms_per_1000} | ${capped} | ${row.peakHeapMb} | ${limits(row.v2)} | ${limits(row.baseline)} |`);
  }
  out.push("", "Uncapped, V8 collects lazily and the peak says more about its heuristics than about need; the capped column is what a 64 MiB action sees.");
  out.push(
    "",
    `### Largest k under ${HEAP_CAP_MB} MiB, 2026-shaped catalogue`,
    "",
    `The 2026-shaped base scaled by k (bench/syntheticCatalogue.ts), one run of the action-side code in a child process with the V8 heap capped at ${HEAP_CAP_MB} MiB (node ${cappedHeapFlags(HEAP_CAP_MB).join(" ")}: the young generation sized as V8 sizes it for a heap this small); a run counts as completing only if heap plus off-heap buffers (\`external\`, which includes \`arrayBuffers\`) also stayed at most ${HEAP_CAP_MB} MiB. k doubles from 1 until a run fails (up to ${HEAP_SEARCH_MAX_K}), then the gap is bisected.`,
    "",
    "| k | completes | peak heap (MiB) | peak heap + off-heap (MiB) |",
    "| --- | --- | --- | --- |",
    ...cap.probes.map(
      ({ k, result }) =>
        `| ${k} | ${result.ok ? "yes" : `no${result.error ? `: ${result.error}` : ""}`} | ${round(result.peakHeapBytes / 2 ** 20, 1)} | ${round(result.peakTotalBytes / 2 ** 20, 1)} |`,
    ),
    "",
    cap.only
      ? `\`--quick\`: only k = ${cap.only.join(" and ")} were probed, no search.`
      : `Largest k that completes: **${cap.maxK}**${cap.firstFailingK ? ` (k = ${cap.firstFailingK} does not)` : ` (the search stopped at ${HEAP_SEARCH_MAX_K})`}. Issue 12 asks for at least 50.`,
    ...(hours ? hoursTable(hours) : []),
    ...backfillTable(),
  );
  return out.join("\n");
}

function backfillTable(): string[] {
  const limits = "32,000 documents and 16 MiB read, 16,000 documents and 16 MiB written";
  return [
    "",
    "### History backfill, 2026-shaped catalogue",
    "",
    "Three hourly runs with archival on (the base, an hour in which only telemetry moved, an hour in which 1% of entities changed); then their change rows and the history state deleted and `history/backfill:start` walked to its end in the embedded runtime, which enforces Convex's per-transaction limits (" +
      limits +
      "). The largest transaction is measured by the meter (bench/convexCost.ts).",
    "",
    "| k | live change rows | rebuilt | equal to live | walk | actions | documents read / written | largest transaction: documents read / written | bytes read / written | wall |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...backfills.map(
      (b) =>
        `| ${b.k} | ${b.liveRows} | ${b.rebuiltRows} | ${b.same ? "yes" : "**no**"} | ${b.status} | ${b.steps} | ${b.cost.docsRead} / ${b.cost.docsWritten} | ${b.cost.largestTransaction.docsRead} / ${b.cost.largestTransaction.docsWritten} | ${size(b.cost.largestTransaction.bytesRead / 1024)} / ${size(b.cost.largestTransaction.bytesWritten / 1024)} | ${round(b.wall_ms / 1000, 1)} s |`,
    ),
  ];
}

/** KiB as MiB or GiB, whichever reads better. */
function size(kib: number): string {
  return kib >= 1024 * 1024 ? `${round(kib / 1024 / 1024, 2)} GiB` : kib >= 1024 ? `${round(kib / 1024, 1)} MiB` : `${round(kib, 1)} KiB`;
}

/** Linear extrapolation to `EXTRAPOLATED_K` from the growth between k = 3 and k = 10. */
function extrapolate(at3: number, at10: number): number {
  return at10 + ((at10 - at3) / 7) * (EXTRAPOLATED_K - 10);
}

/** Bandwidth as billed: KiB read plus KiB written, each document rounded up to 1 KiB; 0 for a function that made no call. */
function kibOf(cost: FunctionCost | undefined): number {
  return cost ? cost.kibRead + cost.kibWritten : 0;
}

function renderBill(): string[] {
  const out = ["## What Convex bills (archival on, as the cron runs it)", ""];
  const scaled = bills.filter((bill) => bill.data === "2026-shaped");
  const steady = bills.find((bill) => bill.data === "2026-shaped, after a day");
  const headline = [...scaled, ...(steady ? [steady] : [])];
  const kLabel = (bill: BillRow) => (bill === steady ? `${bill.k}, after a day` : `${bill.k}`);
  out.push(
    "The 2026-shaped catalogue (tests/golden/recording-2026-base.json: v1 paths, the full rate card) scaled by k (bench/catalogue2026.ts), on a fresh backend: one run takes the catalogue, then two hours are metered. In both, the telemetry inside every endpoint record has moved, as it does upstream every hour; in the second, 1% of entities (models and endpoints) also changed for real (a description, a completion price).",
    ...(steady
      ? [
          "",
          `A fresh backend has seen one run. An hourly cron's backend has seen many, and whatever a run looks back over (the run history, the rolling guard's 24-hour window, the archive's bundles) fills up: the "after a day" rows meter the same two hours at k = 1 after ${STEADY_WARM_UP_HOURS} hourly runs of telemetry-only hours. The baseline keeps no history; its fresh figures stand there.`,
        ]
      : []),
    "",
    "### Per month at one run an hour, 2026-shaped catalogue",
    "",
    "| k | hour | entity documents written, v2 / baseline | function calls, v2 / baseline | v2 bandwidth a run | baseline bandwidth a run | v2 per month | baseline per month | v2 / baseline |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const bill of headline) {
    for (const [index, key] of (["unchanged", "changed"] as const).entries()) {
      const v2 = bill.v2[key];
      const base = bill.baseline[key];
      out.push(
        `| ${kLabel(bill)} | ${bill.hours[index]} | ${v2.entityWrites} / ${base.entityWrites} | ${v2.calls} / ${base.calls} | ${size(kibOf(v2))} | ${size(kibOf(base))} | ${size(kibOf(v2) * RUNS_PER_MONTH)} | ${size(kibOf(base) * RUNS_PER_MONTH)} | ${ratio(kibOf(v2), kibOf(base))} |`,
      );
    }
  }
  const at3 = scaled.find((bill) => bill.k === 3);
  const at10 = scaled.find((bill) => bill.k === 10);
  if (at3 && at10) {
    for (const key of ["unchanged", "changed"] as const) {
      const v2 = extrapolate(kibOf(at3.v2[key]), kibOf(at10.v2[key]));
      const base = extrapolate(kibOf(at3.baseline[key]), kibOf(at10.baseline[key]));
      const calls = (pipeline: "v2" | "baseline") => Math.round(extrapolate(at3[pipeline][key].calls, at10[pipeline][key].calls));
      const hour = key === "unchanged" ? "unchanged (telemetry moved)" : `1% changed (${Math.round(((CHANGED_SHARE * at10.entities) / 10) * EXTRAPOLATED_K)} entities)`;
      out.push(
        `| *${EXTRAPOLATED_K}, extrapolated* | *${hour}* | – | *${calls("v2")} / ${calls("baseline")}* | *${size(Math.round(v2))}* | *${size(Math.round(base))}* | *${size(Math.round(v2 * RUNS_PER_MONTH))}* | *${size(Math.round(base * RUNS_PER_MONTH))}* | *${ratio(v2, base)}* |`,
      );
    }
    out.push(
      "",
      `The k = ${EXTRAPOLATED_K} rows are **extrapolated, not measured**: linearly from the growth between k = 3 and k = 10 on a fresh backend. convex-test scans a whole table for every index query, so running k = ${EXTRAPOLATED_K} there would mostly measure convex-test. Where the "after a day" rows cost more than the fresh k = 1 rows, a steady-state k = ${EXTRAPOLATED_K} costs more than this too.`,
    );
  } else {
    out.push("", `k = ${EXTRAPOLATED_K} is extrapolated from k = 3 and k = 10, which a full run (without --quick) measures.`);
  }
  if (!steady) {
    out.push("", "The hours after a day of hourly runs are metered in a full run, or with --steady.");
  }

  out.push("", "### What 1% changed costs beyond the unchanged hour (v2)", "");
  out.push(
    "| k | entities changed | entity documents written | extra function calls | extra documents read / written | extra bandwidth | extra bandwidth per changed entity |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const bill of headline) {
    const { unchanged, changed } = bill.v2;
    const extra = kibOf(changed) - kibOf(unchanged);
    out.push(
      `| ${kLabel(bill)} | ${bill.changed} | ${changed.entityWrites} | ${changed.calls - unchanged.calls} | ${changed.docsRead - unchanged.docsRead} / ${changed.docsWritten - unchanged.docsWritten} | ${size(extra)} | ${bill.changed > 0 ? `${round(extra / bill.changed, 1)} KiB` : "–"} |`,
    );
  }

  out.push("", "### History: change rows at 1% of entities changing every hour (v2)", "");
  out.push(
    "Each changed hour adds one `or_changes` row per real change (the unchanged hour adds none); a month is 720 such hours.",
    "",
    "| k | entities changed an hour | change rows an hour | bytes an hour | change rows a month | bytes a month | rows in the unchanged hour |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const bill of headline) {
    const { unchanged, changed } = bill.v2;
    out.push(
      `| ${kLabel(bill)} | ${bill.changed} | ${changed.changeRows} | ${size(changed.changeBytes / 1024)} | ${changed.changeRows * RUNS_PER_MONTH} | ${size((changed.changeBytes * RUNS_PER_MONTH) / 1024)} | ${unchanged.changeRows} |`,
    );
  }

  const largest = steady ?? scaled[scaled.length - 1];
  if (largest) {
    const { unchanged, changed } = largest.v2;
    const names = [...new Set([...Object.keys(unchanged.byFunction), ...Object.keys(changed.byFunction)])];
    const delta = (name: string) => {
      const before = unchanged.byFunction[name];
      const after = changed.byFunction[name];
      const field = (key: keyof FunctionCost) => (after?.[key] ?? 0) - (before?.[key] ?? 0);
      return { calls: field("calls"), docsRead: field("docsRead"), docsWritten: field("docsWritten"), kib: field("kibRead") + field("kibWritten") };
    };
    const rows = names.map((name) => ({ name, ...delta(name) })).filter((row) => row.calls !== 0 || row.docsRead !== 0 || row.docsWritten !== 0 || row.kib !== 0);
    rows.sort((a, b) => b.kib - a.kib);
    out.push("", `Where it goes at k = ${kLabel(largest)}, by function (the 1% hour minus the unchanged hour):`, "");
    out.push("| function | extra calls | extra documents read / written | extra bandwidth |", "| --- | --- | --- | --- |");
    for (const row of rows) out.push(`| ${row.name} | ${row.calls} | ${row.docsRead} / ${row.docsWritten} | ${row.kib < 0 ? `−${size(-row.kib)}` : size(row.kib)} |`);
  }

  out.push("", "### Every metered hour", "");
  out.push(
    "| data | k | hour | pipeline | function calls | documents read / written | bandwidth, 1 KiB a document (read + written) | raw bytes read + written | file storage added | entity documents written | per month, one run an hour |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const bill of bills) {
    for (const [index, key] of (["unchanged", "changed"] as const).entries()) {
      for (const pipeline of ["v2", "baseline"] as const) {
        if (bill === steady && pipeline === "baseline") continue; // not metered again: its fresh k = 1 figures stand
        const cost = bill[pipeline][key];
        out.push(
          `| ${bill.data} | ${bill.k} | ${bill.hours[index]} | ${pipeline} | ${cost.calls} | ${cost.docsRead} / ${cost.docsWritten} | ${size(kibOf(cost))} | ${round((cost.bytesRead + cost.bytesWritten) / 1024, 0)} KiB | ${round(cost.fileBytesAdded / 1024, 0)} KiB | ${cost.entityWrites} | ${size(kibOf(cost) * RUNS_PER_MONTH)} |`,
        );
      }
    }
  }
  out.push(
    "",
    "The 2026 golden rows use tests/golden's next hour (telemetry, and also re-spelled absences, timestamps and rates, and reordered entries, lists and keys) and next day (a day of real changes); the May 2025 rows re-serve identical bodies. Both at k = 1 only, for reference.",
  );

  const first = scaled[0];
  const last = scaled[scaled.length - 1];
  if (first) {
    const columns = [...new Set([first, ...(steady ? [steady] : []), last])];
    out.push("", `### Where v2's unchanged hour goes, by function (2026-shaped, k = ${columns.map(kLabel).join("; ")})`, "");
    out.push(
      `| function | ${columns.map((bill) => `k = ${kLabel(bill)}: calls | documents read / written | bandwidth`).join(" | ")} |`,
      `| --- | ${columns.map(() => "--- | --- | ---").join(" | ")} |`,
    );
    const names = [...new Set(columns.flatMap((bill) => Object.keys(bill.v2.unchanged.byFunction)))];
    names.sort((a, b) => kibOf(last.v2.unchanged.byFunction[b]) - kibOf(last.v2.unchanged.byFunction[a]));
    for (const name of names) {
      const cells = columns.map((bill) => {
        const cost = bill.v2.unchanged.byFunction[name];
        return cost ? `${cost.calls} | ${cost.docsRead} / ${cost.docsWritten} | ${size(kibOf(cost))}` : "– | – | –";
      });
      out.push(`| ${name} | ${cells.join(" | ")} |`);
    }
  }
  out.push(
    "",
    "Counted at the embedded runtime's transaction tracker (bench/convexCost.ts), each document credited to the function whose transaction read or wrote it, not from the module's own statistics. Bandwidth rounds each document up to 1 KiB, as Convex bills it. Entity documents written are counted by diffing the entity tables before and after the hour, outside the meter. A month is 720 runs.",
  );
  return out;
}
