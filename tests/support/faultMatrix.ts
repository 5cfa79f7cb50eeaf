/**
 * The fault matrix: every transport fault and every kind of bad input the snapshot must survive,
 * each with the outcome it must have. Shared by the test suite (tests/convex/faultMatrix.test.ts)
 * and `npm run faults`, so the table a person reads is the one the tests check.
 *
 * Each case starts from a database filled by a clean run of the 2026-shaped golden recording
 * (tests/golden/recording-2026-base.json), then runs once more with the fault. The outcome counts
 * what the faulted run did to the tables, read before and after: rows added, rows whose content
 * changed, rows newly marked unavailable, and drift-ledger fields new. "Rows lost" counts stored
 * rows the faulted run deleted, or changed or marked unavailable beyond what the case expects:
 * each would be data lost or corrupted, and must be 0. Node-only test support.
 */
import type { ActionCtx } from "../../convex/_generated/server";
import type { SnapshotReport } from "../../convex/lib/runSnapshot";
import { runSnapshot } from "../../convex/lib/runSnapshot";
import type { FakeOpenRouter, FaultRule } from "./fakeOpenRouter";
import { cloneRecording, countRaw, endpointsKeyIn, familyOf, fingerprint, GOLDEN_2026_PATHS, loadRecording, soleListedEntry, type RawRecording } from "./recording";

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
  /** Entity rows the run inserted. */
  added: number;
  /** Entity rows whose content the run changed. */
  updated: number;
  /** Entity rows the run newly marked unavailable. */
  removed: number;
  /** Drift-ledger rows the run added: upstream fields never seen before. */
  new_fields: number;
};

export type FaultCase = {
  name: string;
  expected: Outcome;
  /** Hand edits to the recording for the faulted run. */
  edit?: (recording: RawRecording) => void;
  faults?: FaultRule[];
  /** Text the run's health must contain, where the outcome alone does not say why. */
  healthIncludes?: string;
};

/** The recording every case starts from: the 2026-shaped golden catalogue, keyed by the v1 paths. */
export function loadFaultBaseline(): RawRecording {
  return loadRecording(GOLDEN_2026_PATHS.base);
}
const MODELS_KEY = "/api/frontend/v1/catalog/models";
const endpointsKey = (permaslug: string, variant: string) => endpointsKeyIn("v1", permaslug, variant);

/** The variant every transport fault targets: two real endpoints. */
export const TARGET_VARIANT = endpointsKey("liquid/lfm-7b", "standard");
const MULTI_VARIANT = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
/** An alias added by one case: were it ever requested, this key answers 500 and shows as a failed fetch. */
const ALIAS_SLUG = "~meta-llama/llama-scout-latest";
/** Retry settings for the faulted run: fast, and a short timeout for the hang case. */
export const FAULT_RUN_REMOTE = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 750, retryAfterCapMs: 2_000 };
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);

const NOTHING = { issues: 0, failed_fetches: 0, retried: 0, added: 0, updated: 0, removed: 0, new_fields: 0 };
const ok = (over: Partial<Outcome> = {}): Outcome => ({ status: "ok", ok: true, ...NOTHING, ...over });
const runFailed: Outcome = { status: "failed", ok: false, ...NOTHING };
/** Endpoint records in the baseline's target list, counted from the raw recording. */
const targetEndpoints = loadFaultBaseline()[TARGET_VARIANT].data.length;
const listKeys = Object.keys(loadFaultBaseline()).filter((key) => key !== MODELS_KEY).sort();
const variantLists = listKeys.length;
/** Every other endpoint list: far above the share guard's 20% if each were taken as a removal. */
const halfTheLists = new Set(listKeys.filter((_, index) => index % 2 === 0));
const everyAttempt = FAULT_RUN_REMOTE.maxAttempts - 1;
const rawBaseline = countRaw(loadFaultBaseline());
/** Nine lists in ten: what an outage of the endpoint API looks like. */
const nineInTen = new Set(listKeys.filter((_, index) => index % 10 !== 0));
/** Every list but the first: `pricing` renamed in each of their records, as a real schema change would. */
const renamedLists = listKeys.slice(1);
/** Distinct records in those lists (identical records under two keys are one validation issue). */
const renamedRecords = new Set(renamedLists.flatMap((key) => loadFaultBaseline()[key].data.map(({ pricing, ...record }: any) => fingerprint({ ...record, price: pricing })))).size;
const INVALID_ENTRIES = 1_000;
const REVERSION_SUFFIX = "-r2";

