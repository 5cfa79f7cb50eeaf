/**
 * snapshots_v2:runDemo end to end on convex-test with transaction limits, over the real HTTP
 * path: the remote transport fetches from a loopback fake serving a recording. Expected figures
 * come from the raw recording or from the hand-made edits in each test; writes are counted by
 * reading the tables before and after, not from the writer's statistics.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import crons from "../../convex/crons";
import { allRows, byId, callsTo, documentsWritten, readBundle, runCounted, setupTest, withFakeOpenRouter } from "./setup";
import { cloneRecording, countRaw, endpointsKey, loadGolden, MODELS_KEY, type RawRecording } from "../support/recording";

const golden = loadGolden();
const raw = countRaw(golden);
const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 4, 20, 12);
/** Fast retries: the defaults wait seconds between attempts. */
const FAST = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 2000 };

function contentOf(row: Record<string, unknown>) {
  const { _id, _creationTime, ...content } = row;
  return content;
}

describe("runDemo over the golden recording", () => {
  it("stores exactly the models and endpoints the raw recording holds, and a second run writes nothing", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const first = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(first).toMatchObject({ status: "ok", ok: true });
      const models = await allRows(t, "or_models");
      const endpoints = await allRows(t, "or_endpoints");
      expect(models).toHaveLength(raw.models);
      expect(new Set(models.map((m) => m.slug)).size).toBe(raw.models);
      expect(endpoints).toHaveLength(raw.endpoints);
      expect(new Set(endpoints.map((e) => `${endpointsKey(e.model_permaslug, e.variant)}#${e.endpoint_id}`))).toEqual(
        new Set([...raw.variantKeys].flatMap((key) => golden[key].data.map((r: any) => `${key}#${r.id}`))),
      );
      expect(models.every((m) => m.first_seen_at === T0 && m.changed_at === T0)).toBe(true);
      // Availability is having endpoints: a slug whose entries all have `endpoint: null` is stored, marked unavailable.
      expect(models.filter((m) => m.unavailable_at === null)).toHaveLength(raw.availableModels);
      expect(models.filter((m) => m.unavailable_at === T0).every((m) => m.variants.length === 0)).toBe(true);

      const before = { models: byId(models), endpoints: byId(endpoints) };
      const { report: second, calls } = await runCounted(t, { snapshot_at: T0 + HOUR });
      expect(second.status).toBe("ok");
      expect(calls.filter((call) => call.startsWith("or_"))).toEqual([]);
      expect(documentsWritten(before.models, byId(await allRows(t, "or_models")))).toBe(0);
      expect(documentsWritten(before.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);
      expect(second.mutations).toBe(0);
    });
  });

  it("writes exactly N updates, M inserts and K removals, batched ⌈changes/100⌉ per table", async () => {
    const t = setupTest();
    let recording: RawRecording = golden;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };

      const next = cloneRecording(golden);
      const singleKeys = [...raw.variantKeys].filter((key) => next[key].data.length === 1);
      // N = 150 endpoint price changes.
      const changedKeys = singleKeys.slice(0, 150);
      for (const key of changedKeys) next[key].data[0].pricing.completion = "0.123";
      // N = 2 model changes: a description and a context length.
      const changedModels = next[MODELS_KEY].data.filter((e: any) => e.endpoint === null).slice(-2);
      changedModels[0].description = "Edited by hand.";
      changedModels[1].context_length = 4242;
      // M = 2 new endpoints in the 11-endpoint list; 1 new model with no active variant.
      const scoutKey = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
      for (const n of [1, 2]) next[scoutKey].data.push({ ...structuredClone(next[scoutKey].data[0]), id: `00000000-0000-4000-8000-00000000000${n}` });
      next[MODELS_KEY].data.push({ ...structuredClone(next[MODELS_KEY].data.find((e: any) => e.endpoint === null)), slug: "test/new", permaslug: "test/new", name: "Test: New" });
      // K = 3 endpoints removed from the scout list; 2 models (each a slug's only entry, with one
      // single-endpoint list of its own) leave the catalogue, and take their endpoint with them.
      const removedIds = next[scoutKey].data.splice(1, 3).map((r: any) => r.id);
      const listUsers = new Map<string, number>();
      for (const e of next[MODELS_KEY].data) if (e.endpoint) listUsers.set(endpointsKey(e.permaslug, e.endpoint.variant), (listUsers.get(endpointsKey(e.permaslug, e.endpoint.variant)) ?? 0) + 1);
      const slugEntries = new Map<string, number>();
      for (const e of next[MODELS_KEY].data) slugEntries.set(e.slug, (slugEntries.get(e.slug) ?? 0) + 1);
      const removable = next[MODELS_KEY].data.filter((e: any) => {
        if (!e.endpoint || slugEntries.get(e.slug) !== 1) return false;
        const key = endpointsKey(e.permaslug, e.endpoint.variant);
        return listUsers.get(key) === 1 && next[key].data.length === 1 && !changedKeys.includes(key);
      });
      const removedSlugs: string[] = [];
      for (const entry of removable.slice(0, 2)) {
        next[MODELS_KEY].data.splice(next[MODELS_KEY].data.indexOf(entry), 1);
        removedSlugs.push(entry.slug);
        removedIds.push(next[endpointsKey(entry.permaslug, entry.endpoint.variant)].data[0].id);
      }
      recording = next;

      const { report, calls } = await runCounted(t, { snapshot_at: T0 + HOUR });
      const models = await allRows(t, "or_models");
      const endpoints = await allRows(t, "or_endpoints");
      expect(report.endpoints).toMatchObject({ update: 150, insert: 2, unavailable: 3 + 2 });
      expect(report.models).toMatchObject({ update: 2, insert: 1, unavailable: 2 });
      expect(documentsWritten(before.endpoints, byId(endpoints))).toBe(150 + 2 + 3 + 2);
      expect(documentsWritten(before.models, byId(models))).toBe(2 + 1 + 2);
      expect(models.filter((m) => m.changed_at === T0 + HOUR).map((m) => m.slug).sort()).toEqual(
        [...changedModels.map((e: any) => e.slug), "test/new"].sort(),
      );
      expect(endpoints.filter((e) => e.unavailable_at !== null).map((e) => e.endpoint_id).sort()).toEqual([...removedIds].sort());
      // The 2 removed models, and the new one, which has no endpoint and so is stored unavailable.
      expect(models.filter((m) => m.unavailable_at === T0 + HOUR).map((m) => m.slug).sort()).toEqual([...removedSlugs, "test/new"].sort());
      expect(endpoints.filter((e) => e.pricing.completion === 0.123)).toHaveLength(150);
      expect(endpoints.filter((e) => e.changed_at === T0 + HOUR && e.unavailable_at === null)).toHaveLength(152);
      // 157 endpoint and 5 model changes: ⌈162/100⌉ = 2 batches in all, so at most ⌈c/100⌉ per table too.
      expect(callsTo(calls, "entities:applyBatch")).toBe(2);
      expect(report.mutations).toBe(2);

      // Back to the original: the 2 removed models return (cleared), the 2 edited ones revert, and
      // the model that only the edit had is gone; it had no endpoint, so it was unavailable already.
      recording = golden;
      const back = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + 2 * HOUR });
      expect(back.models).toMatchObject({ update: 2 + 2, unavailable: 0 });
      const stillUnavailable = (await allRows(t, "or_models")).filter((m) => m.unavailable_at !== null).map((m) => m.slug);
      expect(stillUnavailable).toHaveLength(raw.models - raw.availableModels + 1);
      expect(stillUnavailable).toContain("test/new");
      for (const slug of removedSlugs) expect(stillUnavailable).not.toContain(slug);
      // They came back as they were: their content did not change, so neither does changed_at.
      const returned = (await allRows(t, "or_models")).filter((m) => removedSlugs.includes(m.slug));
      expect(returned.map((m) => m.changed_at)).toEqual([T0, T0]);
      expect((await allRows(t, "or_endpoints")).filter((e) => e.unavailable_at !== null).map((e) => e.endpoint_id).sort()).toEqual(
        ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"],
      );
    });
  });

  it("archives every response in one bundle, each gzip-compressed byte for byte, with its SHA-256", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      expect(await allRows(t, "archive_bundles")).toHaveLength(1);
      const bundle = (await readBundle(t, report.run_id))!;
      expect(bundle.entries).toHaveLength(1 + raw.variantFetches);
      expect(report.archived).toBe(1 + raw.variantFetches);
      expect(bundle.row).toMatchObject({ run_id: report.run_id, snapshot_at: T0, requests: 1 + raw.variantFetches, changed: true });
      expect(new Set(bundle.entries.map((e) => e.params)).size).toBe(bundle.entries.length);
      let rawBytes = 0;
      for (const entry of bundle.entries) {
        const key = entry.params === "" ? MODELS_KEY : `/api/frontend/stats/endpoint?${entry.params}`;
        const expectedBody = Buffer.from(JSON.stringify(golden[key]));
        expect(bundle.bodyOf(entry).equals(expectedBody)).toBe(true);
        expect(entry.sha256).toBe(createHash("sha256").update(expectedBody).digest("hex"));
        expect(entry.size).toBe(expectedBody.byteLength);
        rawBytes += expectedBody.byteLength;
      }
      expect(bundle.row.raw_bytes).toBe(rawBytes);
      expect(bundle.row.index_sha256).toBe(createHash("sha256").update(bundle.indexJson).digest("hex"));
      const partBytes = bundle.parts.reduce((sum, part) => sum + part.byteLength, 0);
      expect(bundle.row.parts.map((part) => part.compressed_size)).toEqual(bundle.parts.map((part) => part.byteLength));
      expect(bundle.row.compressed_bytes).toBe(partBytes + bundle.row.index_compressed_size);
    });
  });

  it("replays a run from its archives onto an empty database, with no network, to the same rows", async () => {
    const t = setupTest();
    let original: { models: unknown[]; endpoints: unknown[] } = { models: [], endpoints: [] };
    const runId = await withFakeOpenRouter({ recording: golden }, async () => {
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      original = { models: (await allRows(t, "or_models")).map(contentOf), endpoints: (await allRows(t, "or_endpoints")).map(contentOf) };
      return report.run_id;
    });
    await t.run(async (ctx) => {
      for (const row of await ctx.db.query("or_models").collect()) await ctx.db.delete(row._id);
      for (const row of await ctx.db.query("or_endpoints").collect()) await ctx.db.delete(row._id);
    });
    // No fake server now, and the base URL points at a closed port: any fetch would fail.
    process.env.OPENROUTER_BASE_URL = "http://127.0.0.1:9";
    try {
      // No snapshot_at: a replay stands for the hour it replays.
      const replay = await t.action(internal.snapshots_v2.runDemo, { replay_from: runId });
      expect(replay).toMatchObject({ status: "ok", source: "archive", archived: 0 });
    } finally {
      delete process.env.OPENROUTER_BASE_URL;
    }
    const sortBy = (rows: any[], key: (r: any) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(sortBy((await allRows(t, "or_models")).map(contentOf), (r) => r.slug)).toEqual(sortBy(original.models, (r: any) => r.slug));
    const endpointKey = (r: any) => `${r.model_permaslug}|${r.variant}|${r.endpoint_id}`;
    expect(sortBy((await allRows(t, "or_endpoints")).map(contentOf), endpointKey)).toEqual(sortBy(original.endpoints, endpointKey));
  });

  it("does not mark a variant's endpoints unavailable when its fetch failed", async () => {
    const t = setupTest();
    const scoutKey = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
    await withFakeOpenRouter({ recording: golden }, async (server) => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = byId(await allRows(t, "or_endpoints"));
      server.setFaults([{ key: scoutKey, fault: { kind: "status", status: 500 } }]);
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR, remote: FAST });
      expect(report.status).toBe("ok");
      expect(report.endpoints.unavailable).toBe(0);
      expect(report.issues).toBe(1);
      expect(server.requestsFor(scoutKey)).toBe(1 + FAST.maxAttempts);
      expect(documentsWritten(before, byId(await allRows(t, "or_endpoints")))).toBe(0);
    });
  });

  it("marks nothing unavailable when a run gets zero models", async () => {
    const t = setupTest();
    let recording: RawRecording = golden;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const before = { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
      recording = { [MODELS_KEY]: { data: [] } };
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      expect(report).toMatchObject({ ok: false, health: "unhealthy: 0 models" });
      expect(report.models.unavailable + report.endpoints.unavailable).toBe(0);
      expect(documentsWritten(before.models, byId(await allRows(t, "or_models")))).toBe(0);
      expect(documentsWritten(before.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);
    });
  });

  it("dry-run output writes no entity and reports what it would write", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const report = await t.action(internal.snapshots_v2.runDemo, { output: "dry-run", snapshot_at: T0 });
      expect(report.models.insert).toBe(raw.models);
      expect(report.endpoints.insert).toBe(raw.endpoints);
      expect(report.mutations).toBe(0);
      expect(await allRows(t, "or_models")).toHaveLength(0);
      expect(await allRows(t, "archive_bundles")).toHaveLength(0);
    });
  });

  it("rejects bad arguments with a message naming the argument", async () => {
    const t = setupTest();
    await expect(t.action(internal.snapshots_v2.runDemo, { output: "bogus" as never })).rejects.toThrow(/output/);
    await expect(t.action(internal.snapshots_v2.runDemo, { maxConcurrency: 0 })).rejects.toThrow(/maxConcurrency/);
    await expect(t.action(internal.snapshots_v2.runDemo, { maxConcurrency: 2.5 })).rejects.toThrow(/maxConcurrency/);
    await expect(t.action(internal.snapshots_v2.runDemo, { snapshot_at: -1 })).rejects.toThrow(/snapshot_at/);
    await expect(t.action(internal.snapshots_v2.runDemo, { remote: { maxAttempts: 0 } })).rejects.toThrow(/remote.maxAttempts/);
    await expect(t.action(internal.snapshots_v2.runDemo, { replay_from: "not-an-id" as never })).rejects.toThrow(/replay_from/);
  });

  it("the hourly cron targets snapshots_v2.run, which runs a live snapshot into the database", async () => {
    const jobs = (crons as unknown as { crons: Record<string, { name: string; schedule: { type: string; cron?: string } }> }).crons;
    const hourly = jobs["hourly snapshot"];
    expect(hourly.name).toBe("snapshots_v2:run");
    expect(hourly.schedule).toMatchObject({ type: "cron", cron: "5 * * * *" });

    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const report = await t.action(internal.snapshots_v2.run, {});
      expect(report).toMatchObject({ status: "ok", output: "convex", source: "remote" });
      expect(await allRows(t, "or_models")).toHaveLength(raw.models);
    });
  });
});
