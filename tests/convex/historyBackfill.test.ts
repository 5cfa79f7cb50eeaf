/**
 * history/backfill over the archives of real runs, on convex-test with transaction limits: four
 * runs of the 2026-shaped recordings through the loopback fake (the base, a telemetry-only hour, a
 * day of real changes, and the base again, which undoes them) record their history live; their
 * change rows are then deleted, and the backfill must rebuild exactly those rows from the runs'
 * archives, flagged `backfilled`, without touching an entity row. Expected rows and counts come
 * from what the runs wrote live (and their reports), never from the backfill. Also: a second
 * backfill adds nothing; a walk forced to continue after every run rebuilds the same; with live
 * history present only the runs before it are replayed; where compaction deleted a change point's
 * archive, a gap is recorded and nothing is invented for it; and a run still running makes the walk
 * wait for it.
 *
 * The runs are made once (beforeAll); each test forgets the history it needs rebuilt, and the gap
 * case, which deletes an archive, comes last but for the wait, which walks over its gap again.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { allRows, byId, documentsWritten, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { cloneRecording, GOLDEN_2026_PATHS, loadRecording, modelsKeyOf, type RawRecording } from "../support/recording";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);
const base = loadRecording(GOLDEN_2026_PATHS.base);
const RUNS: { recording: RawRecording; snapshot_at: number }[] = [
  { recording: base, snapshot_at: T0 },
  { recording: loadRecording(GOLDEN_2026_PATHS.nextHour), snapshot_at: T0 + HOUR },
  { recording: loadRecording(GOLDEN_2026_PATHS.nextDay), snapshot_at: T0 + DAY },
  { recording: baseAgainEdited(), snapshot_at: T0 + 2 * DAY },
];

/**
 * The base again (undoing the day's changes), edited by hand for the two kinds of row the golden
 * day lacks: every endpoint gets a new `pricing_version_id` (a broad rewrite), and one endpoint
 * moves to another model's list (the same id under a new key).
 */
function baseAgainEdited(): RawRecording {
  const edited = cloneRecording(base);
  const lists = Object.keys(edited).filter((key) => key !== modelsKeyOf(edited));
  for (const key of lists) for (const record of edited[key].data) record.pricing_version_id = `${record.pricing_version_id}-next`;
  const ids = lists.flatMap((key) => edited[key].data.map((record: { id: string }) => record.id));
  const from = lists.find((key) => edited[key].data.length > 1 && ids.filter((id) => id === edited[key].data[0].id).length === 1)!;
  const to = lists.find((key) => key !== from)!;
  edited[to].data.push(edited[from].data.shift());
  return edited;
}

type ChangeDoc = Doc<"or_changes">;

let t: TestConvex;
/** What the runs wrote live, as comparable rows, sorted. */
let live: ReturnType<typeof comparable>;
/** Each run's report, in order. */
const reports: { run_id: Id<"snapshot_runs">; snapshot_at: number; mutations: number; events: number }[] = [];

/** A change row without what a database or a backfill adds (`_id`, `_creationTime`, `backfilled`), in a stable order. */
function comparable(rows: ChangeDoc[]) {
  return rows
    .map(({ _id, _creationTime, backfilled, ...row }) => row)
    .sort((a, b) => a.snapshot_at - b.snapshot_at || a.entity.localeCompare(b.entity) || a.key.localeCompare(b.key) || a.event.localeCompare(b.event));
}

/** Deletes change rows (those before `before`, or all) and the history's bookkeeping, as before history existed. */
async function forgetHistory(before = Infinity) {
  await t.run(async (ctx) => {
    for (const row of await ctx.db
      .query("or_changes")
      .withIndex("by_snapshot_at", (q) => q.lt("snapshot_at", before))
      .collect())
      await ctx.db.delete(row._id);
    for (const table of ["history_state", "history_gaps", "history_backfills"] as const) {
      for (const row of await ctx.db.query(table).collect()) await ctx.db.delete(row._id);
    }
  });
}

