/**
 * The fault matrix: every transport fault and every kind of bad input the snapshot must survive,
 * each with the outcome it must have. Shared by the test suite (tests/convex/faultMatrix.test.ts)
 * and `npm run faults`, so the table a person reads is the one the tests check.
 *
 * Each case starts from a database filled by a clean run of the golden recording, then runs once
 * more with the fault. "Rows lost" counts stored rows that the faulted run deleted or changed: the
 * catalogue itself did not change, so every such row is data lost or corrupted, and must be 0.
 * Node-only test support.
 */
import type { ActionCtx } from "../../convex/_generated/server";
import type { SnapshotReport } from "../../convex/lib/runSnapshot";
import { runSnapshot } from "../../convex/lib/runSnapshot";
import type { FakeOpenRouter, FaultRule } from "./fakeOpenRouter";
import { cloneRecording, endpointsKey, MODELS_KEY, type RawRecording } from "./recording";

/** The convex-test instance, whether from vitest's setupTest or the embedded runtime. */
type Backend = {
  action: (fn: (ctx: ActionCtx) => Promise<any>) => Promise<any>;
  run: (fn: (ctx: any) => Promise<any>) => Promise<any>;
};

export type Outcome = {
  status: SnapshotReport["status"];
  ok: boolean;
  /** Distinct validation issues recorded by the run. */
  issues: number;
  /** Endpoint lists that could not be fetched or used. */
  failed_fetches: number;
  /** Requests the client made again after a failed attempt. */
  retried: number;
};

export type FaultCase = {
  name: string;
  expected: Outcome;
  /** Hand edits to the recording for the faulted run. */
  edit?: (recording: RawRecording) => void;
  faults?: FaultRule[];
};

/** The variant every transport fault targets: two real endpoints. */
export const TARGET_VARIANT = endpointsKey("liquid/lfm-7b", "standard");
const MULTI_VARIANT = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
/** Retry settings for the faulted run: fast, and a short timeout for the hang case. */
export const FAULT_RUN_REMOTE = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 750, retryAfterCapMs: 2_000 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);

const ok = (over: Partial<Outcome> = {}): Outcome => ({ status: "ok", ok: true, issues: 0, failed_fetches: 0, retried: 0, ...over });
const runFailed: Outcome = { status: "failed", ok: false, issues: 0, failed_fetches: 0, retried: 0 };
const everyAttempt = FAULT_RUN_REMOTE.maxAttempts - 1;

/** A model entry whose slug has one entry and no active variant: breaking it touches nothing else. */
function loneModelEntry(recording: RawRecording): any {
  const entries: any[] = recording[MODELS_KEY].data;
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.slug, (counts.get(entry.slug) ?? 0) + 1);
  return entries.find((entry) => entry.endpoint === null && counts.get(entry.slug) === 1);
}

const targetRecord = (recording: RawRecording) => recording[TARGET_VARIANT].data[0];
const withFeatureKey = (key: string) => (recording: RawRecording) => {
  loneModelEntry(recording).features = { [key]: true };
};

export const FAULT_CASES: FaultCase[] = [
  // Transport faults on one endpoint list.
  { name: "429 with Retry-After, then 200", faults: [{ key: TARGET_VARIANT, fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, times: 1 }], expected: ok({ retried: 1 }) },
  { name: "500 on every attempt", faults: [{ key: TARGET_VARIANT, fault: { kind: "status", status: 500 } }], expected: ok({ failed_fetches: 1, retried: everyAttempt }) },
  { name: "503 once", faults: [{ key: TARGET_VARIANT, fault: { kind: "status", status: 503 }, times: 1 }], expected: ok({ retried: 1 }) },
  { name: "404 (not retried)", faults: [{ key: TARGET_VARIANT, fault: { kind: "status", status: 404 } }], expected: ok({ failed_fetches: 1 }) },
  { name: "delay past the client timeout, once", faults: [{ key: TARGET_VARIANT, fault: { kind: "delay", ms: 30_000 }, times: 1 }], expected: ok({ retried: 1 }) },
  { name: "connection reset on every attempt", faults: [{ key: TARGET_VARIANT, fault: { kind: "reset" } }], expected: ok({ failed_fetches: 1, retried: everyAttempt }) },
  { name: "truncated body, once", faults: [{ key: TARGET_VARIANT, fault: { kind: "truncate" }, times: 1 }], expected: ok({ retried: 1 }) },
  { name: "invalid JSON", faults: [{ key: TARGET_VARIANT, fault: { kind: "invalid-json" } }], expected: ok({ failed_fetches: 1 }) },
  { name: "HTML error page with status 200", faults: [{ key: TARGET_VARIANT, fault: { kind: "html" } }], expected: ok({ failed_fetches: 1 }) },
  { name: "valid JSON of the wrong shape", faults: [{ key: TARGET_VARIANT, fault: { kind: "wrong-shape" } }], expected: ok({ failed_fetches: 1 }) },
  {
    name: "body of 50 MiB",
    faults: [{ key: TARGET_VARIANT, fault: { kind: "body", body: `{"data":[${'"x",'.repeat(13_107_200)}"x"]}` } }],
    expected: ok({ failed_fetches: 1 }),
  },
  // The models list itself: nothing is usable, the run fails and writes no entity.
  { name: "models list: 500 on every attempt", faults: [{ key: MODELS_KEY, fault: { kind: "status", status: 500 } }], expected: { ...runFailed, retried: everyAttempt } },
  { name: "models list: HTML page with status 200", faults: [{ key: MODELS_KEY, fault: { kind: "html" } }], expected: runFailed },
  { name: "models list: wrong shape", faults: [{ key: MODELS_KEY, fault: { kind: "wrong-shape" } }], expected: runFailed },
  // Bad input inside good bodies: one record is reported, the rest is written as usual.
  { name: "field missing (endpoint pricing.prompt)", edit: (r) => void delete targetRecord(r).pricing.prompt, expected: ok({ issues: 1 }) },
  { name: "field null (model name)", edit: (r) => void (loneModelEntry(r).name = null), expected: ok({ issues: 1 }) },
  { name: "field of the wrong type (is_free: \"yes\")", edit: (r) => void (targetRecord(r).is_free = "yes"), expected: ok({ issues: 1 }) },
  {
    name: "unknown new fields",
    edit: (r) => {
      targetRecord(r).brand_new_field = { nested: [1, 2] };
      loneModelEntry(r).another_new_field = "x";
    },
    expected: ok(),
  },
  { name: "empty key in variable_pricings", edit: (r) => void (targetRecord(r).variable_pricings = [{ type: "t", threshold: 1, "": "0.1" }]), expected: ok({ issues: 1 }) },
  { name: "key starting with $ in features", edit: withFeatureKey("$where"), expected: ok({ issues: 1 }) },
  { name: "key starting with _ in features", edit: withFeatureKey("_id"), expected: ok({ issues: 1 }) },
  { name: "non-ASCII key in features", edit: withFeatureKey("größe"), expected: ok({ issues: 1 }) },
  { name: "key longer than 1024 chars in features", edit: withFeatureKey("k".repeat(1025)), expected: ok({ issues: 1 }) },
  { name: "string with a lone surrogate", edit: (r) => void (targetRecord(r).name = "broken \uD83D name"), expected: ok({ issues: 1 }) },
  {
    name: "array longer than 8,192 elements",
    edit: (r) => void (targetRecord(r).supported_parameters = Array.from({ length: 8193 }, (_, i) => `p${i}`)),
    expected: ok({ issues: 1 }),
  },
  { name: "record over 1 MiB", edit: (r) => void (loneModelEntry(r).description = "x".repeat(1_100_000)), expected: ok({ issues: 1 }) },
  {
    name: "same primary key twice in one response",
    edit: (r) => {
      const list = r[MULTI_VARIANT].data;
      list.push({ ...structuredClone(list[0]), pricing: { ...list[0].pricing, prompt: "0.5" } });
    },
    expected: ok({ issues: 1 }),
  },
  {
    name: "duplicate model slug with conflicting data",
    edit: (r) => {
      const entry = loneModelEntry(r);
      r[MODELS_KEY].data.push({ ...structuredClone(entry), context_length: 1, description: "conflicting copy" });
    },
    expected: ok({ issues: 1 }),
  },
];

