/**
 * The embedded runtime as a local web server, for `npm run serve` and the browser test: snapshot
 * runs from recordings (served by the loopback fake OpenRouter), then the module's HTTP routes
 * (convex/http.ts: the status page and the feeds) answered over real HTTP on 127.0.0.1.
 *
 * Owns: the demo plan (the 2026 golden base a day ago, then the next day's recording at the
 * current hour, so the page has two runs, a history and price changes to chart), running a plan,
 * and the bridge from `node:http` to convex-test's `t.fetch`. Must not touch: what the routes
 * answer. Node-only; binds loopback only.
 *
 * convex-test answers every request as if it came to `https://some.convex.site`; the bridge writes
 * the local origin in its place in text bodies, so the feeds' absolute links (`self`, `next`) lead
 * back here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { internal } from "../../convex/_generated/api";
import type { SnapshotReport } from "../../convex/lib/runSnapshot";
import { readRecordingFile } from "../../src/sources/createSources";
import { upstreamPathsOfRecording } from "../../src/sources/requestKey";
import { startFakeOpenRouter } from "../../tests/support/fakeOpenRouter";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The origin convex-test puts in front of every path it is asked (see convex-test's `fetch`). */
const CONVEX_TEST_ORIGIN = "https://some.convex.site";

/** The runtime this serves: anything with convex-test's `action` and `fetch`. */
type Runtime = {
  action: (reference: typeof internal.snapshots_v2.runDemo, args: { snapshot_at: number; paths?: "v1" | "legacy-2025" }) => Promise<SnapshotReport>;
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
};

/** One run of a plan: a recording file, and the hour it stands for. */
export type PlannedRun = { recording: string; snapshot_at: number };

const golden = (name: string) => fileURLToPath(new URL(`../../tests/golden/${name}`, import.meta.url));

/**
 * The demo: the 2026 golden base one day before the current hour, then the next day's recording at
 * the current hour (tests/golden/README.md: a handful of real changes of every kind, prices among them).
 *
 * @example demoPlan(Date.now()) // → [{ recording: ".../recording-2026-base.json", snapshot_at: hour - 1 day }, { recording: ".../recording-2026-next-day.json", snapshot_at: hour }]
 */
export function demoPlan(now: number): PlannedRun[] {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  return [
    { recording: golden("recording-2026-base.json"), snapshot_at: hour - DAY_MS },
    { recording: golden("recording-2026-next-day.json"), snapshot_at: hour },
  ];
}

/**
 * Recordings given on the command line: one run each, an hour apart, the last at the current hour
 * (as `npm run snapshot` spaces them).
 */
export function recordingsPlan(recordings: readonly string[], now: number): PlannedRun[] {
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  return recordings.map((recording, index) => ({ recording, snapshot_at: hour - (recordings.length - 1 - index) * HOUR_MS }));
}

/**
 * Runs each planned snapshot in order against the loopback fake OpenRouter serving its recording,
 * and returns their reports. A recording that cannot be read throws, naming the file.
 *
 * @example const reports = await runPlan(t, demoPlan(Date.now()), { onRun: (run, report) => console.log(report.status) })
 */
export async function runPlan(t: Runtime, plan: readonly PlannedRun[], { onRun }: { onRun?: (run: PlannedRun, report: SnapshotReport) => void } = {}) {
  const recordings = plan.map((run) => readRecordingFile(run.recording));
  let current: Record<string, unknown> = {};
  const server = await startFakeOpenRouter({ recording: () => current });
  const previous = process.env.OPENROUTER_BASE_URL;
  process.env.OPENROUTER_BASE_URL = server.url;
  const reports: SnapshotReport[] = [];
  try {
    for (const [index, run] of plan.entries()) {
      current = recordings[index];
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: run.snapshot_at, paths: upstreamPathsOfRecording(current) ?? undefined });
      reports.push(report);
      onRun?.(run, report);
    }
  } finally {
    if (previous === undefined) delete process.env.OPENROUTER_BASE_URL;
    else process.env.OPENROUTER_BASE_URL = previous;
    await server.close();
  }
  return reports;
}

export type HttpBridge = { url: string; close: () => Promise<void> };

/**
 * Serves the module's HTTP routes on `host:port` (port 0: any free one) until closed. Only GET and
 * HEAD are answered, as the routes are; anything else is a 405.
 *
 * @example const bridge = await startHttpBridge(t, { port: 8787 }); console.log(bridge.url); // http://127.0.0.1:8787/
 */
export async function startHttpBridge(t: Runtime, { host = "127.0.0.1", port = 0 }: { host?: string; port?: number } = {}): Promise<HttpBridge> {
  const server = createServer((request, response) => {
    answer(t, request, response).catch((error: unknown) => {
      process.stderr.write(`serve: ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      response.end("internal error; see the server's output\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(t: Runtime, request: IncomingMessage, response: ServerResponse) {
  const method = request.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
    response.end(`${method} is not served here\n`);
    return;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const answered = await t.fetch(request.url ?? "/", { method: "GET", headers });
  const type = answered.headers.get("Content-Type") ?? "";
  let body = Buffer.from(await answered.arrayBuffer());
  if (/^(text\/|application\/(json|atom\+xml|xml))/.test(type)) {
    const origin = `http://${request.headers.host ?? "127.0.0.1"}`;
    body = Buffer.from(body.toString("utf8").replaceAll(CONVEX_TEST_ORIGIN, origin), "utf8");
  }
  const out: Record<string, string> = {};
  answered.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "content-encoding" && name !== "transfer-encoding") out[name] = value;
  });
  out["content-length"] = String(body.length);
  response.writeHead(answered.status, out);
  response.end(method === "HEAD" ? undefined : body);
}
