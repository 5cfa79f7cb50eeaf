/**
 * `npm run snapshot`: run `snapshots_v2:runDemo` inside an embedded Convex runtime (convex-test,
 * transaction limits on), in remote mode. Requests go over real HTTP to a loopback server serving
 * a recording, so fetch, archival, diffing and batch writes all run as in a deployment.
 *
 *   npm run snapshot                                  # the 2026-shaped golden recording
 *   npm run snapshot -- --recording A.json --recording B.json   # one run per recording, same backend
 *   npm run snapshot -- --recording tests/golden/recording-2025-05-20.json   # the real May 2025 recording
 *   npm run snapshot -- --live                        # fetch OpenRouter itself (v1 paths)
 *   npm run snapshot -- --json                        # one JSON line per run
 *   npm run snapshot -- --output dry-run              # what would be written, nothing stored
 *   npm run snapshot -- --faults "500@*" --json       # inject faults (grammar: tests/support/fakeOpenRouter.ts)
 *
 * Each recording is served under the path family its keys use (`v1` or `legacy-2025`), and the
 * run asks for that family. The embedded runtime keeps nothing after the command ends. Node-only.
 */
import { parseArgs } from "node:util";
import { api, internal } from "../convex/_generated/api";
import type { SnapshotReport } from "../convex/lib/runSnapshot";
import { parseFaultSpec, startFakeOpenRouter, type FakeOpenRouter } from "../tests/support/fakeOpenRouter";
import { isUpstreamPaths, UPSTREAM_PATH_NAMES, upstreamPathsOfRecording, type UpstreamPaths } from "../src/sources/requestKey";
import { readRecordingFile } from "../src/sources/createSources";
import { createEmbeddedConvex, tableCounts } from "./lib/embeddedConvex";

const GOLDEN = "tests/golden/recording-2026-base.json";
const OUTPUTS = ["convex", "dry-run", "both"] as const;