/** Runs a backfill to its end (every continuation), returning its row. */
async function backfill(args: { budget_ms?: number } = {}) {
  vi.useFakeTimers();
  try {
    const backfill_id = await t.mutation(internal.history.backfill.start, args);
    await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
    return (await t.query(internal.history.backfill.status, { backfill_id }))!;
  } finally {
    vi.useRealTimers();
  }
}

const files = async () => (await t.run((ctx) => ctx.db.system.query("_storage").collect())).length;

afterEach(() => vi.useRealTimers());

beforeAll(async () => {
  t = setupTest();
  let recording = RUNS[0].recording;
  await withFakeOpenRouter({ recording: () => recording }, async () => {
    for (const run of RUNS) {
      recording = run.recording;
      const report = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: run.snapshot_at });
      expect(report).toMatchObject({ status: "ok", ok: true });
      reports.push({ run_id: report.run_id, snapshot_at: run.snapshot_at, mutations: report.mutations, events: report.events ?? 0 });
    }
  });
  live = comparable(await allRows(t, "or_changes"));
}, 120_000);

describe("history backfill from the archives", () => {
  it("rebuilds exactly the change rows the runs wrote live, flagged backfilled, and leaves the entity rows alone", async () => {
    // What the runs wrote live: every kind of row, none for the telemetry-only hour, and as many as their reports say.
    const kinds = new Set(live.map((row) => row.event));
    for (const kind of ["added", "updated", "removed", "returned", "moved", "rewrite"] as const) expect(kinds).toContain(kind);
    expect(live.filter((row) => row.snapshot_at === RUNS[1].snapshot_at)).toEqual([]);
    expect(live.length).toBe(reports.reduce((sum, report) => sum + report.events, 0) + live.filter((row) => row.event === "rewrite").length);

    const entities = { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
    await forgetHistory();
    const done = await backfill();

    const rebuilt = await allRows(t, "or_changes");
    expect(rebuilt.every((row) => row.backfilled === true)).toBe(true);
    expect(comparable(rebuilt)).toEqual(live);
    // Only the runs that wrote were replayed; the telemetry-only hour was passed over.
    const wrote = reports.filter((report) => report.mutations > 0);
    expect(done).toMatchObject({ status: "done", walked: RUNS.length, runs: wrote.length, lost: 0, gaps: 0, events: live.length, covered_from: T0 });
    expect(done.walk).toBeUndefined();
    expect(await t.query(api.changes.coverage, {})).toEqual({ covered_from: T0, live_from: RUNS[3].snapshot_at + 1, backfilled_from: T0, gaps: [] });
    expect(documentsWritten(entities.models, byId(await allRows(t, "or_models")))).toBe(0);
    expect(documentsWritten(entities.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);

    // A second backfill adds nothing, and rewrites no row.
    const before = byId(rebuilt);
    const again = await backfill();
    expect(again).toMatchObject({ status: "done", events: 0, gaps: 0 });
    const after = byId(await allRows(t, "or_changes"));
    expect(after.size).toBe(before.size);
    expect(documentsWritten(before, after)).toBe(0);
  });

  it("rebuilds the same when forced to continue in a new action after every run, and leaves no checkpoint file behind", async () => {
    await forgetHistory();
    const stored = await files();
    const done = await backfill({ budget_ms: 0 });
    expect(comparable(await allRows(t, "or_changes"))).toEqual(live);
    // One action per replayed run, and the one that found the end.
    expect(done).toMatchObject({ status: "done", runs: reports.filter((report) => report.mutations > 0).length, events: live.length });
    expect(done.steps).toBe(done.runs + 1);
    expect(await files()).toBe(stored);
  });

  it("with live history present, replays only the runs before it began", async () => {
    // History as if it began with the day of changes: its rows and the later ones as the runs wrote them, nothing before.
    const liveFrom = RUNS[2].snapshot_at;
    await forgetHistory();
    await t.run(async (ctx) => {
      for (const row of live.filter((row) => row.snapshot_at >= liveFrom)) await ctx.db.insert("or_changes", row);
      await ctx.db.insert("history_state", { name: "history", covered_from: liveFrom, live_from: liveFrom });
    });
    const kept = byId((await allRows(t, "or_changes")).filter((row) => row.snapshot_at >= liveFrom));
    expect(kept.size).toBeGreaterThan(0);

    const done = await backfill();
    const rows = await allRows(t, "or_changes");
    expect(comparable(rows)).toEqual(live);
    expect(rows.filter((row) => row.backfilled).every((row) => row.snapshot_at < liveFrom)).toBe(true);
    expect(documentsWritten(kept, byId(rows.filter((row) => row.snapshot_at >= liveFrom)))).toBe(0);
    const earlier = RUNS.filter((run) => run.snapshot_at < liveFrom);
    expect(done).toMatchObject({
      status: "done",
      walked: earlier.length,
      runs: reports.filter((report) => report.snapshot_at < liveFrom && report.mutations > 0).length,
    });
    expect(await t.query(api.changes.coverage, {})).toEqual({ covered_from: T0, live_from: liveFrom, backfilled_from: T0, gaps: [] });
  });

  it("records a gap where compaction deleted a change point's archive, and invents nothing for it", async () => {
    // The day of changes loses its archive, as compaction deletes a bundle: its files, its row, and a trace on its run.
    const victim = reports[2];
    await t.run(async (ctx) => {
      const bundle = (await ctx.db
        .query("archive_bundles")
        .withIndex("by_run_id", (q) => q.eq("run_id", victim.run_id))
        .unique())!;
      expect(bundle.changed).toBe(true);
      for (const part of bundle.parts) await ctx.storage.delete(part.storage_id);
      await ctx.storage.delete(bundle.index_id);
      await ctx.db.delete(bundle._id);
      await ctx.db.patch(victim.run_id, { archives_compacted: { deleted: bundle.requests, last_at: RUNS[3].snapshot_at + DAY } });
    });
    await forgetHistory();
    const done = await backfill();

    // The base's rows are rebuilt; nothing for the lost day, nor for the run after it (what changed across the gap is unknown).
    expect(comparable(await allRows(t, "or_changes"))).toEqual(live.filter((row) => row.snapshot_at === T0));
    expect(done).toMatchObject({ status: "done", lost: 1, gaps: 1, runs: reports.filter((report) => report.mutations > 0).length - 1 });
    const coverage = await t.query(api.changes.coverage, {});
    expect(coverage).toMatchObject({ covered_from: RUNS[3].snapshot_at, backfilled_from: T0 });
    expect(coverage.gaps).toHaveLength(1);
    expect(coverage.gaps[0]).toMatchObject({ from: T0, to: RUNS[3].snapshot_at });
    expect(coverage.gaps[0].reason).toContain("deleted by compaction");
  });

  it("waits for a run still running, then goes on; a walk over the same gap again adds nothing", async () => {
    // The rows and the gap the last walk rebuilt stay; without the state it wrote, the walk goes up to the newest run.
    await t.run(async (ctx) => {
      for (const row of await ctx.db.query("history_state").collect()) await ctx.db.delete(row._id);
    });
    vi.useFakeTimers();
    const running = await t.run((ctx) =>
      ctx.db.insert("snapshot_runs", {
        snapshot_at: RUNS[3].snapshot_at + HOUR,
        started_at: Date.now(),
        status: "running",
        config: { output: "convex", source: "remote", maxConcurrency: 8 },
      }),
    );
    const backfill_id = await t.mutation(internal.history.backfill.start, {});
    /** Moves the fake clock past a scheduled action's time, and lets it run to its end. */
    const step = async (ms: number) => {
      vi.advanceTimersByTime(ms);
      await t.finishInProgressScheduledFunctions();
    };
    await step(1_000);
    // It looked at every run before the one running, and waits (a minute) to look at it again.
    expect(await t.query(internal.history.backfill.status, { backfill_id })).toMatchObject({ status: "running", walked: RUNS.length, steps: 2, events: 0 });
    await t.run((ctx) => ctx.db.patch(running, { status: "skipped" }));
    await step(61_000);
    expect(await t.query(internal.history.backfill.status, { backfill_id })).toMatchObject({ status: "done", walked: RUNS.length + 1, events: 0, gaps: 0, lost: 1 });
    expect(await allRows(t, "history_gaps")).toHaveLength(1);
  });
});
