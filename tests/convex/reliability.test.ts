/**
 * Reliability on convex-test with transaction limits: retries and timeouts through a whole run,
 * a failed variant, a failed models list, the run lease, and idempotent re-runs. Rows are compared
 * byte for byte (as JSON) before and after; counts come from the raw recording and the tables.
 */
import { describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { allRows, byId, documentsWritten, setupTest, withFakeOpenRouter } from "./setup";
import { countRaw, endpointsKey, loadGolden, MODELS_KEY } from "../support/recording";

const golden = loadGolden();
const raw = countRaw(golden);
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);
const SCOUT = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");

describe("retries and timeouts in a run", () => {
  it("a 429 then 200 succeeds after honouring Retry-After, and the run records the retry", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden, faults: [{ key: SCOUT, fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, times: 1 }] }, async (server) => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(report).toMatchObject({ status: "ok", ok: true });
      expect(server.requestsFor(SCOUT)).toBe(2);
      const run = await t.run(async (ctx) => ctx.db.get(report.run_id));
      expect(run!.metrics!.errors).toBe(1);
      expect((await allRows(t, "or_endpoints")).filter((e) => endpointsKey(e.model_permaslug, e.variant) === SCOUT)).toHaveLength(golden[SCOUT].data.length);
    });
  });

  it("a request that hangs is abandoned at the timeout and retried, inside the timeout × attempts budget", async () => {
    const t = setupTest();
    const hangMs = 120_000;
    await withFakeOpenRouter({ recording: golden, faults: [{ key: SCOUT, fault: { kind: "delay", ms: hangMs } }] }, async (server) => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0, remote: { timeoutMs: 300, maxAttempts: 2, baseDelayMs: 1 } });
      expect(server.requestsFor(SCOUT)).toBe(2);
      expect(report.status).toBe("ok");
      expect(report.issues).toBe(1);
      // The retry came only after the first attempt was abandoned at its timeout.
      const attempts = server.log().filter((entry) => entry.key === SCOUT);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(300 - 5);
      // Both attempts were abandoned: the run ended long before one hang would have.
      expect(report.duration_ms).toBeLessThan(hangMs / 4);
    });
  });
});

describe("partial failure", () => {
  it("a failed variant fetch leaves that variant's rows byte-identical", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async (server) => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const scoutRows = async () =>
        (await allRows(t, "or_endpoints")).filter((e) => endpointsKey(e.model_permaslug, e.variant) === SCOUT).map((e) => JSON.stringify(e));
      const before = await scoutRows();
      expect(before).toHaveLength(golden[SCOUT].data.length);
      server.setFaults([{ key: SCOUT, fault: { kind: "reset" } }]);
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR, remote: { maxAttempts: 2, baseDelayMs: 1 } });
      expect(report.status).toBe("ok");
      expect(await scoutRows()).toEqual(before);
    });
  });

  it("a failed models list leaves both entity tables unchanged and the run failed", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async (server) => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
      server.setFaults([{ key: MODELS_KEY, fault: { kind: "invalid-json" } }]);
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      expect(report).toMatchObject({ status: "failed", ok: false });
      expect(report.error).toContain(MODELS_KEY);
      expect(documentsWritten(before.models, byId(await allRows(t, "or_models")))).toBe(0);
      expect(documentsWritten(before.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);
      expect(await allRows(t, "or_models")).toHaveLength(raw.models);
    });
  });
});

describe("run lease", () => {
  it("two overlapping runs give one ok and one skipped run, and write once", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden, latencyMs: 5 }, async () => {
      const reports = await Promise.all([
        t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 }),
        t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 }),
      ]);
      const ok = reports.find((r) => r.status === "ok")!;
      const skipped = reports.find((r) => r.status === "skipped")!;
      expect(reports.map((r) => r.status).sort()).toEqual(["ok", "skipped"]);
      expect(skipped.mutations).toBe(0);
      // The run that held the lease wrote everything once: ⌈701/100⌉ batches.
      expect(ok.mutations).toBe(Math.ceil((raw.models + raw.endpoints) / 100));
      const skippedRun = await t.run(async (ctx) => ctx.db.get(skipped.run_id));
      expect(skippedRun).toMatchObject({ status: "skipped", skipped_for: ok.run_id, ok: false });
      // The dashboard's last run is the one that ran, not the skip.
      expect((await t.query(api.snapshots_v2.status, {})).last_run!.run_id).toBe(ok.run_id);
      expect(await allRows(t, "or_models")).toHaveLength(raw.models);
      expect(await allRows(t, "or_endpoints")).toHaveLength(raw.endpoints);
      expect((await allRows(t, "archive_bundles")).map((bundle) => [bundle.run_id, bundle.requests])).toEqual([[ok.run_id, 1 + raw.variantFetches]]);
      expect(await allRows(t, "snapshot_lease")).toHaveLength(0);
    });
  });

  it("takes over an expired lease left by a crashed run", async () => {
    const t = setupTest();
    const crashed = await t.run(async (ctx) => {
      const run_id = await ctx.db.insert("snapshot_runs", { snapshot_at: T0 - HOUR, started_at: T0 - HOUR, status: "running", config: { output: "convex", source: "remote", maxConcurrency: 8 } });
      await ctx.db.insert("snapshot_lease", { name: "snapshot", run_id, expires_at: T0 - HOUR + 60_000 });
      return run_id;
    });
    await withFakeOpenRouter({ recording: golden }, async () => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(report.status).toBe("ok");
    });
    expect(await allRows(t, "snapshot_lease")).toHaveLength(0);
    // The crashed run's record is closed for it, so the dashboard stops calling it stale.
    expect(await t.run(async (ctx) => ctx.db.get(crashed))).toMatchObject({ status: "failed", ok: false });
    expect((await t.query(api.snapshots_v2.status, {})).stale).toBe(false);
  });

  it("a live lease makes a run skip, naming the holder", async () => {
    const t = setupTest();
    const holder = await t.run(async (ctx) => {
      const run_id = await ctx.db.insert("snapshot_runs", { snapshot_at: T0, started_at: Date.now(), status: "running", config: { output: "convex", source: "remote", maxConcurrency: 8 } });
      await ctx.db.insert("snapshot_lease", { name: "snapshot", run_id, expires_at: Date.now() + 60_000 });
      return run_id;
    });
    const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
    expect(report).toMatchObject({ status: "skipped", ok: false });
    expect(report.health).toContain(holder);
    expect(await allRows(t, "or_models")).toHaveLength(0);
  });

  it("re-running the same snapshot_at converges to the same rows and duplicates nothing", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
      const again = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(again.status).toBe("ok");
      expect(byId(await allRows(t, "or_models"))).toEqual(before.models);
      expect(byId(await allRows(t, "or_endpoints"))).toEqual(before.endpoints);
    });
  });
});
