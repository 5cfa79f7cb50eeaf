/**
 * `npm run serve`: run snapshots in an embedded Convex runtime (convex-test, transaction limits
 * on), then serve the module's HTTP routes from it on 127.0.0.1 until Ctrl-C: the status page at
 * `/` and the feeds. The runtime keeps nothing after the command ends.
 *
 *   npm run serve                                           # the 2026 golden base a day ago, then the next day: http://127.0.0.1:8787/
 *   npm run serve -- --port 0                               # any free port
 *   npm run serve -- --recording A.json --recording B.json  # your recordings, one run each, an hour apart
 *
 * Node-only. Exits 2 on a bad argument, 1 when a run throws or the port is taken; a run that ends
 * not ok is served all the same, with a warning (the page is how you look at it).
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { createEmbeddedConvex } from "./lib/embeddedConvex";
import { demoPlan, recordingsPlan, runPlan, startHttpBridge } from "./lib/serveEmbedded";

const DEFAULT_PORT = 8787;

const USAGE = `Usage: npm run serve -- [--port N] [--recording FILE]...

Runs snapshots in an embedded Convex runtime, then serves the status page and the feeds
on 127.0.0.1 until Ctrl-C.

Options:
  --port N          port to listen on, 0 for any free one (default ${DEFAULT_PORT})
  --recording FILE  a recording to run, one run per recording, an hour apart, the last at
                    the current hour (default: tests/golden/recording-2026-base.json a day
                    ago, then tests/golden/recording-2026-next-day.json now)
  -h, --help        this text

Examples:
  npm run serve
  npm run serve -- --port 0
  npm run serve -- --recording tests/golden/recording-2025-05-20.json
`;

function usageError(message: string): never {
  process.stderr.write(`npm run serve: ${message} (see --help)\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { port: { type: "string" }, recording: { type: "string", multiple: true }, help: { type: "boolean", short: "h", default: false } },
    allowPositionals: false,
  }));
} catch (error) {
  usageError(error instanceof Error ? error.message.split("\n")[0] : String(error));
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
if (values.port !== undefined && !(/^\d+$/.test(values.port) && port <= 65535))
  usageError(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(values.port)}`);

const started = Date.now();
const plan = values.recording ? recordingsPlan(values.recording, started) : demoPlan(started);
const t = createEmbeddedConvex();

// runDemo logs its own summary line to the Convex log; keep stdout for this command's lines.
const convexLog = console.log;
console.log = () => undefined;
let reports;
try {
  reports = await runPlan(t, plan, {
    onRun: (run, report) =>
      process.stdout.write(
        `run ${report.status}, ${report.health}, ${(report.duration_ms / 1000).toFixed(1)} s: ${relative(process.cwd(), run.recording)} as of ${new Date(run.snapshot_at).toISOString()}; ` +
          `${report.models.total} models, ${report.endpoints.total} endpoints, ${report.events} changes\n`,
      ),
  });
} catch (error) {
  process.stderr.write(`npm run serve: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
} finally {
  console.log = convexLog;
}
if (reports.some((report) => report.status !== "ok")) process.stderr.write("npm run serve: a run did not finish ok; serving what there is\n");

let bridge;
try {
  bridge = await startHttpBridge(t, { port });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(`npm run serve: ${code === "EADDRINUSE" ? `port ${port} is in use; pass --port N (0 for any free port)` : String(error)}\n`);
  process.exit(1);
}
process.stdout.write(
  [
    "",
    `Status page: ${bridge.url}   (ready in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C to stop)`,
    `Feeds:       ${bridge.url}changes.atom   ${bridge.url}changes.json   ${bridge.url}price-history.json?model_permaslug=…&variant=…&endpoint_id=…`,
    "",
  ].join("\n"),
);

const stop = () => {
  process.stdout.write("\nstopping\n");
  void bridge.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