function fail(message: string): never {
  console.error(`npm run snapshot: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    recording: { type: "string", multiple: true },
    live: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    output: { type: "string", default: "convex" },
    maxConcurrency: { type: "string" },
    faults: { type: "string" },
    paths: { type: "string" },
  },
});
if (values.paths !== undefined && !isUpstreamPaths(values.paths)) fail(`--paths must be one of ${UPSTREAM_PATH_NAMES.join(", ")}, got ${values.paths}`);
if (values.paths !== undefined && !values.live) fail("--paths is for --live; a recording is served under the paths its keys use");

const output = values.output as (typeof OUTPUTS)[number];
if (!OUTPUTS.includes(output)) fail(`--output must be one of ${OUTPUTS.join(", ")}, got ${values.output}`);
const maxConcurrency = values.maxConcurrency === undefined ? undefined : Number(values.maxConcurrency);
if (values.live && values.recording) fail("--live and --recording exclude each other");
if (values.live && values.faults) fail("--faults needs the loopback server, not --live");
let faultOptions: ReturnType<typeof parseFaultSpec> = {};
try {
  faultOptions = values.faults ? parseFaultSpec(values.faults) : {};
} catch (error) {
  fail(`--faults: ${error instanceof Error ? error.message : String(error)}`);
}
// Faulted runs retry quickly, so a matrix of faults finishes in seconds rather than minutes.
const remote = values.faults ? { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 5_000 } : undefined;

/** The archive line: bundles, and legacy rows only when there are any. */
function describeArchive(archive: { bundles: number; responses: number; rows: number; blobs: number; stored_bytes: number }): string {
  const legacy = archive.rows > 0 ? `, plus ${archive.rows} legacy rows in ${archive.blobs} blobs` : "";
  return `${archive.bundles} bundles holding ${archive.responses} responses${legacy}; ${archive.stored_bytes} bytes in file storage`;
}

/** A recording file and the path family its keys use; `readRecordingFile` names what is wrong with a bad one. */
function loadRecording(path: string): { recording: Record<string, unknown>; paths: UpstreamPaths } {
  try {
    const recording = readRecordingFile(path);
    return { recording, paths: upstreamPathsOfRecording(recording)! };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    fail(message.startsWith(`recording ${path}:`) ? message : `cannot read recording ${path}: ${message}`);
  }
}

function describeFields(fields: SnapshotReport["fields"]): string {
  if (!fields) return "not compared (no models list)";
  if (fields.baseline) return `${fields.seen} seen; the drift ledger starts with them`;
  const listed = fields.new_fields.length > 0 ? ` (${fields.new_fields.join(", ")}${fields.new > fields.new_fields.length ? ", …" : ""})` : "";
  return `${fields.seen} seen, ${fields.new} new${listed}, ${fields.gone} gone${fields.written ? "" : "; ledger unchanged"}`;
}

const HOUR_MS = 3_600_000;
const currentHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const t = createEmbeddedConvex();
const plan: (string | null)[] = values.live ? [null] : (values.recording ?? [GOLDEN]);
let current: Record<string, unknown> = {};
let server: FakeOpenRouter | null = null;
if (!values.live) {
  server = await startFakeOpenRouter({ recording: () => current, ...faultOptions });
  process.env.OPENROUTER_BASE_URL = server.url;
} else {
  // The real OpenRouter, or whatever OPENROUTER_BASE_URL already names.
}

// runDemo logs its own summary line to the Convex log; keep stdout for this command's report.
const convexLog = console.log;
console.log = (...args: unknown[]) => (values.json ? undefined : convexLog("  [convex log]", ...args));

try {
  for (const [index, path] of plan.entries()) {
    let paths = values.paths as UpstreamPaths | undefined;
    if (path) ({ recording: current, paths } = loadRecording(path));
    // Successive recordings stand for successive hours, the last one for the current hour.
    const snapshot_at = currentHour - (plan.length - 1 - index) * HOUR_MS;
    const report: SnapshotReport = await t.action(internal.snapshots_v2.runDemo, { output, maxConcurrency, snapshot_at, remote, paths });
    const tables = await tableCounts(t);
    const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
    const archive = await t.query(api.archive.storageStats, {});
    const line = {
      run: index + 1,
      ok: report.ok,
      status: report.status,
      health: report.health,
      snapshot_at: report.snapshot_at,
      recording: path ?? "live",
      models: report.models,
      endpoints: report.endpoints,
      empty_lists: report.empty_lists,
      issues: report.issues,
      mutations: report.mutations,
      fields: report.fields ?? null,
      duration_ms: report.duration_ms,
      tables,
      archive,
      ...(report.error ? { error: report.error } : {}),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(line)}\n`);
      continue;
    }
    const kind = (name: string, k: SnapshotReport["models"]) =>
      `  ${name.padEnd(10)} ${String(k.total).padStart(5)} seen: ${k.insert} insert, ${k.update} update, ${k.stable} stable, ${k.unavailable} newly unavailable`;
    process.stdout.write(
      [
        `run ${line.run} — ${line.recording} — ${report.status}, ${report.health}, ${report.duration_ms} ms`,
        kind("models", report.models),
        kind("endpoints", report.endpoints) + (report.empty_lists > 0 ? ` (${report.empty_lists} lists empty or 404: no endpoints now)` : ""),
        `  issues ${report.issues}, entity mutations ${report.mutations}, archived responses ${report.archived}`,
        `  upstream fields: ${describeFields(report.fields)}`,
        `  metrics (snapshot_runs.metrics): ${JSON.stringify(run?.metrics ?? {})}`,
        `  tables after the run: or_models ${tables.or_models} (${tables.available_models} available), or_endpoints ${tables.or_endpoints} (${tables.available_endpoints} available), archive_bundles ${tables.archive_bundles}, upstream_fields ${tables.upstream_fields}`,
        `  archive: ${describeArchive(archive)}`,
        ...(report.error ? [`  error: ${report.error}`] : []),
        "",
      ].join("\n"),
    );
  }
  if (!values.json) {
    process.stdout.write("This embedded runtime keeps nothing after the command ends. See README \"Running on a real deployment\".\n");
  }
} finally {
  console.log = convexLog;
  await server?.close();
}
