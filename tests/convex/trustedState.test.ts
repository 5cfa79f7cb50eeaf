/**
 * State a history can trust, end to end on convex-test with transaction limits over the
 * 2026-shaped recordings: replays never rewind the tables, a replay of incomplete archives fails
 * before it writes, the rolling guard stops a drip of removals, withheld removals can be
 * accepted, a returning entity keeps its `changed_at`, dry runs and replays never take the lease,
 * and no row's timestamps ever move backwards. Expected figures come from the raw recordings,
 * the next-day change list (tests/golden/README.md) or hand-made cases; what a run wrote is read
 * from the tables before and after. The single-run cases (invalid entries, moves, proportional
 * health) are rows of the fault matrix (tests/support/faultMatrix.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { runSnapshot } from "../../convex/lib/runSnapshot";
import { allRows, byId, documentsWritten, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { cloneRecording, countRaw, endpointsKeyIn, GOLDEN_2026_PATHS, loadChangeManifest, loadRecording, modelsKeyOf, type RawRecording } from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const raw = countRaw(base);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);

afterEach(() => vi.useRealTimers());

async function entityTables(t: TestConvex) {
  return { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
}

async function entityWrites(t: TestConvex, before: Awaited<ReturnType<typeof entityTables>>) {
  const after = await entityTables(t);
  return documentsWritten(before.models, after.models) + documentsWritten(before.endpoints, after.endpoints) + (before.models.size + before.endpoints.size - after.models.size - after.endpoints.size);
}

/** Every row's bookkeeping is in time order: nothing marked or returned before it was first seen. */
async function expectTimestampsInOrder(t: TestConvex) {
  for (const row of [...(await allRows(t, "or_models")), ...(await allRows(t, "or_endpoints"))]) {
    expect(row.changed_at).toBeGreaterThanOrEqual(row.first_seen_at);
    if (row.unavailable_at !== null) expect(row.unavailable_at).toBeGreaterThanOrEqual(row.first_seen_at);
    if (row.returned_at !== undefined) expect(row.returned_at).toBeGreaterThanOrEqual(row.first_seen_at);
  }
}

/** The newest timestamp each row holds, by id: none may ever be lower after a run. */
async function newestTimestamps(t: TestConvex): Promise<Map<string, number>> {
  const rows = [...(await allRows(t, "or_models")), ...(await allRows(t, "or_endpoints"))];
  return new Map(rows.map((row) => [row._id, Math.max(row.first_seen_at, row.changed_at, row.unavailable_at ?? 0, row.returned_at ?? 0)]));
}

