/**
 * Run metrics, health, de-duplicated validation issues and the dashboard status query, on
 * convex-test with transaction limits. Expected figures come from the raw recording, from the
 * tables read directly, or from hand-made edits.
 */
import { describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { STALE_AFTER_MS } from "../../convex/snapshots_v2";
import { allRows, byId, callsTo, documentsWritten, runCounted, setupTest, withFakeOpenRouter } from "./setup";
import { cloneRecording, countRaw, fingerprint, loadGolden, MODELS_KEY, type RawRecording } from "../support/recording";

const golden = loadGolden();
const raw = countRaw(golden);
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);
const FAST = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 2000 };

describe("snapshot_runs metrics", () => {
  it("records what each pipeline processed and what each writer did, in one patch", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const { report, calls } = await runCounted(t, { snapshot_at: T0, maxConcurrency: 4 });
      const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
      const stored = (await allRows(t, "or_models")).length + (await allRows(t, "or_endpoints")).length;
      expect(run).toMatchObject({
        snapshot_at: T0,
        status: "ok",
        ok: true,
        health: "healthy",
        config: { output: "convex", source: "remote", maxConcurrency: 4 },
        metrics: {
          pipelines: { standard: { models: raw.models, endpoints: raw.endpoints, errors: 0 } },
          writers: { convex: { insert: stored, update: 0, stable: 0, unavailable: 0 } },
          errors: 0,
        },
      });
      expect(stored).toBe(raw.models + raw.endpoints);
      expect(run!.duration_ms).toBe(run!.ended_at! - run!.started_at);
      expect(run!.ended_at!).toBeGreaterThanOrEqual(run!.started_at);
      // The metrics sink patched the run document once; the insert at start is not a patch.
      expect(callsTo(calls, "snapshot_runs:complete")).toBe(1);
      expect(callsTo(calls, "snapshot_runs:start")).toBe(1);

      const second = await runCounted(t, { snapshot_at: T0 + HOUR, output: "both" });
      const secondRun = await t.run(async (ctx) => ctx.db.get(second.report.run_id));
      expect(secondRun!.metrics!.writers).toEqual({
        convex: { insert: 0, update: 0, stable: stored, unavailable: 0 },
        "dry-run": { insert: 0, update: 0, stable: stored, unavailable: 0 },
        issues: { insert: 0, update: 0, stable: 0, unavailable: 0 },
      });
      expect(callsTo(second.calls, "snapshot_runs:complete")).toBe(1);
    });
  });

  it("records a run that throws as failed with its message, in at most two patches, writing no entity", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async (server) => {
      await runCounted(t, { snapshot_at: T0 });
      const before = byId(await allRows(t, "or_models"));
      server.setFaults([{ key: MODELS_KEY, fault: { kind: "status", status: 503 } }]);
      const { report, calls } = await runCounted(t, { snapshot_at: T0 + HOUR, remote: FAST });
      const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
      expect(run).toMatchObject({ status: "failed", ok: false });
      expect(run!.error).toContain("/api/frontend/models");
      expect(run!.error).toContain("HTTP 503");
      expect(run!.health).toMatch(/^failed: /);
      expect(callsTo(calls, "snapshot_runs:complete")).toBeLessThanOrEqual(2);
      expect(documentsWritten(before, byId(await allRows(t, "or_models")))).toBe(0);
    });
  });
});

describe("health checks", () => {
  it("a zero-model recording is ok: false with its reason", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: { [MODELS_KEY]: { data: [] } } }, async () => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
      expect(run).toMatchObject({ status: "ok", ok: false, health: "unhealthy: 0 models" });
    });
  });

  it("a recording missing more than 20% of the previous run's endpoints marks nothing and is ok: false", async () => {
    const t = setupTest();
    let recording: RawRecording = golden;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = byId(await allRows(t, "or_endpoints"));
      // Empty a quarter of the endpoint lists: > 20% of stored endpoints vanish.
      const partial = cloneRecording(golden);
      const emptied = [...raw.variantKeys].slice(0, Math.ceil(raw.variantFetches / 4));
      let removed = 0;
      for (const key of emptied) {
        removed += partial[key].data.length;
        partial[key].data = [];
      }
      expect(removed / raw.endpoints).toBeGreaterThan(0.2);
      recording = partial;

      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
      expect(run!.ok).toBe(false);
      expect(run!.health).toContain(`would mark ${removed} of ${raw.endpoints} endpoints unavailable`);
      expect(documentsWritten(before, byId(await allRows(t, "or_endpoints")))).toBe(0);
      expect(run!.metrics!.writers!.convex.unavailable).toBe(0);

      // The share is configurable: allowed at 50%, the same run marks them.
      const allowed = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + 2 * HOUR, maxUnavailableShare: 0.5 });
      expect(allowed.ok).toBe(true);
      expect(allowed.endpoints.unavailable).toBe(removed);
    });
  });
});

