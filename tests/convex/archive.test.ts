/**
 * Content-addressed archives and compaction on convex-test with transaction limits: blobs shared
 * by identical bodies, change points, storage figures, a bad policy, and compaction run twice and
 * alongside a snapshot (with a file already gone from storage).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import crons from "../../convex/crons";
import { allRows, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { cloneRecording, countRaw, endpointsKey, loadGolden, type RawRecording } from "../support/recording";

const golden = loadGolden();
const raw = countRaw(golden);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 1, 12);
const LIQUID = endpointsKey("liquid/lfm-7b", "standard");

afterEach(() => vi.useRealTimers());

async function compactAndWait(t: TestConvex, now: number) {
  const id = await t.mutation(internal.archive.compact, { now });
  for (let i = 0; i < 200; i++) {
    const record = await t.run(async (ctx) => ctx.db.get(id));
    if (record!.status === "done") return record!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("compaction did not finish");
}

describe("content-addressed archives", () => {
  it("two byte-identical runs store each blob once; the second run's rows point at the first's blobs", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const first = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW });
      const second = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW + HOUR });
      const rows = await allRows(t, "snapshot_archives");
      const blobs = await allRows(t, "archive_blobs");
      const bodies = new Set(Object.values(golden).map((body) => JSON.stringify(body)));
      expect(rows).toHaveLength(2 * (1 + raw.variantFetches));
      expect(blobs).toHaveLength(bodies.size);
      expect(blobs.every((blob) => blob.ref_count === 2)).toBe(true);
      const firstByKey = new Map(rows.filter((r) => r.run_id === first.run_id).map((r) => [`${r.type}?${r.params}`, r.storage_id]));
      const secondRows = rows.filter((r) => r.run_id === second.run_id);
      expect(secondRows.every((r) => r.storage_id === firstByKey.get(`${r.type}?${r.params}`))).toBe(true);
      expect(secondRows.every((r) => r.changed === false)).toBe(true);
      expect(rows.filter((r) => r.run_id === first.run_id).every((r) => r.changed)).toBe(true);
      const stored = blobs.reduce((sum, b) => sum + b.compressed_size, 0);
      expect(await t.query(api.archive.storageStats, {})).toEqual({ rows: rows.length, blobs: blobs.length, stored_bytes: stored, logical_bytes: 2 * stored });
    });
  });

  it("marks exactly the archives whose body changed as change points, and stores only the new bodies", async () => {
    const t = setupTest();
    let recording: RawRecording = golden;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW });
      const edited = cloneRecording(golden);
      edited[LIQUID].data[0].pricing.prompt = "0.5";
      recording = edited;
      const second = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW + HOUR });
      const rows = (await allRows(t, "snapshot_archives")).filter((r) => r.run_id === second.run_id);
      expect(rows.filter((r) => r.changed).map((r) => r.params)).toEqual([LIQUID.split("?")[1]]);
      expect(await allRows(t, "archive_blobs")).toHaveLength(raw.variantFetches + 1 + 1);
    });
  });
});

describe("compaction", () => {
  it("rejects a bad policy with a message naming the field", async () => {
    const t = setupTest();
    await expect(t.mutation(internal.archive.compact, { policy: { hourlyForDays: -1, dailyForDays: 365 } })).rejects.toThrow(/hourlyForDays/);
    await expect(t.mutation(internal.archive.compact, { policy: { hourlyForDays: 30, dailyForDays: 7 } })).rejects.toThrow(/dailyForDays must be at least telemetryForDays/);
    await expect(t.mutation(internal.archive.compact, { policy: { hourlyForDays: 30, dailyForDays: 365, monthly: 1 } })).rejects.toThrow(/monthly|unrecognized/i);
    expect(await allRows(t, "archive_compactions")).toHaveLength(0);
  });

  it("run twice or alongside a snapshot, deletes exactly what the policy drops, tolerates a file already gone, and throws nothing", async () => {
    const t = setupTest();
    const old = cloneRecording(golden);
    old[LIQUID].data[0].pricing.prompt = "0.5";
    let recording: RawRecording = old;
    const day40 = NOW - 40 * DAY;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      // O: 400 days ago, with a body nobody else has. A, B, C: one day 40 days ago, identical.
      const O = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW - 400 * DAY });
      recording = golden;
      const A = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 });
      const B = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 + HOUR });
      const C = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 + 2 * HOUR });
      const before = await allRows(t, "snapshot_archives");
      const oOnlyBlob = (await allRows(t, "archive_blobs")).find((b) => b.ref_count === 1)!;
      expect(before.find((r) => r.storage_id === oOnlyBlob.storage_id)!.run_id).toBe(O.run_id);
      // The file vanishes behind the blob's back: ctx.storage.delete would throw for it.
      await t.run(async (ctx) => ctx.storage.delete(oOnlyBlob.storage_id));

      // A snapshot runs while the walk's pages are scheduled.
      const id = await t.mutation(internal.archive.compact, { now: NOW });
      const D = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW });
      let record = await t.run(async (ctx) => ctx.db.get(id));
      for (let i = 0; i < 200 && record!.status !== "done"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        record = await t.run(async (ctx) => ctx.db.get(id));
      }
      // While D was still archiving, C could be the newest archive of some keys and so kept:
      // a concurrent walk may keep more, never less. O's unique blob went, its file already gone.
      expect(record).toMatchObject({ status: "done", blobs_deleted: 1 });
      expect(record!.bytes_reclaimed).toBe(oOnlyBlob.compressed_size);
      expect(record!.rows_deleted).toBeGreaterThanOrEqual(2 * (1 + raw.variantFetches));
      expect(record!.rows_deleted).toBeLessThanOrEqual(3 * (1 + raw.variantFetches));
      const kept = (await allRows(t, "snapshot_archives")).filter((r) => r.run_id === A.run_id || r.run_id === D.run_id);
      expect(kept).toHaveLength(2 * (1 + raw.variantFetches));

      // Again, with the snapshot done: exactly what the policy keeps is left, and a third walk deletes nothing.
      const second = await compactAndWait(t, NOW);
      expect(record!.rows_deleted + second.rows_deleted).toBe(3 * (1 + raw.variantFetches));
      const after = await allRows(t, "snapshot_archives");
      expect(new Set(after.map((r) => r.run_id))).toEqual(new Set([A.run_id, D.run_id]));
      expect(after).toHaveLength(2 * (1 + raw.variantFetches));
      const blobs = await allRows(t, "archive_blobs");
      expect(blobs.every((b) => b.ref_count === after.filter((r) => r.sha256 === b.sha256).length)).toBe(true);
      expect(before.filter((r) => r.run_id === B.run_id || r.run_id === C.run_id || r.run_id === O.run_id)).toHaveLength(3 * (1 + raw.variantFetches));

      const third = await compactAndWait(t, NOW);
      expect(third).toMatchObject({ rows_deleted: 0, blobs_deleted: 0 });
      expect(await allRows(t, "snapshot_archives")).toHaveLength(after.length);
      const replay = await t.action(internal.snapshots_v2.runDemo, { replay_from: A.run_id, output: "dry-run" });
      expect(replay.status).toBe("ok");
    });
  });

  it("is scheduled daily by the cron", () => {
    const jobs = (crons as unknown as { crons: Record<string, { name: string; schedule: { type: string; cron?: string } }> }).crons;
    expect(jobs["daily archive compaction"]).toMatchObject({ name: "archive:compact", schedule: { type: "cron", cron: "35 3 * * *" } });
  });
});