export type FaultResult = { case: FaultCase; observed: Outcome; rows_lost: number; report: SnapshotReport };

type RowDoc = { _id: string };
async function readRows(t: Backend): Promise<Map<string, string>> {
  const pairs: [string, string][] = await t.run(async (ctx) => {
    const rows: RowDoc[] = [...(await ctx.db.query("or_models").collect()), ...(await ctx.db.query("or_endpoints").collect())];
    return rows.map((row) => [row._id, JSON.stringify(row)]);
  });
  return new Map(pairs);
}

/**
 * Runs one case on a fresh backend `t` against the fake server: a clean baseline run, then the
 * faulted run. The server's recording must be the function form reading `recordingRef`.
 */
export async function runFaultCase(t: Backend, server: FakeOpenRouter, recordingRef: { current: RawRecording }, golden: RawRecording, fault: FaultCase): Promise<FaultResult> {
  recordingRef.current = golden;
  server.setFaults([]);
  await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 }));
  const before = await readRows(t);

  const faulted = cloneRecording(golden);
  fault.edit?.(faulted);
  recordingRef.current = faulted;
  server.setFaults(fault.faults ?? []);
  server.resetCounts();
  const report: SnapshotReport = await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 + HOUR, remote: FAULT_RUN_REMOTE }));
  const distinctKeys = new Set(server.log().map((entry) => entry.key)).size;
  const issues: number = await t.run(async (ctx) => (await ctx.db.query("validation_issues").collect()).length);

  const after = await readRows(t);
  let rows_lost = 0;
  for (const [id, doc] of before) if (after.get(id) !== doc) rows_lost++;
  server.setFaults([]);
  return {
    case: fault,
    report,
    rows_lost,
    observed: {
      status: report.status,
      ok: report.ok,
      issues,
      failed_fetches: report.status === "failed" ? 0 : report.issues - issues,
      retried: server.requestCount() - distinctKeys,
    },
  };
}

export function describeOutcome(outcome: Outcome): string {
  const parts = [outcome.ok ? outcome.status : `${outcome.status}, not ok`];
  if (outcome.issues) parts.push(`${outcome.issues} validation issue${outcome.issues > 1 ? "s" : ""}`);
  if (outcome.failed_fetches) parts.push(`${outcome.failed_fetches} failed fetch${outcome.failed_fetches > 1 ? "es" : ""}`);
  if (outcome.retried) parts.push(`${outcome.retried} retr${outcome.retried > 1 ? "ies" : "y"}`);
  return parts.join(", ");
}

/** The matrix as a Markdown table. */
export function faultTable(results: FaultResult[]): string {
  const lines = ["| fault | expected outcome | observed outcome | rows lost | run status |", "| --- | --- | --- | --- | --- |"];
  for (const result of results) {
    lines.push(
      `| ${result.case.name} | ${describeOutcome(result.case.expected)} | ${describeOutcome(result.observed)} | ${result.rows_lost} | ${result.report.status}${result.report.ok ? "" : ` (${result.report.health.slice(0, 60)})`} |`,
    );
  }
  return lines.join("\n");
}