describe("validation issues", () => {
  it("the same broken item across three runs is one row with count 3 and correct first and last seen", async () => {
    const t = setupTest();
    const broken = cloneRecording(golden);
    const victim = broken[MODELS_KEY].data.findIndex((e: any) => e.endpoint === null);
    broken[MODELS_KEY].data[victim].features = { _private: true };
    const runIds: string[] = [];
    await withFakeOpenRouter({ recording: broken }, async () => {
      for (let hour = 0; hour < 3; hour++) {
        const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + hour * HOUR });
        expect(report.issues).toBe(1);
        runIds.push(report.run_id);
      }
    });
    const issues = await allRows(t, "validation_issues");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      source: "models",
      sha256: fingerprint(broken[MODELS_KEY].data[victim]),
      count: 3,
      first_seen_at: T0,
      last_seen_at: T0 + 2 * HOUR,
      last_run_id: runIds[2],
    });
    expect(issues[0].message).toContain("_private");
    const runs = await Promise.all(runIds.map((id) => t.run(async (ctx) => ctx.db.get(id as never))));
    for (const run of runs) expect((run as any).metrics.errors).toBe(1);
    // The issue writer's own stats: new to the table in the first run, counted up after.
    expect(runs.map((run) => (run as any).metrics.writers.issues)).toEqual([
      { insert: 1, update: 0, stable: 0, unavailable: 0 },
      { insert: 0, update: 1, stable: 0, unavailable: 0 },
      { insert: 0, update: 1, stable: 0, unavailable: 0 },
    ]);
    expect(await t.query(api.validation_issues.recent, {})).toHaveLength(1);
  });
});

describe("snapshots_v2.status", () => {
  it("answers with no runs, after a good run, after a failed run, and with a stale running run", async () => {
    const t = setupTest();
    expect(await t.query(api.snapshots_v2.status, {})).toEqual({
      last_run: null,
      last_success_at: null,
      in_progress: false,
      stale: false,
      running_since: null,
      new_fields_7d: 0,
    });

    const recording: RawRecording = golden;
    await withFakeOpenRouter({ recording: () => recording }, async (server) => {
      const good = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const afterGood = await t.query(api.snapshots_v2.status, {});
      expect(afterGood).toMatchObject({
        last_run: {
          run_id: good.run_id,
          status: "ok",
          ok: true,
          errors: 0,
          models: { processed: raw.models, updated: raw.models },
          endpoints: { processed: raw.endpoints, updated: raw.endpoints },
        },
        last_success_at: T0,
        in_progress: false,
        stale: false,
      });
      expect(afterGood.last_run!.duration_ms).toBeGreaterThanOrEqual(0);

      server.setFaults([{ key: MODELS_KEY, fault: { kind: "html" } }]);
      const failed = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR, remote: FAST });
      const afterFailed = await t.query(api.snapshots_v2.status, {});
      expect(afterFailed).toMatchObject({ last_run: { run_id: failed.run_id, status: "failed", ok: false }, last_success_at: T0 });
      expect(afterFailed.last_run!.errors).toBeGreaterThan(0);
    });

    const started_at = Date.UTC(2025, 4, 20, 15);
    await t.run(async (ctx) =>
      ctx.db.insert("snapshot_runs", { snapshot_at: T0 + 3 * HOUR, started_at, status: "running", config: { output: "convex", source: "remote", maxConcurrency: 8 } }),
    );
    expect(await t.query(api.snapshots_v2.status, { now: started_at + 60_000 })).toMatchObject({ in_progress: true, stale: false, running_since: started_at });
    expect(await t.query(api.snapshots_v2.status, { now: started_at + STALE_AFTER_MS + 1 })).toMatchObject({ in_progress: false, stale: true });
  });
});