/** A slug with a valid `standard` and a valid `free` entry, both with endpoints. */
function twoVariantSlug(recording: RawRecording): { standard: any; free: any } {
  const entries: any[] = recording[MODELS_KEY].data;
  for (const standard of entries) {
    if (standard.endpoint?.variant !== "standard") continue;
    const free = entries.find((e) => e.slug === standard.slug && e.endpoint?.variant === "free");
    const others = entries.filter((e) => e.slug === standard.slug).length;
    if (free && others === 2) return { standard, free };
  }
  throw new Error("no slug with exactly a standard and a free entry");
}

/** Every non-alias permaslug gains a suffix, and its endpoint lists move to the new keys with the same records. */
function reversionEverything(recording: RawRecording): void {
  const entries: any[] = recording[MODELS_KEY].data;
  const moves = new Map<string, string>();
  for (const entry of entries) {
    if (entry.slug.startsWith("~")) continue;
    if (entry.endpoint) moves.set(endpointsKey(entry.permaslug, entry.endpoint.variant), endpointsKey(entry.permaslug + REVERSION_SUFFIX, entry.endpoint.variant));
    entry.permaslug += REVERSION_SUFFIX;
  }
  for (const [from, to] of moves) {
    if (!(from in recording)) continue;
    recording[to] = recording[from];
    delete recording[from];
  }
}

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
  // A 404 on an endpoint list is an answer: "this variant has no endpoints now".
  { name: "404 on one endpoint list: no endpoints now (not retried)", faults: [{ key: TARGET_VARIANT, fault: { kind: "status", status: 404 } }], expected: ok({ removed: targetEndpoints }) },
  {
    name: `404 on half the endpoint lists (${halfTheLists.size} of ${variantLists}): removals withheld by the share guard, run unhealthy`,
    faults: [{ key: (key) => halfTheLists.has(key), fault: { kind: "status", status: 404 } }],
    expected: { ...ok(), ok: false },
    healthIncludes: `would mark ${halfTheLists.size} of`,
  },
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
  { name: "field missing (endpoint pricing)", edit: (r) => void delete targetRecord(r).pricing, expected: ok({ issues: 1 }) },
  // Rates come and go upstream: a missing rate is not a zero rate, and not bad input.
  { name: "one rate missing from pricing (pricing.prompt)", edit: (r) => void delete targetRecord(r).pricing.prompt, expected: ok({ updated: 1 }) },
  {
    name: "non-price values inside pricing_json (kept as given, endpoint not frozen)",
    edit: (r) => {
      const record = targetRecord(r);
      record.pricing_json = { ...record.pricing_json, "x:flag": true, "x:none": null, "x:nested": { rate: "1e-6" }, "x:note": "per image" };
    },
    // One endpoint updated; 5 new ledger paths: the 4 keys, and x:nested.rate.
    expected: ok({ updated: 1, new_fields: 5 }),
  },
  {
    name: "a router alias (~ slug) in the catalogue: stored, never requested",
    edit: (r) => {
      const scoutEntry = r[MODELS_KEY].data.find((e: any) => e.endpoint && endpointsKey(e.permaslug, e.endpoint.variant) === MULTI_VARIANT);
      r[MODELS_KEY].data.push({ ...structuredClone(scoutEntry), slug: ALIAS_SLUG, permaslug: ALIAS_SLUG, name: "Meta: Llama Scout (latest)" });
    },
    faults: [{ key: endpointsKey(ALIAS_SLUG, "standard"), fault: { kind: "status", status: 500 } }],
    expected: ok({ added: 1 }),
  },
  { name: "field null (model name)", edit: (r) => void (loneModelEntry(r).name = null), expected: ok({ issues: 1 }) },
  { name: "field of the wrong type (is_free: \"yes\")", edit: (r) => void (targetRecord(r).is_free = "yes"), expected: ok({ issues: 1 }) },
  {
    name: "unknown new fields (ledgered, run healthy)",
    edit: (r) => {
      targetRecord(r).brand_new_field = { nested: [1, 2] };
      loneModelEntry(r).another_new_field = "x";
    },
    expected: ok({ new_fields: 2 }),
  },
  // A key Convex cannot store rejects its record; the ledger still notes the path the upstream sent
  // (variable_pricings is gone from the 2026 shape, so it is new there too).
  { name: "empty key in variable_pricings", edit: (r) => void (targetRecord(r).variable_pricings = [{ type: "t", threshold: 1, "": "0.1" }]), expected: ok({ issues: 1, new_fields: 1 }) },
  { name: "key starting with $ in features", edit: withFeatureKey("$where"), expected: ok({ issues: 1, new_fields: 1 }) },
  { name: "key starting with _ in features", edit: withFeatureKey("_id"), expected: ok({ issues: 1, new_fields: 1 }) },
  { name: "non-ASCII key in features", edit: withFeatureKey("größe"), expected: ok({ issues: 1, new_fields: 1 }) },
  { name: "key longer than 1024 chars in features", edit: withFeatureKey("k".repeat(1025)), expected: ok({ issues: 1, new_fields: 1 }) },
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
  // Health in proportion: a real outage or a real schema change makes the run unhealthy, though nothing is lost.
  {
    name: `9 in 10 endpoint lists fail (${nineInTen.size} of ${variantLists}): run unhealthy, their rows kept`,
    faults: [{ key: (key) => nineInTen.has(key), fault: { kind: "status", status: 500 } }],
    expected: { ...ok({ failed_fetches: nineInTen.size, retried: nineInTen.size * everyAttempt }), ok: false },
    healthIncludes: `${nineInTen.size} of ${variantLists} endpoint lists failed to fetch`,
  },
  {
    name: `pricing renamed upstream in ${renamedLists.length} of ${variantLists} endpoint lists: run unhealthy, their rows kept`,
    edit: (r) => {
      for (const key of renamedLists) {
        for (const record of r[key].data) {
          record.price = record.pricing;
          delete record.pricing;
        }
      }
    },
    // The ledger meets one new top-level path, price (the paths under pricing stay known).
    expected: { ...ok({ issues: renamedRecords, new_fields: 1 }), ok: false },
    healthIncludes: "endpoint records failed validation",
  },
  {
    name: `${INVALID_ENTRIES.toLocaleString("en")} invalid models entries beside the valid ones: run unhealthy`,
    edit: (r) => {
      const entry = loneModelEntry(r);
      for (let index = 0; index < INVALID_ENTRIES; index++) r[MODELS_KEY].data.push({ ...structuredClone(entry), slug: `junk/model-${index}`, name: null });
    },
    expected: { ...ok({ issues: INVALID_ENTRIES }), ok: false },
    healthIncludes: `${INVALID_ENTRIES} of ${rawBaseline.entries + INVALID_ENTRIES} models entries failed validation`,
  },
  // An invalid entry protects what it would have described.
  {
    name: "invalid standard entry of a slug whose free entry is valid: the model row and its endpoints kept",
    edit: (r) => void (twoVariantSlug(r).standard.name = null),
    expected: ok({ issues: 1 }),
  },
  {
    name: "models entry without a slug: no model removed this run, run unhealthy",
    edit: (r) => void delete soleListedEntry(r, [TARGET_VARIANT]).entry.slug,
    expected: { ...ok({ issues: 1 }), ok: false },
    healthIncludes: "1 models entry without a readable slug",
  },
  // A catalogue-wide re-version moves every endpoint: old rows marked "moved to …", new rows inserted, the guard untouched.
  {
    name: `every permaslug gains a suffix: ${rawBaseline.endpoints} endpoints moved, not removed`,
    edit: reversionEverything,
    expected: ok({ added: rawBaseline.endpoints, removed: rawBaseline.endpoints, updated: rawBaseline.models - rawBaseline.aliases }),
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

/** Whether a result is what its row expects: the outcome, 0 rows lost, and the health it names. */
export function faultCasePassed(result: FaultResult): boolean {
  const { expected, healthIncludes } = result.case;
  return describeOutcome(result.observed) === describeOutcome(expected) && result.rows_lost === 0 && (healthIncludes === undefined || result.report.health.includes(healthIncludes));
}

type RowDoc = { _id: string; unavailable_at: number | null; content_hash: string };
async function readRows(t: Backend): Promise<Map<string, RowDoc & { json: string }>> {
  const pairs: [string, RowDoc & { json: string }][] = await t.run(async (ctx) => {
    const rows: RowDoc[] = [...(await ctx.db.query("or_models").collect()), ...(await ctx.db.query("or_endpoints").collect())];
    return rows.map((row) => [row._id, { ...row, json: JSON.stringify(row) }]);
  });
  return new Map(pairs);
}

async function countLedger(t: Backend): Promise<number> {
  return t.run(async (ctx) => (await ctx.db.query("upstream_fields").collect()).length);
}

/**
 * Runs one case on a fresh backend `t` against the fake server: a clean baseline run, then the
 * faulted run. The server's recording must be the function form reading `recordingRef`.
 */
export async function runFaultCase(t: Backend, server: FakeOpenRouter, recordingRef: { current: RawRecording }, baseline: RawRecording, fault: FaultCase): Promise<FaultResult> {
  recordingRef.current = baseline;
  server.setFaults([]);
  const paths = familyOf(baseline);
  // Archival is beside the point here (tests/convex/archive*.test.ts cover it) and costs a third of each run.
  await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0, paths, archive: false }));
  const before = await readRows(t);
  const ledgerBefore = await countLedger(t);

  const faulted = cloneRecording(baseline);
  fault.edit?.(faulted);
  recordingRef.current = faulted;
  server.setFaults(fault.faults ?? []);
  server.resetCounts();
  const report: SnapshotReport = await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 + HOUR, remote: FAULT_RUN_REMOTE, paths, archive: false }));
  const distinctKeys = new Set(server.log().map((entry) => entry.key)).size;
  const issues: number = await t.run(async (ctx) => (await ctx.db.query("validation_issues").collect()).length);

  const after = await readRows(t);
  let added = 0;
  let updated = 0;
  let removed = 0;
  let deleted = 0;
  for (const [id] of after) if (!before.has(id)) added++;
  for (const [id, row] of before) {
    const now = after.get(id);
    if (!now) deleted++;
    else if (now.content_hash !== row.content_hash) updated++;
    else if (row.unavailable_at === null && now.unavailable_at !== null) removed++;
    else if (now.json !== row.json) updated++;
  }
  const rows_lost = deleted + Math.max(0, updated - fault.expected.updated) + Math.max(0, removed - fault.expected.removed);
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
      added,
      updated,
      removed,
      new_fields: (await countLedger(t)) - ledgerBefore,
    },
  };
}

