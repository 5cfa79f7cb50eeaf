/**
 * `npm run snapshot`: run `snapshots_v2:runDemo` inside an embedded Convex runtime (convex-test,
 * transaction limits on), in remote mode. Requests go over real HTTP to a loopback server serving
 * a recording, so fetch, archival, diffing and batch writes all run as in a deployment.
 * `npm run snapshot -- --help` prints the options (scripts/lib/snapshotArgs.ts).
 *
 * Owns: the command's streams and exit status. stdout carries the report, or with `--json` only
 * JSON lines; warnings and errors go to stderr, each line prefixed. Exit status 0 when every run
 * is ok, 1 when one is not (failed, unhealthy or skipped), 2 for a bad argument or recording,
 * found before any run starts.
 *
 * Each recording is served under the path family its keys use (`v1` or `legacy-2025`), and the
 * run asks for that family. The embedded runtime keeps nothing after the command ends. Node-only.
 */
import { format } from "node:util";
import { parseSnapshotArgs, SNAPSHOT_USAGE, UsageError, type SnapshotArgs } from "./lib/snapshotArgs";
import { loadRecordingFile, RecordingError } from "./lib/recordingFile";
import type { UpstreamPaths } from "../src/sources/requestKey";

const PROGRAM = "npm run snapshot";

function exitWithUsageError(message: string): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(2);
}

let args: SnapshotArgs;
try {
  // npm keeps an option written before `--` for itself; its npm_config_* variable says which.
  args = parseSnapshotArgs(process.argv.slice(2), process.env.npm_lifecycle_event === "snapshot" ? process.env : {});
} catch (error) {
  if (error instanceof UsageError) exitWithUsageError(error.message);
  throw error;
}
if (args.help) {
  process.stdout.write(SNAPSHOT_USAGE);
  process.exit(0);
}

// Every recording is checked before the first run, so a bad last file does not cost the runs before it.
for (const path of args.recordings) {
  try {
    loadRecordingFile(path);
  } catch (error) {
    if (error instanceof RecordingError) exitWithUsageError(error.message);
    throw error;
  }
}
if (args.json && process.env.npm_lifecycle_event === "snapshot" && process.env.npm_config_loglevel !== "silent") {
  process.stderr.write(
    `warning: npm printed its "> openrouter-snapshots@… snapshot" banner on stdout before the JSON; run npm run -s snapshot -- --json to keep stdout JSON only\n`,
  );
}

// The runtime loads only now, so that help and argument errors answer at once.
const { api, internal } = await import("../convex/_generated/api");
const { createEmbeddedConvex, tableCounts } = await import("./lib/embeddedConvex");
const { startFakeOpenRouter } = await import("../tests/support/fakeOpenRouter");
const { describeRun, snapshotLine } = await import("./lib/snapshotReport");

// The module's own log lines: runSnapshot's summary repeats the report, so it is dropped; a dry run's
// lines are what it is for, so they stay (on stderr with --json). Warnings and errors are marked.
const SUMMARY_LINE = /^(snapshot \S+ (ok|failed|skipped)\b|dry run \(nothing written\) — )/;
const prefixed = (prefix: string, text: string) => `${text.replace(/^/gm, prefix)}\n`;
const consoleMethods = { log: console.log, info: console.info, warn: console.warn, error: console.error };
console.log = console.info = (...parts: unknown[]) => {
  const text = format(...parts);
  if (!SUMMARY_LINE.test(text)) (args.json ? process.stderr : process.stdout).write(`${text}\n`);
};
console.warn = (...parts: unknown[]) => process.stderr.write(prefixed("warning: ", format(...parts)));
console.error = (...parts: unknown[]) => process.stderr.write(prefixed("error: ", format(...parts)));

const HOUR_MS = 3_600_000;
const currentHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
// Faulted runs retry quickly, so a matrix of faults finishes in seconds rather than minutes.
const remote = args.faults !== undefined ? { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 5_000 } : undefined;
const plan: (string | null)[] = args.live ? [null] : args.recordings;
const notOk: string[] = [];
let exitCode = 0;

const t = createEmbeddedConvex();
let current: Record<string, unknown> = {};
const server = args.live ? null : await startFakeOpenRouter({ recording: () => current, ...args.faultOptions });
// With --live: the real OpenRouter, or whatever OPENROUTER_BASE_URL already names.
if (server) process.env.OPENROUTER_BASE_URL = server.url;

try {
  for (const [index, path] of plan.entries()) {
    let paths: UpstreamPaths | undefined = args.paths;
    if (path) ({ recording: current, paths } = loadRecordingFile(path));
    // Successive recordings stand for successive hours, the last one for the current hour.
    const snapshot_at = currentHour - (plan.length - 1 - index) * HOUR_MS;
    if (args.output !== "convex" && !args.json) process.stdout.write(`run ${index + 1} — ${path ?? "live"} — what a write would change:\n`);
    const report = await t.action(internal.snapshots_v2.runDemo, { output: args.output, maxConcurrency: args.maxConcurrency, snapshot_at, remote, paths });
    const line = snapshotLine(
      {
        index,
        total: plan.length,
        recording: path ?? "live",
        report,
        run: await t.run(async (ctx) => ctx.db.get(report.run_id)),
        tables: await tableCounts(t),
        archive: await t.query(api.archive.storageStats, {}),
      },
      { metrics: args.metrics },
    );
    process.stdout.write(args.json ? `${JSON.stringify(line)}\n` : `${describeRun(line, plan.length)}\n`);
    if (!report.ok) notOk.push(`run ${index + 1} ${report.status === "ok" ? "is unhealthy" : report.status === "failed" ? "failed" : "was skipped"}`);
  }
  if (!args.json) process.stdout.write("This embedded runtime keeps nothing after the command ends.\n");
} catch (error) {
  // runDemo itself threw: no run record to report on.
  process.stderr.write(`${PROGRAM}: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}\n`);
  exitCode = 1;
} finally {
  Object.assign(console, consoleMethods);
  await server?.close();
}
if (notOk.length > 0) {
  process.stderr.write(`${PROGRAM}: not ok: ${notOk.join(", ")} (exit status 1)\n`);
  exitCode = 1;
}
process.exitCode = exitCode;
