/**
 * snapshots_v2:runDemo over the 2026-shaped recordings, end to end on convex-test with transaction
 * limits, through the loopback fake serving the v1 paths: a fresh run, a telemetry-only hour, a
 * day of real changes, and the drift ledger meeting a field it has never seen. Expected figures
 * come from the raw recordings or the next-day change list (tests/golden/README.md); writes are
 * counted by reading the tables before and after.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { allRows, byId, callsTo, documentsWritten, forgetManifest, readBundle, runCounted, setupTest, withFakeOpenRouter } from "./setup";
import {
  atPath,
  cloneRecording,
  countRaw,
  endpointsKeyIn,
  GOLDEN_2026_PATHS,
  loadChangeManifest,
  loadRecording,
  modelsKeyOf,
  rawRates,
  type RawRecording,
} from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const raw = countRaw(base);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);
const LIQUID = endpointsKeyIn("v1", "liquid/lfm-7b", "standard");

afterEach(() => vi.restoreAllMocks());

describe("runDemo over 2026-shaped catalogues", () => {
  it("stores a fresh catalogue whole, writes nothing for a telemetry-only hour, and exactly the real changes a day later", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async (server) => {
      // A fresh run: every model, alias and endpoint, 0 issues, no alias requested.
      const first = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(first).toMatchObject({ status: "ok", ok: true, health: "healthy", issues: 0 });
      expect(first.fields).toMatchObject({ baseline: true, new: 0, written: true });
      expect(server.log().filter((entry) => entry.key.includes("permaslug=%7E"))).toEqual([]);
      const models = await allRows(t, "or_models");
      const endpoints = await allRows(t, "or_endpoints");
      expect(models).toHaveLength(raw.models);
      expect(endpoints).toHaveLength(raw.endpoints);
      expect(models.filter((m) => m.is_alias)).toHaveLength(raw.aliases);
      expect(models.filter((m) => m.unavailable_at === null)).toHaveLength(raw.availableModels);
      expect(await allRows(t, "validation_issues")).toEqual([]);
      // The ledger holds every top-level field of every raw record, and every pricing_json SKU, counted here from the raw JSON.
      const ledger = await allRows(t, "upstream_fields");
      const paths = (scope: string) => new Set(ledger.filter((f) => f.scope === scope).map((f) => f.path));
      const entries: any[] = base[modelsKeyOf(base)].data;
      const records: any[] = [...raw.variantKeys].flatMap((key) => base[key].data);
      const topLevel = (items: any[]) => new Set(items.flatMap((item) => Object.keys(item)));
      expect([...paths("model")].filter((p) => !p.includes(".")).sort()).toEqual([...topLevel(entries)].sort());
      expect([...paths("endpoint")].filter((p) => !p.includes(".")).sort()).toEqual([...topLevel(records)].sort());
      const skus = new Set(records.flatMap((r) => Object.keys(r.pricing_json ?? {}).map((sku) => `pricing_json.${sku}`)));
      expect([...paths("endpoint")].filter((p) => p.startsWith("pricing_json.")).sort()).toEqual([...skus].sort());
      expect(ledger.every((f) => f.baseline && f.present)).toBe(true);

      // Every number of every rate card reads back from the stored row as the same number.
      const rowByKey = new Map(endpoints.map((row) => [`${endpointsKeyIn("v1", row.model_permaslug, row.variant)}#${row.endpoint_id}`, row]));
      for (const key of raw.variantKeys) {
        for (const record of base[key].data) {
          const row = rowByKey.get(`${key}#${record.id}`)!;
          for (const { path, value } of rawRates(record)) expect(atPath(row, path), `${key} ${path.join(".")}`).toBe(value);
          // Telemetry is never content.
          expect(row).not.toHaveProperty("status");
          expect(row).not.toHaveProperty("stats");
        }
      }

      // One hour later, only telemetry and spellings changed: 0 entity writes, 0 ledger writes.
      const before = {
        models: byId(models),
        endpoints: byId(endpoints),
        fields: byId(await allRows(t, "upstream_fields")),
        sets: byId(await allRows(t, "upstream_field_sets")),
      };
      recording = nextHour;
      const { report: hour, calls, queries } = await runCounted(t, { snapshot_at: T0 + HOUR });
      expect(hour).toMatchObject({ status: "ok", ok: true, mutations: 0 });
      expect(callsTo(calls, "entities:applyBatch")).toBe(0);
      // Known unchanged from the manifest's two roots: no entity table, no bucket digest, no chunk read.
      expect(queries.filter((name) => name.startsWith("or_") || name.startsWith("manifest:"))).toEqual(["manifest:roots"]);
      expect(calls.filter((call) => call.startsWith("upstream_fields:"))).toEqual([]);
      // Archiving the hour is one mutation: its bundle's row.
      expect(calls.filter((call) => call.startsWith("archive:"))).toEqual(["archive:recordBundle"]);
      expect(documentsWritten(before.models, byId(await allRows(t, "or_models")))).toBe(0);
      expect(documentsWritten(before.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);
      expect(documentsWritten(before.fields, byId(await allRows(t, "upstream_fields")))).toBe(0);
      expect(documentsWritten(before.sets, byId(await allRows(t, "upstream_field_sets")))).toBe(0);

      // Its bodies all differ (telemetry), its content does not: its bundle is no change point for retention.
      const bundles = () => allRows(t, "archive_bundles").then((rows) => rows.sort((a, b) => a.snapshot_at - b.snapshot_at));
      const [baseBundle, hourBundle] = await bundles();
      expect([baseBundle!.changed, hourBundle!.changed]).toEqual([true, false]);
      expect(hourBundle!.durable_digest).toBe(baseBundle!.durable_digest);

      // A day later: exactly the listed changes.
      const manifest = loadChangeManifest();
      recording = nextDay;
      const day = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY });
      expect(day).toMatchObject({ status: "ok", ok: true, issues: 0 });
      expect(day.models).toMatchObject({ insert: manifest.models.insert.length, update: manifest.models.update.length, unavailable: manifest.models.unavailable.length });
      expect(day.endpoints).toMatchObject({
        insert: manifest.endpoints.insert.length,
        update: manifest.endpoints.update.length,
        unavailable: manifest.endpoints.unavailable.length,
      });
      const modelsAfter = await allRows(t, "or_models");
      const endpointsAfter = await allRows(t, "or_endpoints");
      const changes = manifest.models.insert.length + manifest.models.update.length + manifest.models.unavailable.length;
      expect(documentsWritten(before.models, byId(modelsAfter))).toBe(changes);
      const endpointChanges = manifest.endpoints.insert.length + manifest.endpoints.update.length + manifest.endpoints.unavailable.length;
      expect(documentsWritten(before.endpoints, byId(endpointsAfter))).toBe(endpointChanges);
      expect(modelsAfter.filter((m) => m.unavailable_at === T0 + DAY).map((m) => m.slug).sort()).toEqual([...manifest.models.unavailable].sort());
      expect(
        endpointsAfter
          .filter((e) => e.unavailable_at === T0 + DAY)
          .map((e) => `${e.model_permaslug}|${e.variant}|${e.endpoint_id}`)
          .sort(),
      ).toEqual([...manifest.endpoints.unavailable].sort());
      expect((await bundles())[2]).toMatchObject({ snapshot_at: T0 + DAY, changed: true });
      // The manifest, kept by the same mutations, still says what the rows say.
      expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });
      // Still listed, with no endpoint now: the row says so. Gone from the catalogue: its last known state stays.
      const listed = new Set(nextDay[modelsKeyOf(nextDay)].data.map((e: any) => e.slug));
      for (const slug of manifest.models.unavailable.filter((s) => listed.has(s))) expect(modelsAfter.find((m) => m.slug === slug)!.variants).toEqual([]);
    });
  });

  it("ledgers a field never seen before: in the report, the log line, the card and the queries; and marks it gone when it goes", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const edited = cloneRecording(base);
      edited[LIQUID].data[0].brand_new_field = { nested: true };
      edited[modelsKeyOf(edited)].data[0].another_new_field = "x";
      recording = edited;
      const lines: string[] = [];
      vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      vi.restoreAllMocks();
      expect(report).toMatchObject({ status: "ok", ok: true, health: "healthy" });
      expect(report.fields).toMatchObject({ new: 2, gone: 0, written: true });
      expect([...report.fields!.new_fields].sort()).toEqual(["endpoint:brand_new_field", "model:another_new_field"]);
      expect(lines.find((line) => line.includes(`snapshot ${report.run_id}`))).toContain("upstream fields: 2 new (");

      const card = await t.query(api.snapshots_v2.status, { now: T0 + 2 * HOUR });
      expect(card.new_fields_7d).toBe(2);
      const recent = await t.query(api.upstream_fields.recent, { now: T0 + 2 * HOUR });
      expect(recent.map((f) => `${f.scope}:${f.path}`).sort()).toEqual(["endpoint:brand_new_field", "model:another_new_field"]);
      expect(recent.find((f) => f.path === "brand_new_field")).toMatchObject({ mapped: false, treatment: "unmapped", count: 1, example: '{"nested":true}', present: true });
      const ledger = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof t.query<typeof api.upstream_fields.list>>> = await t.query(api.upstream_fields.list, { scope: "endpoint", paginationOpts: { numItems: 100, cursor } });
        expect(page.page.length).toBeLessThanOrEqual(100);
        ledger.push(...page.page);
        cursor = page.isDone ? null : page.continueCursor;
      } while (cursor !== null);
      expect(ledger.map((f) => f.path)).toEqual([...ledger.map((f) => f.path)].sort());
      expect(ledger.find((f) => f.path === "pricing_json")).toMatchObject({ mapped: true, treatment: "stored", baseline: true });
      expect(ledger.find((f) => f.path === "status")).toMatchObject({ mapped: false, treatment: "telemetry" });
      expect(ledger.find((f) => f.path === "display_pricing")).toMatchObject({ mapped: false, treatment: "presentation" });
      expect(ledger.find((f) => f.path === "pricing.display_pricing")).toMatchObject({ mapped: true, treatment: "stored" });

      // The field goes again: marked gone, kept in the ledger.
      recording = base;
      const after = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + 2 * HOUR });
      expect(after.fields).toMatchObject({ new: 0, gone: 2, written: true });
      const gone = (await allRows(t, "upstream_fields")).filter((f) => !f.present);
      expect(gone.map((f) => f.path).sort()).toEqual(["another_new_field", "brand_new_field"]);
      expect(gone.every((f) => f.gone_at === T0 + 2 * HOUR && f.last_seen_at === T0 + HOUR)).toBe(true);
    });
  });

  it("upgrades rows written before the 2026 shape: retired models marked with their update, telemetry dropped, the run healthy", async () => {
    const t = setupTest();
    const recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      // What an older version left: every listed slug available, its own fingerprints, telemetry on endpoints.
      await t.run(async (ctx) => {
        for (const row of await ctx.db.query("or_models").collect()) await ctx.db.patch(row._id, { unavailable_at: null, content_hash: "legacy" });
        for (const row of await ctx.db.query("or_endpoints").collect()) await ctx.db.patch(row._id, { status: -5, content_hash: "legacy" });
      });
      // … and no catalogue manifest, which came later.
      await forgetManifest(t);
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      expect(report).toMatchObject({ status: "ok", ok: true, health: "healthy" });
      expect(report.models).toMatchObject({ update: raw.models, unavailable: 0 });
      const models = await allRows(t, "or_models");
      expect(models.filter((m) => m.unavailable_at === null)).toHaveLength(raw.availableModels);
      expect(models.filter((m) => m.unavailable_at === T0 + HOUR).every((m) => m.variants.length === 0 && !m.is_alias)).toBe(true);
      expect((await allRows(t, "or_endpoints")).filter((e) => "status" in e)).toEqual([]);
    });
  });

  it("does not mark endpoint fields gone in a run where an endpoint list failed", async () => {
    const t = setupTest();
    const withField = cloneRecording(base);
    withField[LIQUID].data[0].rare_field = 1;
    let recording: RawRecording = withField;
    await withFakeOpenRouter({ recording: () => recording }, async (server) => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      // The list that carried the field fails: the field is not seen, and must not be marked gone.
      recording = base;
      server.setFaults([{ key: LIQUID, fault: { kind: "status", status: 500 } }]);
      const failed = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR, remote: { maxAttempts: 1 } });
      expect(failed.fields).toMatchObject({ gone: 0 });
      expect((await allRows(t, "upstream_fields")).find((f) => f.path === "rare_field")).toMatchObject({ present: true, gone_at: null });
      // The list answers again, without it: now it is gone.
      server.setFaults([]);
      const answered = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + 2 * HOUR });
      expect(answered.fields).toMatchObject({ gone: 1, written: true });
      expect((await allRows(t, "upstream_fields")).find((f) => f.path === "rare_field")).toMatchObject({ present: false, gone_at: T0 + 2 * HOUR });
    });
  });

  it("replays a v1 run whose endpoint list answered 404 under the legacy path family, and rejects an unknown family by name", async () => {
    const t = setupTest();
    const runId = await withFakeOpenRouter({ recording: base }, async (server) => {
      server.setFaults([{ key: LIQUID, fault: { kind: "status", status: 404 } }]);
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(report).toMatchObject({ status: "ok", issues: 0, endpoints: { total: raw.endpoints - base[LIQUID].data.length } });
      return report.run_id;
    });
    const archived = (await readBundle(t, runId))!.entries.find((entry) => entry.params === LIQUID.split("?")[1]);
    expect(archived).toMatchObject({ type: "endpoints", status: 404, size: 0 });
    await t.run(async (ctx) => {
      for (const row of await ctx.db.query("or_endpoints").collect()) await ctx.db.delete(row._id);
    });
    process.env.OPENROUTER_BASE_URL = "http://127.0.0.1:9";
    try {
      // The archive knows requests by type, not path: a v1 run replays under the legacy family too.
      const replay = await t.action(internal.snapshots_v2.runDemo, { replay_from: runId, paths: "legacy-2025" });
      expect(replay).toMatchObject({ status: "ok", source: "archive", issues: 0, endpoints: { insert: raw.endpoints - base[LIQUID].data.length } });
    } finally {
      delete process.env.OPENROUTER_BASE_URL;
    }
    await expect(t.action(internal.snapshots_v2.runDemo, { paths: "v2" })).rejects.toThrow(/paths: .*"v1", "legacy-2025", got "v2"/);
    // A deployment's bad OPENROUTER_PATHS fails the cron's run on its record, naming the variable.
    process.env.OPENROUTER_PATHS = "v2";
    try {
      const report = await t.action(internal.snapshots_v2.run, {});
      expect(report).toMatchObject({ status: "failed", ok: false });
      expect(report.error).toMatch(/^OPENROUTER_PATHS: .*got "v2"/);
      expect(await t.run(async (ctx) => ctx.db.get(report.run_id))).toMatchObject({ status: "failed", config: { paths: "v2" } });
    } finally {
      delete process.env.OPENROUTER_PATHS;
    }
  });
});