describe("replay semantics", () => {
  it("refuses a replay that would rewind, previews it as a dry run, backfills archives only, rebuilds only into tables holding nothing newer, and never takes the lease", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async (server) => {
      const a = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      recording = nextDay;
      const b = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY });
      expect([a.ok, b.ok]).toEqual([true, true]);
      const before = await entityTables(t);
      const timestampsBefore = await newestTimestamps(t);

      // Replaying A over B's state is refused, naming the newer run; nothing is written.
      await expect(t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id })).rejects.toThrow(new RegExp(`run ${b.run_id} .* is newer than run ${a.run_id}`));
      expect(await entityWrites(t, before)).toBe(0);

      // A dry run shows what it would do, and writes nothing: B's insertions would go.
      const manifest = loadChangeManifest();
      const preview = await t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id, output: "dry-run" });
      expect(preview).toMatchObject({ status: "ok", source: "archive", output: "dry-run" });
      expect(preview.models.unavailable).toBeGreaterThanOrEqual(manifest.models.insert.length);
      expect(preview.endpoints.unavailable).toBeGreaterThanOrEqual(manifest.endpoints.insert.length);
      expect(await entityWrites(t, before)).toBe(0);

      // The card's last run and snapshot_runs:latest are the same run.
      const card = await t.query(api.snapshots_v2.status, {});
      expect(card.last_run!.run_id).toBe((await t.query(api.snapshot_runs.latest, {}))!._id);
      expect(card.last_run!.run_id).toBe(preview.run_id);

      // While a live run holds the lease, a replay and a dry run still run; a live run is skipped.
      const holder = await t.run(async (ctx) => {
        const run_id = await ctx.db.insert("snapshot_runs", { snapshot_at: T0, started_at: Date.now(), status: "running", config: { output: "convex", source: "remote", maxConcurrency: 8 } });
        await ctx.db.insert("snapshot_lease", { name: "snapshot", run_id, expires_at: Date.now() + 60_000 });
        return run_id;
      });
      // Replaying the newest run is no rewind: it runs, and writes nothing (its content is stored).
      const replayB = await t.action(internal.snapshots_v2.runDemo, { replay_from: b.run_id });
      expect(replayB).toMatchObject({ status: "ok", ok: true, source: "archive" });
      const dry = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY, output: "dry-run" });
      expect(dry.status).toBe("ok");
      const live = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY });
      expect(live).toMatchObject({ status: "skipped" });
      expect(live.health).toContain(holder);
      await t.run(async (ctx) => {
        const lease = await ctx.db.query("snapshot_lease").withIndex("by_name", (q) => q.eq("name", "snapshot")).unique();
        await ctx.db.delete(lease!._id);
        await ctx.db.patch(holder, { status: "failed", ended_at: T0, ok: false });
      });
      expect(await entityWrites(t, before)).toBe(0);

      // A remote run stamped between A and B is a backfill: it archives its hour, and leaves the entity tables alone.
      recording = base;
      server.resetCounts();
      const backfill = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      expect(backfill).toMatchObject({ status: "ok", mutations: 0 });
      expect(backfill.entities_skipped).toContain(b.run_id);
      expect(backfill.archived).toBe(server.requestCount());
      const backfillBundle = await t.run(async (ctx) => ctx.db.query("archive_bundles").withIndex("by_run_id", (q) => q.eq("run_id", backfill.run_id)).unique());
      expect(backfillBundle!.requests).toBe(backfill.archived);
      expect(await entityWrites(t, before)).toBe(0);

      // No row's newest timestamp went back, and every row's timestamps are in order.
      for (const [id, at] of await newestTimestamps(t)) expect(at, id).toBeGreaterThanOrEqual(timestampsBefore.get(id) ?? 0);
      await expectTimestampsInOrder(t);

      // A rebuild from A is refused while the tables hold B's rows …
      const refused = await t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id, rebuild: true });
      expect(refused).toMatchObject({ status: "failed", ok: false });
      expect(refused.error).toMatch(/rebuild refused: the entity tables hold rows as of/);
      expect(await entityWrites(t, before)).toBe(0);
      // … and rebuilds A's catalogue into emptied tables.
      await t.run(async (ctx) => {
        for (const row of await ctx.db.query("or_models").collect()) await ctx.db.delete(row._id);
        for (const row of await ctx.db.query("or_endpoints").collect()) await ctx.db.delete(row._id);
      });
      const rebuilt = await t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id, rebuild: true });
      expect(rebuilt).toMatchObject({ status: "ok", ok: true });
      expect(await allRows(t, "or_models")).toHaveLength(raw.models);
      expect(await allRows(t, "or_endpoints")).toHaveLength(raw.endpoints);
      expect((await allRows(t, "or_models")).every((row) => row.first_seen_at === T0)).toBe(true);
    });
  });

  it("orders runs of one hour by start, and passes over runs that changed nothing", async () => {
    const t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      const a = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      // A replay that fails (a dry run archives nothing) and an unchanged hour write nothing: no newer state.
      const dry = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR, output: "dry-run" });
      const failed = await t.action(internal.snapshots_v2.runDemo, { replay_from: dry.run_id });
      expect(failed.status).toBe("failed");
      expect(failed.error).toContain("dry runs archive nothing");
      const unchanged = await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 + 2 * HOUR, archive: false }));
      expect(unchanged.mutations).toBe(0);
      // A replay that died running (it holds no lease, so nothing closed it) blocks nothing, and the next run closes it.
      const dead = await t.run(async (ctx) =>
        ctx.db.insert("snapshot_runs", { snapshot_at: T0 + 4 * HOUR, started_at: Date.now() - 20 * 60_000, status: "running", config: { output: "convex", source: "archive", maxConcurrency: 8 } }),
      );
      const again = await t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id });
      expect(again).toMatchObject({ status: "ok", ok: true, mutations: 0 });
      expect(await t.run(async (ctx) => ctx.db.get(dead))).toMatchObject({ status: "failed", ok: false });
      expect((await t.query(api.snapshots_v2.status, {})).in_progress).toBe(false);
      // A replay stands for its own hour.
      await expect(t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id, snapshot_at: T0 + 3 * HOUR })).rejects.toThrow(/a replay stands for the hour it replays/);

      // A later look at the same hour that changed rows is newer than A: replaying A is refused.
      recording = nextDay;
      const b = await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0, archive: false }));
      expect(b.mutations).toBeGreaterThan(0);
      const before = await entityTables(t);
      await expect(t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id })).rejects.toThrow(new RegExp(`run ${b.run_id} .* is newer than run ${a.run_id}`));
      expect(await entityWrites(t, before)).toBe(0);
    });
  });

  it("leaves a row holding anything newer than a batch alone, and marks nothing before a row was seen", async () => {
    const t = setupTest();
    const entry = base[modelsKeyOf(base)].data.find((e: any) => e.endpoint === null && !e.slug.startsWith("~"));
    // A model row seen at T0 + 2h: a batch stamped T0 + 1h must not touch it.
    await withFakeOpenRouter({ recording: base }, async () => {
      await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 + 2 * HOUR, archive: false }));
    });
    const before = await entityTables(t);
    const row = (await allRows(t, "or_models")).find((m) => m.slug === entry.slug)!;
    const { _id, _creationTime, content_hash, first_seen_at, changed_at, unavailable_at, unavailable_reason, returned_at, ...value } = row;
    const outcome = await t.mutation(internal.entities.applyBatch, {
      models: [{ value: { ...value, name: "An older name" } as never, content_hash: "older", available: true }],
      endpoints: [],
      unavailableModels: [(await allRows(t, "or_models")).find((m) => m.unavailable_at === null)!.slug],
      unavailableEndpoints: [],
      snapshot_at: T0 + HOUR,
      unavailable_at: T0 + HOUR,
    });
    expect(outcome).toMatchObject({ stale: 1, updated: 0, marked: 0 });
    expect(await entityWrites(t, before)).toBe(0);
  });
});

