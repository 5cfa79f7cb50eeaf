/**
 * Archive retention. Bundles, on hand-made hours: the change-point flag follows the durable
 * digest whatever order bundles arrive in (a backfill fixes the next one's flag), and compaction
 * keeps change points, firsts of day and the newest, drops hours that differ only in telemetry
 * past the telemetry tier, fixes stale flags, deletes dropped bundles' files and traces their
 * runs; over 30 simulated days it leaves exactly what the policy says (counted by hand below, and
 * recomputed independently from the list of hours), through self-scheduled pages.
 *
 * Legacy per-request rows (written before bundles, still compacted by the same walk): a
 * simulated 400 days of hourly runs, where compaction must leave exactly what the policy says, no
 * blob unreferenced, no row pointing at a deleted blob, and every surviving complete run still
 * replayable; the backlog (over 16,000 deletions) is larger than one transaction may write. And on
 * hand-made hours, compaction keeps real change points even under a stale flag and fixes them.
 *
 * Simulated archives are written directly (rows, files, totals as the archiver leaves them):
 * convex-test scans a whole table per index query, so thousands of runs through the archiver
 * would take tens of minutes. The archiver itself is tested run by run in archive.test.ts.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { allRows, setupTest, type TestConvex } from "./setup";
import { endpointsKey, loadGolden, MODELS_KEY } from "../support/recording";
import { startFakeOpenRouter } from "../support/fakeOpenRouter";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAYS = 400;
const START = Date.UTC(2024, 0, 1);
const NOW = START + DAYS * DAY;

// A one-model catalogue cut from the golden recording: two request keys per run.
const golden = loadGolden();
const entry = golden[MODELS_KEY].data.find((e: any) => e.slug === "liquid/lfm-7b" && e.endpoint);
const listKey = endpointsKey(entry.permaslug, entry.endpoint.variant);
const KEYS = [
  { type: "models" as const, params: "", key: MODELS_KEY },
  { type: "endpoints" as const, params: listKey.split("?")[1], key: listKey },
];

/** The bodies of run i: the model's description changes every 10 days, the endpoint list's price every 61 hours. */
function bodiesOf(i: number): string[] {
  const models = { data: [{ ...entry, description: `${entry.description} v${Math.floor(i / (10 * 24))}` }] };
  const list = structuredClone(golden[listKey]);
  list.data[0].pricing.completion = String(0.0001 * (1 + Math.floor(i / 61)));
  return [JSON.stringify(models), JSON.stringify(list)];
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type SimRow = { run: number; snapshot_at: number; key: number; sha: string };

/** Expected survivors, from the run list and the policy's words alone. */
function expectedSurvivors(rows: SimRow[]): Set<string> {
  const keep = new Set<string>();
  for (const key of [0, 1]) {
    const series = rows.filter((r) => r.key === key).sort((a, b) => a.snapshot_at - b.snapshot_at);
    series.forEach((row, index) => {
      const age = NOW - row.snapshot_at;
      const newest = index === series.length - 1;
      const changePoint = index === 0 || series[index - 1].sha !== row.sha;
      const firstOfDay = index === 0 || Math.floor(series[index - 1].snapshot_at / DAY) !== Math.floor(row.snapshot_at / DAY);
      if (newest || age <= 30 * DAY || (age <= 365 * DAY && (changePoint || firstOfDay))) keep.add(`${row.run}:${key}`);
    });
  }
  return keep;
}

let t: TestConvex;
let simRows: SimRow[];
let runIds: Id<"snapshot_runs">[];

describe("legacy rows: compaction over 400 simulated days of hourly runs", () => {
  beforeAll(async () => {
    t = setupTest();
    simRows = [];
    const bodies = new Map<string, string>();
    for (let i = 0; i < DAYS * 24; i++) {
      bodiesOf(i).forEach((body, key) => {
        const sha = sha256(body);
        bodies.set(sha, body);
        simRows.push({ run: i, snapshot_at: START + i * HOUR, key, sha });
      });
    }
    // One stored blob per distinct body.
    const blobs = new Map<string, { storage_id: Id<"_storage">; compressed_size: number; size: number }>();
    for (const [sha, body] of bodies) {
      const gz = gzipSync(Buffer.from(body));
      const storage_id = await t.run(async (ctx) => ctx.storage.store(new Blob([gz])));
      blobs.set(sha, { storage_id, compressed_size: gz.byteLength, size: Buffer.byteLength(body) });
    }
    runIds = [];
    const RUNS_PER_TX = 1000;
    for (let first = 0; first < DAYS * 24; first += RUNS_PER_TX) {
      const rows = simRows.filter((r) => r.run >= first && r.run < first + RUNS_PER_TX);
      const previousSha = new Map<number, string>();
      for (const r of simRows.filter((s) => s.run === first - 1)) previousSha.set(r.key, r.sha);
      runIds.push(
        ...(await t.run(async (ctx) => {
          const ids: Id<"snapshot_runs">[] = [];
          for (let run = first; run < Math.min(first + RUNS_PER_TX, DAYS * 24); run++) {
            ids.push(
              await ctx.db.insert("snapshot_runs", {
                snapshot_at: START + run * HOUR,
                started_at: START + run * HOUR,
                ended_at: START + run * HOUR,
                status: "ok",
                ok: true,
                config: { output: "convex", source: "remote", maxConcurrency: 8 },
              }),
            );
          }
          for (const row of rows) {
            const blob = blobs.get(row.sha)!;
            const changed = previousSha.get(row.key) !== row.sha;
            previousSha.set(row.key, row.sha);
            await ctx.db.insert("snapshot_archives", {
              run_id: ids[row.run - first],
              snapshot_at: row.snapshot_at,
              type: KEYS[row.key].type,
              params: KEYS[row.key].params,
              storage_id: blob.storage_id,
              sha256: row.sha,
              size: blob.size,
              compressed_size: blob.compressed_size,
              changed,
            });
          }
          return ids;
        })),
      );
    }
    const refCounts = new Map<string, number>();
    for (const row of simRows) refCounts.set(row.sha, (refCounts.get(row.sha) ?? 0) + 1);
    await t.run(async (ctx) => {
      let logical = 0;
      for (const row of simRows) logical += blobs.get(row.sha)!.compressed_size;
      for (const [sha, blob] of blobs) {
        const lastRef = Math.max(...simRows.filter((r) => r.sha === sha).map((r) => r.snapshot_at));
        await ctx.db.insert("archive_blobs", { sha256: sha, ...blob, ref_count: refCounts.get(sha)!, last_referenced_at: lastRef });
      }
      const stored = [...blobs.values()].reduce((sum, b) => sum + b.compressed_size, 0);
      await ctx.db.insert("archive_totals", { name: "archive", rows: simRows.length, blobs: blobs.size, stored_bytes: stored, logical_bytes: logical });
    });

    // A policy object in the older spelling: 30 days of every hour.
    vi.useFakeTimers();
    await t.mutation(internal.archive.compact, { now: NOW, policy: { hourlyForDays: 30, dailyForDays: 365 } });
    await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
    vi.useRealTimers();
  }, 600_000);

  afterAll(() => vi.useRealTimers());

  it("leaves exactly the archives the policy keeps", async () => {
    const expected = expectedSurvivors(simRows);
    const runIndex = new Map(runIds.map((id, index) => [id, index]));
    const surviving = new Set((await allRows(t, "snapshot_archives")).map((row) => `${runIndex.get(row.run_id)}:${row.type === "models" ? 0 : 1}`));
    expect(surviving.size).toBe(expected.size);
    // 30 days × 24 h × 2 keys kept whole, plus the daily tier and change points: far below 19,200.
    expect(expected.size).toBeGreaterThan(30 * 24 * 2);
    expect(expected.size).toBeLessThan(3_000);
    expect([...surviving].filter((k) => !expected.has(k))).toEqual([]);
    // Sanity of the policy itself: all of the last 30 days, far fewer before.
    expect([...expected].filter((k) => Number(k.split(":")[0]) >= (DAYS - 30) * 24).length).toBe(30 * 24 * 2);
  });

  it("went through many self-scheduled pages, deleting more than one transaction may write", async () => {
    const record = (await t.query(api.archive.lastCompaction, {}))!;
    expect(record.status).toBe("done");
    expect(record.rows_deleted).toBe(simRows.length - expectedSurvivors(simRows).size);
    expect(record.rows_deleted).toBeGreaterThan(16_000);
    expect(record.pages).toBeGreaterThan(1);
    expect(record.rows_examined).toBe(simRows.filter((r) => r.snapshot_at < NOW - 30 * DAY).length);
  });

  it("leaves no blob unreferenced and no row pointing at a deleted blob, and keeps the totals true", async () => {
    const rows = await allRows(t, "snapshot_archives");
    const blobs = await allRows(t, "archive_blobs");
    const refs = new Map<string, number>();
    for (const row of rows) refs.set(row.sha256, (refs.get(row.sha256) ?? 0) + 1);
    expect(blobs.every((blob) => blob.ref_count > 0 && refs.get(blob.sha256) === blob.ref_count)).toBe(true);
    const blobBySha = new Map(blobs.map((b) => [b.sha256, b]));
    expect(rows.every((row) => blobBySha.get(row.sha256)?.storage_id === row.storage_id)).toBe(true);
    expect(await t.query(api.archive.storageStats, {})).toEqual({
      bundles: 0,
      responses: rows.length,
      rows: rows.length,
      blobs: blobs.length,
      stored_bytes: blobs.reduce((sum, b) => sum + b.compressed_size, 0),
      logical_bytes: rows.reduce((sum, r) => sum + r.compressed_size, 0),
    });
    const missingFiles: number = await t.run(async (ctx) => {
      let missing = 0;
      for (const blob of blobs) if ((await ctx.storage.get(blob.storage_id)) === null) missing++;
      return missing;
    });
    expect(missingFiles).toBe(0);
  });

  it("keeps every surviving complete run replayable", async () => {
    const rows = await allRows(t, "snapshot_archives");
    const byRun = new Map<string, typeof rows>();
    for (const row of rows) byRun.set(row.run_id, [...(byRun.get(row.run_id) ?? []), row]);
    const complete = [...byRun.entries()].filter(([, runRows]) => runRows.length === KEYS.length);
    expect(complete.length).toBeGreaterThan(30 * 24);
    // Every body of every complete run still decompresses to what was archived.
    const bad: number = await t.run(async (ctx) => {
      let mismatches = 0;
      const cache = new Map<string, string>();
      for (const [, runRows] of complete) {
        for (const row of runRows) {
          if (!cache.has(row.storage_id)) {
            const blob = await ctx.storage.get(row.storage_id);
            cache.set(row.storage_id, blob ? createHash("sha256").update(gunzipSync(Buffer.from(await blob.arrayBuffer()))).digest("hex") : "missing");
          }
          if (cache.get(row.storage_id) !== row.sha256) mismatches++;
        }
      }
      return mismatches;
    });
    expect(bad).toBe(0);
    // And a real replay of the oldest and the newest complete run, with no network.
    const server = await startFakeOpenRouter({ recording: {} });
    process.env.OPENROUTER_BASE_URL = server.url;
    try {
      const ordered = complete.sort(([, a], [, b]) => a[0].snapshot_at - b[0].snapshot_at);
      for (const [runId] of [ordered[0], ordered[ordered.length - 1]]) {
        const report = await t.action(internal.snapshots_v2.runDemo, { replay_from: runId, output: "dry-run" });
        expect(report).toMatchObject({ status: "ok", ok: true, source: "archive" });
        expect(report.models.total).toBe(1);
        expect(report.endpoints.total).toBe(golden[listKey].data.length);
      }
      expect(server.requestCount()).toBe(0);
    } finally {
      delete process.env.OPENROUTER_BASE_URL;
      await server.close();
    }
  });
});

/** Runs a whole compaction walk under fake timers and returns its record. */
async function compactWithFakeTimers(t: TestConvex, policy: object, now: number) {
  vi.useFakeTimers();
  try {
    await t.mutation(internal.archive.compact, { now, policy });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
  } finally {
    vi.useRealTimers();
  }
  return (await t.query(api.archive.lastCompaction, {}))!;
}

describe("legacy rows: change points judged by content", () => {
  // One UTC day, hours h0..h4; a policy whose hourly tier is one day, so at LATER every hour is in
  // the daily tier: kept if newest of its key, first of its day, or a change point.
  const DAY_START = Date.UTC(2025, 0, 10);
  const at = (hour: number) => DAY_START + (1 + hour) * HOUR;
  const POLICY = { hourlyForDays: 1, dailyForDays: 365 };
  const LATER = DAY_START + 10 * DAY;
  const BEYOND_DAILY = DAY_START + 400 * DAY;
  const BODIES = { A: "body A", B: "body B" } as const;
  type Body = keyof typeof BODIES;

  const insertRuns = (t: TestConvex, hours: number[]) =>
    t.run(async (ctx) => {
      const ids: Id<"snapshot_runs">[] = [];
      for (const hour of hours) {
        ids.push(
          await ctx.db.insert("snapshot_runs", {
            snapshot_at: at(hour),
            started_at: at(hour),
            status: "ok",
            config: { output: "convex", source: "remote", maxConcurrency: 8 },
          }),
        );
      }
      return ids;
    });

  /** One stored file per body, as the archiver leaves them. */
  const storeBodies = (t: TestConvex) =>
    t.run(async (ctx) => {
      const stored = {} as Record<Body, { storage_id: Id<"_storage">; sha256: string; size: number; compressed_size: number }>;
      for (const body of Object.keys(BODIES) as Body[]) {
        const storage_id = await ctx.storage.store(new Blob([BODIES[body]]));
        stored[body] = { storage_id, sha256: sha256(BODIES[body]), size: BODIES[body].length, compressed_size: BODIES[body].length };
      }
      return stored;
    });

  /** Each key's archives in time order, as "hour:body:changed". */
  async function series(t: TestConvex, stored: Awaited<ReturnType<typeof storeBodies>>) {
    const bodyOf = new Map(Object.entries(stored).map(([body, s]) => [s.sha256, body]));
    const rows = (await allRows(t, "snapshot_archives")).sort((a, b) => a.snapshot_at - b.snapshot_at);
    const out: Record<string, string[]> = {};
    for (const row of rows) {
      const hour = (row.snapshot_at - DAY_START) / HOUR - 1;
      (out[row.params] ??= []).push(`h${hour}:${bodyOf.get(row.sha256)}:${row.changed}`);
    }
    return out;
  }

  it("compaction decides change points from content, not a stale flag, fixes the flags it keeps, and traces each run", async () => {
    const t = setupTest();
    const runs = await insertRuns(t, [0, 2, 4]);
    const stored = await storeBodies(t);
    // A A B B B in time; h2's stored flag wrongly says unchanged, h4's wrongly says changed.
    const rows: { hour: number; body: Body; changed: boolean; run: number }[] = [
      { hour: 0, body: "A", changed: true, run: 0 },
      { hour: 1, body: "A", changed: false, run: 0 },
      { hour: 2, body: "B", changed: false, run: 1 },
      { hour: 3, body: "B", changed: false, run: 1 },
      { hour: 4, body: "B", changed: true, run: 2 },
    ];
    await t.run(async (ctx) => {
      for (const r of rows) {
        await ctx.db.insert("snapshot_archives", { run_id: runs[r.run], snapshot_at: at(r.hour), type: "models", params: "", changed: r.changed, ...stored[r.body] });
      }
      for (const body of ["A", "B"] as const) {
        const refs = rows.filter((r) => r.body === body);
        await ctx.db.insert("archive_blobs", { ...stored[body], ref_count: refs.length, last_referenced_at: at(Math.max(...refs.map((r) => r.hour))) });
      }
      const logical = rows.reduce((sum, r) => sum + stored[r.body].compressed_size, 0);
      await ctx.db.insert("archive_totals", { name: "archive", rows: rows.length, blobs: 2, stored_bytes: stored.A.compressed_size + stored.B.compressed_size, logical_bytes: logical });
    });

    // Kept: h0 first of day, h2 the change point, h4 newest. Deleted: h1 (run 0) and h3 (run 1).
    const first = await compactWithFakeTimers(t, POLICY, LATER);
    expect(first).toMatchObject({ status: "done", rows_deleted: 2, blobs_deleted: 0 });
    expect(await series(t, stored)).toEqual({ "": ["h0:A:true", "h2:B:true", "h4:B:false"] });
    const traceOf = (id: Id<"snapshot_runs">) => t.run(async (ctx) => (await ctx.db.get(id))?.archives_compacted ?? null);
    expect(await traceOf(runs[0])).toEqual({ deleted: 1, last_at: LATER });
    expect(await traceOf(runs[1])).toEqual({ deleted: 1, last_at: LATER });
    expect(await traceOf(runs[2])).toBeNull();

    // Past the daily horizon only the newest stays: h0 (run 0 again) and h2 (whose run is gone) go.
    await t.run(async (ctx) => ctx.db.delete(runs[1]));
    const second = await compactWithFakeTimers(t, POLICY, BEYOND_DAILY);
    expect(second).toMatchObject({ status: "done", rows_deleted: 2, blobs_deleted: 1 });
    expect(await series(t, stored)).toEqual({ "": ["h4:B:false"] });
    expect(await traceOf(runs[0])).toEqual({ deleted: 2, last_at: BEYOND_DAILY });
    expect(await t.run(async (ctx) => ctx.db.get(runs[1]))).toBeNull();
    expect(await traceOf(runs[2])).toBeNull();
  });
});

describe("bundles: the change point follows the durable digest", () => {
  // One UTC day, hours h0..h5; with a one-day telemetry tier, at LATER every hour is in the daily
  // tier: kept if it is the newest bundle, the first of its day, or a change point.
  const DAY_START = Date.UTC(2025, 0, 10);
  const at = (hour: number) => DAY_START + (1 + hour) * HOUR;
  const POLICY = { telemetryForDays: 1, dailyForDays: 365 };
  const LATER = DAY_START + 10 * DAY;
  const BEYOND_DAILY = DAY_START + 400 * DAY;
  const REQUESTS = 3;

  const insertRuns = (t: TestConvex, hours: number[]) =>
    t.run(async (ctx) => {
      const ids: Id<"snapshot_runs">[] = [];
      for (const hour of hours) {
        ids.push(await ctx.db.insert("snapshot_runs", { snapshot_at: at(hour), started_at: at(hour), status: "ok", config: { output: "convex", source: "remote", maxConcurrency: 8 } }));
      }
      return ids;
    });

  /** A bundle's files (tiny stand-ins: compaction never reads them) and its row's fields but the flag. */
  const bundleFiles = (t: TestConvex, run_id: Id<"snapshot_runs">, hour: number, durable_digest: string) =>
    t.run(async (ctx) => ({
      run_id,
      snapshot_at: at(hour),
      parts: [{ storage_id: await ctx.storage.store(new Blob([`part of h${hour}`])), compressed_size: 100 }],
      index_id: await ctx.storage.store(new Blob([`index of h${hour}`])),
      index_sha256: sha256(`index of h${hour}`),
      index_compressed_size: 20,
      requests: REQUESTS,
      raw_bytes: 1000,
      compressed_bytes: 120,
      durable_digest,
    }));

  /** The bundles in time order, as "hour:digest:changed". */
  async function series(t: TestConvex) {
    const rows = (await allRows(t, "archive_bundles")).sort((a, b) => a.snapshot_at - b.snapshot_at);
    return rows.map((row) => `h${(row.snapshot_at - DAY_START) / HOUR - 1}:${row.durable_digest}:${row.changed}`);
  }

  it("judges the hourly bundle by the newest digest on the totals row; a backfill fixes the next bundle's flag either way", async () => {
    const t = setupTest();
    const runs = await insertRuns(t, [0, 1, 2, 3, 4, 5]);
    const record = async (hour: number, digest: string) => (await t.mutation(internal.archive.recordBundle, { bundle: await bundleFiles(t, runs[hour], hour, digest) })).changed;
    // In time: X Y Y X Y Y. h1 and h3 arrive last.
    expect([await record(0, "X"), await record(2, "Y"), await record(4, "Y"), await record(5, "Y")]).toEqual([true, true, false, false]);
    expect((await allRows(t, "archive_totals"))[0].newest_bundle).toEqual({ snapshot_at: at(5), durable_digest: "Y" });
    // h1 (Y) lands between X and Y: h2 stops being a change point.
    expect(await record(1, "Y")).toBe(true);
    expect(await series(t)).toEqual(["h0:X:true", "h1:Y:true", "h2:Y:false", "h4:Y:false", "h5:Y:false"]);
    // h3 (X) lands between Y and Y: it is one, and h4 becomes one.
    expect(await record(3, "X")).toBe(true);
    expect(await series(t)).toEqual(["h0:X:true", "h1:Y:true", "h2:Y:false", "h3:X:true", "h4:Y:true", "h5:Y:false"]);
    // The newest is still h5.
    const [totals] = await allRows(t, "archive_totals");
    expect(totals).toMatchObject({ newest_bundle: { snapshot_at: at(5), durable_digest: "Y" }, bundles: 6, bundle_requests: 6 * REQUESTS, stored_bytes: 6 * 120 });
    // A run records one bundle.
    await expect(t.mutation(internal.archive.recordBundle, { bundle: await bundleFiles(t, runs[5], 5, "Y") })).rejects.toThrow(`run ${runs[5]} already has an archive bundle`);

    // By the policy: h0 first of day, h1, h3, h4 change points, h5 newest. Deleted: h2 only.
    const bundles = await allRows(t, "archive_bundles");
    const compaction = await compactWithFakeTimers(t, POLICY, LATER);
    expect(compaction).toMatchObject({ status: "done", bundles_examined: 6, bundles_deleted: 1, rows_deleted: 0, bytes_reclaimed: 120 });
    expect(await series(t)).toEqual(["h0:X:true", "h1:Y:true", "h3:X:true", "h4:Y:true", "h5:Y:false"]);
    const h2 = bundles.find((bundle) => bundle.run_id === runs[2])!;
    expect(await t.run(async (ctx) => [await ctx.db.system.get(h2.index_id), await ctx.db.system.get(h2.parts[0].storage_id)])).toEqual([null, null]);
    const traces = await t.run(async (ctx) => Promise.all(runs.map(async (id) => (await ctx.db.get(id))!.archives_compacted ?? null)));
    expect(traces).toEqual([null, null, { deleted: REQUESTS, last_at: LATER }, null, null, null]);
    expect(await t.query(api.archive.storageStats, {})).toMatchObject({ bundles: 5, responses: 5 * REQUESTS, stored_bytes: 5 * 120 });
  });

  it("compaction judges change points by digest, not a stale flag, fixes the flags it keeps, and past the daily tier keeps only the newest", async () => {
    const t = setupTest();
    const runs = await insertRuns(t, [0, 1, 2, 3, 4]);
    // X X Y Y Y in time; h2's flag wrongly says unchanged, h1's and h4's wrongly say changed (as raw digests would).
    const flags = [true, true, false, false, true];
    const digests = ["X", "X", "Y", "Y", "Y"];
    const files: Awaited<ReturnType<typeof bundleFiles>>[] = [];
    for (let hour = 0; hour < 5; hour++) files.push(await bundleFiles(t, runs[hour], hour, digests[hour]));
    await t.run(async (ctx) => {
      for (let hour = 0; hour < 5; hour++) await ctx.db.insert("archive_bundles", { ...files[hour], changed: flags[hour] });
      await ctx.db.insert("archive_totals", { name: "archive", rows: 0, blobs: 0, stored_bytes: 5 * 120, logical_bytes: 5 * 120, bundles: 5, bundle_requests: 5 * REQUESTS });
    });
    // Kept: h0 first of day, h2 the change point, h4 newest. Deleted: h1 and h3, which differ from the hour before only in telemetry.
    const first = await compactWithFakeTimers(t, POLICY, LATER);
    expect(first).toMatchObject({ status: "done", bundles_examined: 5, bundles_deleted: 2 });
    expect(await series(t)).toEqual(["h0:X:true", "h2:Y:true", "h4:Y:false"]);
    // Past the daily horizon only the newest stays, and with no bundle before it left it is a change point.
    const second = await compactWithFakeTimers(t, POLICY, BEYOND_DAILY);
    expect(second).toMatchObject({ status: "done", bundles_deleted: 2 });
    expect(await series(t)).toEqual(["h4:Y:true"]);
    const traces = await t.run(async (ctx) => Promise.all(runs.map(async (id) => (await ctx.db.get(id))!.archives_compacted?.deleted ?? 0)));
    expect(traces).toEqual([REQUESTS, REQUESTS, REQUESTS, REQUESTS, 0]);
    expect(await t.query(api.archive.storageStats, {})).toMatchObject({ bundles: 1, responses: REQUESTS, stored_bytes: 120 });
  });
});

describe("bundles: compaction over 30 simulated days of hourly runs", () => {
  const START_30 = Date.UTC(2025, 5, 1);
  const HOURS = 30 * 24;
  const NOW_30 = START_30 + HOURS * HOUR;
  const POLICY = { telemetryForDays: 3, dailyForDays: 14 };
  /** The hours whose content really changed; every other hour differs from the one before only in telemetry. */
  const CHANGES = [5, 100, 101, 250, 400, 401, 402, 600, 700];
  const digestOf = (hour: number) => `content v${CHANGES.filter((change) => change <= hour).length}`;

  /** Survivors by the policy's words, from the list of hours alone: judged against the last hour kept. */
  function expectedSurvivors(): number[] {
    const kept: number[] = [];
    for (let hour = 0; hour < HOURS; hour++) {
      const age = NOW_30 - (START_30 + hour * HOUR);
      const last = kept.length > 0 ? kept[kept.length - 1] : null;
      const changePoint = last === null || digestOf(last) !== digestOf(hour);
      const firstOfDay = last === null || Math.floor(last / 24) !== Math.floor(hour / 24);
      if (hour === HOURS - 1 || age <= 3 * DAY || (age <= 14 * DAY && (changePoint || firstOfDay))) kept.push(hour);
    }
    return kept;
  }

  let t: TestConvex;
  let runIds: Id<"snapshot_runs">[];

  beforeAll(async () => {
    t = setupTest();
    // Every bundle stored with changed: true, as raw-body digests would have it.
    runIds = await t.run(async (ctx) => {
      const ids: Id<"snapshot_runs">[] = [];
      for (let hour = 0; hour < HOURS; hour++) {
        const snapshot_at = START_30 + hour * HOUR;
        const run_id = await ctx.db.insert("snapshot_runs", { snapshot_at, started_at: snapshot_at, status: "ok", config: { output: "convex", source: "remote", maxConcurrency: 8 } });
        ids.push(run_id);
        await ctx.db.insert("archive_bundles", {
          run_id,
          snapshot_at,
          parts: [{ storage_id: await ctx.storage.store(new Blob([`part ${hour}`])), compressed_size: 100 }],
          index_id: await ctx.storage.store(new Blob([`index ${hour}`])),
          index_sha256: sha256(`index ${hour}`),
          index_compressed_size: 20,
          requests: 2,
          raw_bytes: 1000,
          compressed_bytes: 120,
          durable_digest: digestOf(hour),
          changed: true,
        });
      }
      await ctx.db.insert("archive_totals", { name: "archive", rows: 0, blobs: 0, stored_bytes: HOURS * 120, logical_bytes: HOURS * 120, bundles: HOURS, bundle_requests: HOURS * 2 });
      return ids;
    });
    vi.useFakeTimers();
    await t.mutation(internal.archive.compact, { now: NOW_30, policy: POLICY });
    await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
    vi.useRealTimers();
  }, 300_000);

  it("keeps every hour of the last 3 days, then firsts of day and change points for 14, and nothing older", async () => {
    // By hand: hours 648–719 are within 3 days (72); days 16–26 (hours 384–647) keep their 11
    // firsts of day and the change points 400, 401, 402 and 600 (600 is also day 25's first): 14.
    // Hours before 384 are past 14 days and not the newest: none.
    const expected = expectedSurvivors();
    expect(expected).toHaveLength(72 + 14);
    const hourOf = new Map(runIds.map((id, hour) => [id, hour]));
    const kept = (await allRows(t, "archive_bundles")).map((bundle) => hourOf.get(bundle.run_id)!).sort((a, b) => a - b);
    expect(kept).toEqual(expected);
    const record = (await t.query(api.archive.lastCompaction, {}))!;
    expect(record).toMatchObject({ status: "done", bundles_examined: HOURS - 72, bundles_deleted: HOURS - 86, rows_examined: 0 });
    expect(record.pages).toBeGreaterThan(3);
  });

  it("fixes the flags it keeps, deletes exactly the dropped bundles' files, traces their runs and keeps the totals true", async () => {
    const bundles = (await allRows(t, "archive_bundles")).sort((a, b) => a.snapshot_at - b.snapshot_at);
    const hourOf = (bundle: { snapshot_at: number }) => (bundle.snapshot_at - START_30) / HOUR;
    // In the daily tier: h384 has no bundle before it left (true), the change points true, other firsts of day false.
    const daily = bundles.filter((bundle) => hourOf(bundle) < 648);
    expect(daily.filter((bundle) => bundle.changed).map(hourOf)).toEqual([384, 400, 401, 402, 600]);
    // The only files are the kept bundles' own.
    const files = await t.run(async (ctx) => ({
      stored: (await ctx.db.system.query("_storage").collect()).map((file) => file._id).sort(),
      kept: bundles.flatMap((bundle) => [bundle.index_id, ...bundle.parts.map((part) => part.storage_id)]).sort(),
    }));
    expect(files.stored).toEqual(files.kept);
    const traced = await t.run(async (ctx) => Promise.all(runIds.map(async (id) => (await ctx.db.get(id))!.archives_compacted?.deleted ?? 0)));
    expect(traced.filter((deleted) => deleted === 2)).toHaveLength(HOURS - bundles.length);
    expect(await t.query(api.archive.storageStats, {})).toEqual({ bundles: bundles.length, responses: 2 * bundles.length, rows: 0, blobs: 0, stored_bytes: 120 * bundles.length, logical_bytes: 120 * bundles.length });
  });

  it("a second walk deletes nothing", async () => {
    vi.useFakeTimers();
    await t.mutation(internal.archive.compact, { now: NOW_30, policy: POLICY });
    await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
    vi.useRealTimers();
    expect(await t.query(api.archive.lastCompaction, {})).toMatchObject({ status: "done", bundles_deleted: 0, bundles_examined: 14 });
  });
});