export function describeOutcome(outcome: Outcome): string {
  const parts = [outcome.ok ? outcome.status : `${outcome.status}, not ok`];
  if (outcome.issues) parts.push(`${outcome.issues} validation issue${outcome.issues > 1 ? "s" : ""}`);
  if (outcome.failed_fetches) parts.push(`${outcome.failed_fetches} failed fetch${outcome.failed_fetches > 1 ? "es" : ""}`);
  if (outcome.retried) parts.push(`${outcome.retried} retr${outcome.retried > 1 ? "ies" : "y"}`);
  if (outcome.added) parts.push(`${outcome.added} added`);
  if (outcome.updated) parts.push(`${outcome.updated} updated`);
  if (outcome.removed) parts.push(`${outcome.removed} marked unavailable`);
  if (outcome.new_fields) parts.push(`${outcome.new_fields} new field${outcome.new_fields > 1 ? "s" : ""} ledgered`);
  return parts.join(", ");
}

/** The matrix as a Markdown table. */
export function faultTable(results: FaultResult[]): string {
  const lines = ["| fault | expected outcome | observed outcome | rows lost | run status |", "| --- | --- | --- | --- | --- |"];
  for (const result of results) {
    lines.push(
      `| ${result.case.name} | ${describeOutcome(result.case.expected)} | ${describeOutcome(result.observed)} | ${result.rows_lost} | ${result.report.status}${result.report.ok ? "" : ` (${result.report.health})`} |`,
    );
  }
  return lines.join("\n");
}