describe("replay of incomplete archives", () => {
  it("fails before writing when a bundle or its files are missing, names why, and stops when a part vanishes mid-replay", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: base }, async () => {
      const a = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 });
      const a2 = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + HOUR });
      expect(a2.archived).toBe(1 + raw.variantFetches);
      const before = await entityTables(t);
      const bundleOf = (run_id: Id<"snapshot_runs">) => t.run(async (ctx) => ctx.db.query("archive_bundles").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).unique());

      // A part that vanishes after the replay checked it (a compaction meanwhile) stops the run: failed, not healthy.
      const victim = (await bundleOf(a2.run_id))!.parts[0].storage_id;
      let reads = 0;
      const vanished = await t.action(async (ctx) =>
        runSnapshot({ ...ctx, storage: { ...ctx.storage, get: async (id: Id<"_storage">) => (id === victim && reads++ > 0 ? null : ctx.storage.get(id)) } } as typeof ctx, {
          replay_from: a2.run_id,
        }),
      );
      expect(vanished).toMatchObject({ status: "failed", ok: false });
      expect(vanished.error).toMatch(/vanished from file storage during the replay/);

      // A full compaction leaves A nothing: the replay says so, with the date, instead of "never archived".
      vi.useFakeTimers();
      const compactedAt = T0 + 5 * DAY;
      await t.mutation(internal.archive.compact, { policy: { telemetryForDays: 1, dailyForDays: 1 }, now: compactedAt });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
      vi.useRealTimers();
      expect(await bundleOf(a.run_id)).toBeNull();
      const date = new Date(compactedAt).toISOString().slice(0, 10);
      const compacted = await t.action(internal.snapshots_v2.runDemo, { replay_from: a.run_id, output: "dry-run" });
      expect(compacted).toMatchObject({ status: "failed", ok: false });
      expect(compacted.error).toContain(`run ${a.run_id}'s ${a.archived} archives were deleted by compaction on ${date}`);

      // The index file gone, then the part too: the replay of the newest run fails, names both, writes nothing.
      const bundle = (await bundleOf(a2.run_id))!;
      await t.run(async (ctx) => ctx.storage.delete(bundle.index_id));
      const indexGone = await t.action(internal.snapshots_v2.runDemo, { replay_from: a2.run_id });
      expect(indexGone).toMatchObject({ status: "failed", ok: false, mutations: 0 });
      expect(indexGone.error).toContain(`run ${a2.run_id} cannot be replayed whole: its bundle index file is missing from file storage; nothing was written`);
      await t.run(async (ctx) => ctx.storage.delete(bundle.parts[0].storage_id));
      const filesGone = await t.action(internal.snapshots_v2.runDemo, { replay_from: a2.run_id });
      expect(filesGone.error).toContain("its bundle index file is missing from file storage; 1 of its 1 bundle part files (part 0) are missing from file storage");
      // The row itself gone, with no compaction to say so.
      await t.run(async (ctx) => ctx.db.delete(bundle._id));
      const rowGone = await t.action(internal.snapshots_v2.runDemo, { replay_from: a2.run_id });
      expect(rowGone.error).toContain(`run ${a2.run_id} reported ${a2.archived} archived responses, but no archive of them is recorded`);
      expect(await entityWrites(t, before)).toBe(0);
    });
  });
});

