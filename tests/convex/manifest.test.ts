/**
 * The catalogue manifest on convex-test with transaction limits: a deployment upgraded from before
 * it reads the tables once and builds the manifest by a self-continuing rebuild; the next run
 * decides from the manifest, reading only the chunks of the buckets its changes fall in; a row
 * edited by hand is named by `manifest:verify`, and the daily `check` rebuilds until they agree.
 * Expected figures come from the raw 2026 recordings and the next-day change list.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { getFunctionName, type FunctionReference } from "convex/server";
import { internal } from "../../convex/_generated/api";
import { runSnapshot } from "../../convex/lib/runSnapshot";
import { allRows, forgetManifest, runCounted, setupTest, withFakeOpenRouter } from "./setup";
import { cloneRecording, countRaw, GOLDEN_2026_PATHS, loadChangeManifest, loadRecording, modelsKeyOf, type RawRecording } from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const raw = countRaw(base);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the catalogue manifest", () => {
  it("is built after an upgrade, then decides alone: an unchanged hour from two roots, a day of changes from the chunks they touch", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await runCounted(t, { snapshot_at: T0 });
      // A deployment from before the manifest: the rows are there, the manifest is not.
      await forgetManifest(t);

      vi.useFakeTimers({ toFake: ["setTimeout"] });
      recording = nextHour;
      const upgrade = await runCounted(t, { snapshot_at: T0 + HOUR });
      expect(upgrade.report).toMatchObject({ status: "ok", ok: true, mutations: 0 });
      // It read the tables, as every run did before, and started the rebuild.
      expect(upgrade.queries).toContain("or_models:loadStatePage");
      expect(upgrade.queries).toContain("or_endpoints:loadStatePage");
      expect(upgrade.calls).toContain("manifest:rebuild");
      await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
      vi.useRealTimers();
      const roots = await allRows(t, "manifest_roots");
      expect(roots.map(({ table, entries, complete }) => ({ table, entries, complete })).sort((a, b) => a.table.localeCompare(b.table))).toEqual([
        { table: "or_endpoints", entries: raw.endpoints, complete: true },
        { table: "or_models", entries: raw.models, complete: true },
      ]);
      expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });

      // Unchanged: the roots alone.
      const hour = await runCounted(t, { snapshot_at: T0 + 2 * HOUR });
      expect(hour.report).toMatchObject({ status: "ok", ok: true, mutations: 0 });
      expect(hour.queries.filter((name) => name.startsWith("or_") || name.startsWith("manifest:"))).toEqual(["manifest:roots"]);

      // A day of changes: the bucket digests of each table, then only chunks where changes fall,
      // at most one per changed row (the change list, counted from the raw recordings).
      const changes = loadChangeManifest();
      const changedModels = changes.models.insert.length + changes.models.update.length + changes.models.unavailable.length;
      const changedEndpoints = changes.endpoints.insert.length + changes.endpoints.update.length + changes.endpoints.unavailable.length;
      recording = nextDay;
      const day = await runCounted(t, { snapshot_at: T0 + DAY });
      expect(day.report).toMatchObject({ status: "ok", ok: true });
      expect(day.report.models).toMatchObject({ insert: changes.models.insert.length, update: changes.models.update.length, unavailable: changes.models.unavailable.length });
      expect(day.report.endpoints).toMatchObject({
        insert: changes.endpoints.insert.length,
        update: changes.endpoints.update.length,
        unavailable: changes.endpoints.unavailable.length,
      });
      expect(day.queries.filter((name) => name.startsWith("or_"))).toEqual([]);
      expect(day.queries.filter((name) => name === "manifest:bucketDigests")).toHaveLength(2);
      // Chunks read: at least one, at most one per changed row, and far fewer than the manifest holds.
      const chunksRead = ((day.results["manifest:chunks"] ?? []) as { chunks: unknown[] }[]).reduce((sum, read) => sum + read.chunks.length, 0);
      expect(chunksRead).toBeGreaterThan(0);
      expect(chunksRead).toBeLessThanOrEqual(changedModels + changedEndpoints);
      expect((await allRows(t, "manifest_chunks")).length).toBeGreaterThan(4 * chunksRead);
      expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });
    });
  });

  it("names a row edited by hand, and the daily check rebuilds the manifest until they agree", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: base }, async () => {
      await runCounted(t, { snapshot_at: T0 });
    });
    expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true });
    const model = (await allRows(t, "or_models")).find((row) => row.unavailable_at === null && row.variants.length > 0);
    const [endpoint] = await t.run(async (ctx) => ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").take(1));
    await t.run(async (ctx) => {
      await ctx.db.patch(model!._id, { content_hash: "f".repeat(64) });
      await ctx.db.patch(endpoint!._id, { unavailable_at: T0, unavailable_reason: "edited by hand" });
    });
    const verdict = await t.action(internal.manifest.verify, {});
    expect(verdict.ok).toBe(false);
    expect(verdict.differences).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`or_models: ${model!.slug} differs (row: hash ffffffffffff…, available, listed; manifest: hash ${model!.content_hash.slice(0, 12)}…`),
        expect.stringContaining(`or_endpoints: ${JSON.stringify([endpoint!.model_permaslug, endpoint!.variant, endpoint!.endpoint_id])} differs (row: hash`),
      ]),
    );
    // Per table: the entry, its bucket's digest, its segment's digest, and the root.
    expect(verdict.tables.map(({ table, differences }) => [table, differences])).toEqual([
      ["or_models", 4],
      ["or_endpoints", 4],
    ]);

    vi.useFakeTimers({ toFake: ["setTimeout"] });
    expect(await t.action(internal.manifest.check, {})).toEqual({ ok: false, rebuilt: true });
    // Until the rebuild is done, a run would read the tables.
    expect((await allRows(t, "manifest_roots")).every((root) => !root.complete)).toBe(true);
    await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
    vi.useRealTimers();
    expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });
    expect(await t.action(internal.manifest.check, {})).toEqual({ ok: true, rebuilt: false });
  });

  it("two rebuilds never interleave, and a run that meets a rebuild begun meanwhile decides from the tables", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await runCounted(t, { snapshot_at: T0 });
      vi.useFakeTimers({ toFake: ["setTimeout"] });
      // Rebuild A clears the models' chunks; rebuild B starts before A fills them.
      await t.mutation(internal.manifest.rebuild, {});
      await t.finishInProgressScheduledFunctions();
      await t.mutation(internal.manifest.rebuild, {});
      await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
      expect((await allRows(t, "manifest_roots")).map((root) => [root.table, root.entries, root.complete]).sort()).toEqual([
        ["or_endpoints", raw.endpoints, true],
        ["or_models", raw.models, true],
      ]);
      expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });

      // A rebuild begins after the next run read the roots, before it reads the buckets it needs.
      const changes = loadChangeManifest();
      recording = nextDay;
      let began = false;
      const queries: string[] = [];
      const day = await t.action(async (ctx) =>
        runSnapshot(
          {
            ...ctx,
            runQuery: (async (reference: FunctionReference<"query", "internal">, args: Record<string, unknown>) => {
              queries.push(getFunctionName(reference));
              if (getFunctionName(reference) === "manifest:bucketDigests" && !began) {
                began = true;
                await ctx.runMutation(internal.manifest.rebuild, {});
              }
              return ctx.runQuery(reference, args);
            }) as typeof ctx.runQuery,
          },
          { snapshot_at: T0 + DAY },
        ),
      );
      expect(began).toBe(true);
      expect(queries).toContain("or_models:loadStatePage");
      expect(day).toMatchObject({ status: "ok", ok: true });
      expect(day.models).toMatchObject({ insert: changes.models.insert.length, update: changes.models.update.length, unavailable: changes.models.unavailable.length });
      expect(day.endpoints).toMatchObject({
        insert: changes.endpoints.insert.length,
        update: changes.endpoints.update.length,
        unavailable: changes.endpoints.unavailable.length,
      });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
      vi.useRealTimers();
      expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true, differences: [] });
    });
  });

  it("a model listed with no endpoint that leaves the list, or comes back to it, is put right once: later unchanged hours read only the roots", async () => {
    const t = setupTest();
    const modelsKey = modelsKeyOf(base);
    // A retired model: every entry of its slug has no endpoint now (counted from the raw list).
    const entries: any[] = base[modelsKey].data;
    const slugs = [...new Set(entries.map((entry) => entry.slug))];
    const retired = slugs.find((slug) => entries.filter((entry) => entry.slug === slug).every((entry) => entry.endpoint === null))!;
    expect(retired).toBeDefined();
    const without = cloneRecording(base);
    without[modelsKey].data = without[modelsKey].data.filter((entry: any) => entry.slug !== retired);
    let recording: RawRecording = base;
    const reason = async () => (await allRows(t, "or_models")).find((row) => row.slug === retired)!.unavailable_reason;
    const onlyRoots = (queries: string[]) => queries.filter((name) => name.startsWith("or_") || name.startsWith("manifest:"));
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await runCounted(t, { snapshot_at: T0 });
      expect(await reason()).toBe("listed with no endpoint now");
      recording = without;
      const gone = await runCounted(t, { snapshot_at: T0 + HOUR });
      expect(gone.report).toMatchObject({ status: "ok", ok: true, models: { unavailable: 0 } });
      expect(await reason()).toBe("gone upstream");
      expect(onlyRoots((await runCounted(t, { snapshot_at: T0 + 2 * HOUR })).queries)).toEqual(["manifest:roots"]);
      recording = base;
      await runCounted(t, { snapshot_at: T0 + 3 * HOUR });
      expect(await reason()).toBe("listed with no endpoint now");
      const again = await runCounted(t, { snapshot_at: T0 + 4 * HOUR });
      expect(onlyRoots(again.queries)).toEqual(["manifest:roots"]);
      expect(again.report.mutations).toBe(0);
    });
    expect(await t.action(internal.manifest.verify, {})).toMatchObject({ ok: true });
  });
});
