/**
 * Archive retention over a simulated 400 days of hourly runs: compaction must leave exactly what
 * the policy says, computed here independently from the list of runs; no blob unreferenced, no
 * row pointing at a deleted blob, and every surviving complete run still replayable. The backlog
 * (over 16,000 deletions) is larger than one transaction may write, so it completes only through
 * self-scheduling.
 *
 * The simulated archive is written directly (rows, blobs, totals as the archiver leaves them):
 * convex-test scans a whole table per index query, so 9,600 runs through the archiver would take
 * tens of minutes. The archiver itself is tested run by run in archive.test.ts.
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

  vi.useFakeTimers();
  await t.mutation(internal.archive.compact, { now: NOW });
  await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
  vi.useRealTimers();
}, 600_000);

afterAll(() => vi.useRealTimers());

describe("compaction over 400 simulated days of hourly runs", () => {
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