describe("the rolling guard, accepting withheld removals, and returning entities", () => {
  it("withholds a drip of removals past the rolling share, lets a person accept them, and a returning model keeps its changed_at", async () => {
    const t = setupTest();
    // Available models ordered by how few endpoints they take with them, so the per-run share (20%) never trips first.
    const entries: any[] = base[modelsKeyOf(base)].data;
    const endpointsOf = new Map<string, number>();
    for (const entry of entries) {
      if (!entry.endpoint || entry.slug.startsWith("~")) continue;
      const list = base[endpointsKeyIn("v1", entry.permaslug, entry.endpoint.variant)];
      endpointsOf.set(entry.slug, (endpointsOf.get(entry.slug) ?? 0) + (list?.data.length ?? 0));
    }
    const aliasesOf = new Set(entries.filter((e) => e.slug.startsWith("~") && e.endpoint).map((e) => e.endpoint.model?.slug ?? e.endpoint.model_slug ?? ""));
    const removable = [...endpointsOf.entries()]
      .filter(([slug]) => !aliasesOf.has(slug))
      .sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1))
      .map(([slug]) => slug);
    const available = raw.availableModels;
    // 15% of what is still available, three times: 15%, 27.75%, then 38.6% of the catalogue within a day.
    const batches: string[][] = [];
    let left = available;
    for (let run = 0; run < 3; run++) {
      const size = Math.round(left * 0.15);
      batches.push(removable.slice(batches.flat().length, batches.flat().length + size));
      left -= size;
    }
    const cumulative = (n: number) => batches.slice(0, n).flat().length / available;
    expect([cumulative(2) < 0.3, cumulative(3) > 0.3]).toEqual([true, true]);
    const without = (slugs: string[]) => {
      const recording = cloneRecording(base);
      const gone = new Set(slugs);
      recording[modelsKeyOf(base)].data = recording[modelsKeyOf(base)].data.filter((e: any) => !gone.has(e.slug));
      return recording;
    };

    let recording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      const run = (hour: number) => t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 + hour * HOUR, archive: false }));
      await run(0);
      const removedModel = batches[0][0];
      const stored = (await allRows(t, "or_models")).find((m) => m.slug === removedModel)!;
      recording = without(batches.slice(0, 1).flat());
      const first = await run(1);
      recording = without(batches.slice(0, 2).flat());
      const second = await run(2);
      expect([first.health, second.health]).toEqual(["healthy", "healthy"]);
      expect([first.models.unavailable, second.models.unavailable]).toEqual([batches[0].length, batches[1].length]);

      recording = without(batches.flat());
      const third = await run(3);
      expect(third.ok).toBe(false);
      expect(third.health).toContain("rolling limit 30%");
      expect(third.models.unavailable).toBe(0);
      const record = await t.run(async (ctx) => ctx.db.get(third.run_id));
      expect(record!.withheld).toMatchObject({ models: batches[2].length });
      expect(record!.withheld!.sample.length).toBeLessThanOrEqual(20);
      expect(record!.health_reasons).toEqual([expect.stringContaining("rolling limit 30%")]);
      const card = await t.query(api.snapshots_v2.status, {});
      expect(card.last_run!.reasons).toEqual(record!.health_reasons);
      expect(card.last_run!.withheld).toMatchObject({ models: batches[2].length });
      const withheldRows = await allRows(t, "withheld_removals");
      expect(withheldRows.filter((row) => row.kind === "model").map((row) => row.slug).sort()).toEqual([...batches[2]].sort());
      const withheldEndpoints = batches[2].reduce((sum, slug) => sum + endpointsOf.get(slug)!, 0);
      expect(withheldRows.filter((row) => row.kind === "endpoint")).toHaveLength(withheldEndpoints);

      // A dry run finishing later does not hide them from the card: they stand until accepted.
      await t.run(async (ctx) =>
        ctx.db.insert("snapshot_runs", { snapshot_at: T0 + 3 * HOUR, started_at: T0, ended_at: Date.now() + 1000, status: "ok", ok: true, config: { output: "dry-run", source: "remote", maxConcurrency: 8 } }),
      );
      expect((await t.query(api.snapshots_v2.status, {})).last_run!.withheld).toMatchObject({ run_id: third.run_id, models: batches[2].length });

      // A person accepts them, naming the run.
      vi.useFakeTimers();
      await t.mutation(internal.removals.acceptWithheld, { run_id: third.run_id });
      await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
      vi.useRealTimers();
      const models = await allRows(t, "or_models");
      const accepted = models.filter((m) => batches[2].includes(m.slug));
      expect(accepted.every((m) => m.unavailable_at === T0 + 3 * HOUR && m.unavailable_reason === `withheld by run ${third.run_id}, accepted`)).toBe(true);
      expect(await allRows(t, "withheld_removals")).toEqual([]);
      expect((await t.run(async (ctx) => ctx.db.get(third.run_id)))!.withheld).toMatchObject({ accepted_rows: batches[2].length + withheldEndpoints });
      // Each row accepted is history: removed, as of the run that withheld it.
      const acceptedChanges = (await allRows(t, "or_changes")).filter((row) => row.reason === `withheld by run ${third.run_id}, accepted`);
      expect(acceptedChanges).toHaveLength(batches[2].length + withheldEndpoints);
      expect(acceptedChanges.every((row) => row.event === "removed" && row.snapshot_at === T0 + 3 * HOUR && row.run_id === third.run_id)).toBe(true);
      expect((await t.query(api.snapshots_v2.status, {})).last_run!.withheld).toBeNull();
      await expect(t.mutation(internal.removals.acceptWithheld, { run_id: third.run_id })).rejects.toThrow(/already accepted/);

      // The next hour finds nothing more to remove: healthy again.
      const fourth = await run(4);
      expect(fourth).toMatchObject({ ok: true, health: "healthy" });

      // Everything returns with the content it had: unavailable_at cleared, returned_at set, changed_at kept.
      recording = base;
      const fifth = await run(5);
      expect(fifth.ok).toBe(true);
      const back = (await allRows(t, "or_models")).find((m) => m.slug === removedModel)!;
      expect(back).toMatchObject({ unavailable_at: null, returned_at: T0 + 5 * HOUR, changed_at: stored.changed_at, content_hash: stored.content_hash });
      expect(back.unavailable_reason).toBeUndefined();
      await expectTimestampsInOrder(t);
    });
  });
});

describe("accepting withheld removals", () => {
  it("pages through more than one mutation's worth, refuses a second call while under way, and counts every row", async () => {
    const t = setupTest();
    // A run that withheld 150 endpoint removals (hand-made rows: 150 available endpoints of one model).
    const ROWS = 150;
    const run_id = await t.run(async (ctx) => {
      const run_id = await ctx.db.insert("snapshot_runs", {
        snapshot_at: T0,
        started_at: T0,
        ended_at: T0 + 1,
        status: "ok",
        ok: false,
        config: { output: "convex", source: "remote", maxConcurrency: 8 },
        report: { models: { total: 0, insert: 0, update: 0, stable: 0, unavailable: 0 }, endpoints: { total: 0, insert: 0, update: 0, stable: 0, unavailable: 0 }, issues: 0, mutations: 0 },
        withheld: { reason: "would mark …", models: 0, endpoints: ROWS, sample: [] },
      });
      for (let index = 0; index < ROWS; index++) {
        await ctx.db.insert("withheld_removals", { run_id, kind: "endpoint", slug: "m", model_permaslug: "m", variant: "standard", endpoint_id: `e${index}` });
      }
      return run_id;
    });
    // Every withheld key names a stored, available endpoint row.
    await withFakeOpenRouter({ recording: base }, async () => {
      await t.action(async (ctx) => runSnapshot(ctx, { snapshot_at: T0 - HOUR, archive: false }));
    });
    const template = (await allRows(t, "or_endpoints"))[0];
    await t.run(async (ctx) => {
      const { _id, _creationTime, ...fields } = template;
      for (let index = 0; index < ROWS; index++) await ctx.db.insert("or_endpoints", { ...fields, model_slug: "m", model_permaslug: "m", variant: "standard", endpoint_id: `e${index}` });
    });
    vi.useFakeTimers();
    expect(await t.mutation(internal.removals.acceptWithheld, { run_id })).toEqual({ marked: 100, remaining: true });
    await expect(t.mutation(internal.removals.acceptWithheld, { run_id })).rejects.toThrow(/being accepted already/);
    await t.finishAllScheduledFunctions(vi.runAllTimers, 100);
    vi.useRealTimers();
    const marked = (await allRows(t, "or_endpoints")).filter((row) => row.model_slug === "m" && row.unavailable_at === T0);
    expect(marked).toHaveLength(ROWS);
    expect((await t.run(async (ctx) => ctx.db.get(run_id)))!.withheld).toMatchObject({ accepted_rows: ROWS });
    expect((await t.run(async (ctx) => ctx.db.get(run_id)))!.withheld!.accepting_since).toBeUndefined();

    // The rolling guard counts what vanished, never accepted removals or moves: 2 gone + 3 marked before reasons were kept.
    const window = { table: "or_endpoints" as const, since: T0 - DAY, until: T0, cap: 2_000 };
    expect(await t.query(internal.removals.recentRemovals, window)).toBe(0);
    await t.run(async (ctx) => {
      const reasons = ["gone upstream", "gone upstream", undefined, undefined, undefined, `moved to ["m2","standard","e5"]`];
      for (const [index, row] of marked.slice(0, reasons.length).entries()) await ctx.db.patch(row._id, { unavailable_reason: reasons[index] });
    });
    expect(await t.query(internal.removals.recentRemovals, window)).toBe(5);
    expect(await t.query(internal.removals.recentRemovals, { ...window, cap: 4 })).toBe(4);
  });
});
