/**
 * Archive bundles on convex-test with transaction limits, over the 2026-shaped base recording: a
 * run archives exactly one bundle row, and its replay reproduces the stored state exactly; a
 * bundle cut into small parts replays the same; the change point follows the caller's durable
 * digest, or the raw bodies without one; a run archived the legacy way (a row and a blob
 * per request, written here as the old archiver left them) still replays the same; a corrupted
 * body, a missing part and a missing index fail the replay before it writes, naming what is wrong.
 * Then compaction of real runs' bundles: run twice and alongside a snapshot, with a file already
 * gone. The entity tables a replay must reproduce are read once, after the first run.
 */
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import crons from "../../convex/crons";
import { createConvexArchiver } from "../../convex/lib/archiver";
import type { SnapshotReport } from "../../convex/lib/runSnapshot";
import { MAX_ENTRY_CHARS } from "../../src/sources/catalogueSources";
import { allRows, byId, documentsWritten, readBundle, runCounted, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { cloneRecording, countRaw, endpointsKey, GOLDEN_2026_PATHS, loadGolden, loadRecording, modelsKeyOf, type RawRecording } from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const raw = countRaw(base);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);
/** The keys a run of the base recording requests: the models list and every variant's list. */
const REQUESTED = [modelsKeyOf(base), ...raw.variantKeys];

afterEach(() => vi.useRealTimers());

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function requestOf(key: string) {
  const [path, query = ""] = key.split("?");
  return { path, params: Object.fromEntries(new URLSearchParams(query)) };
}

/** Both entity tables, content only (no ids), in key order: what "the same stored state" means. */
async function entityState(t: TestConvex) {
  const strip = ({ _id, _creationTime, ...content }: { _id: string; _creationTime: number } & Record<string, unknown>) => content;
  const models = (await allRows(t, "or_models")).map(strip).sort((a, b) => ((a.slug as string) < (b.slug as string) ? -1 : 1));
  const endpointKey = (row: Record<string, unknown>) => `${row.model_permaslug}|${row.variant}|${row.endpoint_id}`;
  const endpoints = (await allRows(t, "or_endpoints")).map(strip).sort((a, b) => (endpointKey(a) < endpointKey(b) ? -1 : 1));
  return { models, endpoints };
}

async function entityIds(t: TestConvex) {
  return { models: byId(await allRows(t, "or_models")), endpoints: byId(await allRows(t, "or_endpoints")) };
}

async function entityWrites(t: TestConvex, before: Awaited<ReturnType<typeof entityIds>>) {
  const after = await entityIds(t);
  return documentsWritten(before.models, after.models) + documentsWritten(before.endpoints, after.endpoints) + (before.models.size + before.endpoints.size - after.models.size - after.endpoints.size);
}

async function emptyEntityTables(t: TestConvex) {
  await t.run(async (ctx) => {
    for (const row of await ctx.db.query("or_models").collect()) await ctx.db.delete(row._id);
    for (const row of await ctx.db.query("or_endpoints").collect()) await ctx.db.delete(row._id);
  });
}

/** A replay with no network: the base URL points at a closed port. */
async function replay(t: TestConvex, run_id: Id<"snapshot_runs">): Promise<SnapshotReport> {
  const previous = process.env.OPENROUTER_BASE_URL;
  process.env.OPENROUTER_BASE_URL = "http://127.0.0.1:9";
  try {
    return await t.action(internal.snapshots_v2.runDemo, { replay_from: run_id });
  } finally {
    if (previous === undefined) delete process.env.OPENROUTER_BASE_URL;
    else process.env.OPENROUTER_BASE_URL = previous;
  }
}

/** A finished remote run's record, as `runSnapshot` leaves it, for archives written by hand. */
function insertRun(t: TestConvex, snapshot_at: number, archived: number) {
  const kind = { total: 0, insert: 0, update: 0, stable: 0, unavailable: 0 };
  return t.run(async (ctx) =>
    ctx.db.insert("snapshot_runs", {
      snapshot_at,
      started_at: snapshot_at,
      ended_at: snapshot_at,
      status: "ok",
      ok: true,
      config: { output: "convex", source: "remote", maxConcurrency: 8, paths: "v1" },
      report: { models: kind, endpoints: { ...kind, moved: 0 }, issues: 0, mutations: 0, archived },
    }),
  );
}

let t: TestConvex;
let first: SnapshotReport;
let stored: Awaited<ReturnType<typeof entityState>>;

beforeAll(async () => {
  t = setupTest();
  first = await withFakeOpenRouter({ recording: base }, () => t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 }));
  stored = await entityState(t);
});

describe("one archive bundle per run", () => {
  it("a run archives exactly one bundle row: one part at the default cap, every requested body byte for byte", async () => {
    expect(first).toMatchObject({ status: "ok", ok: true, archived: REQUESTED.length });
    const rows = await allRows(t, "archive_bundles");
    expect(rows).toHaveLength(1);
    expect(await allRows(t, "snapshot_archives")).toHaveLength(0);
    const bundle = (await readBundle(t, first.run_id))!;
    expect(bundle.row).toMatchObject({ run_id: first.run_id, snapshot_at: T0, requests: REQUESTED.length, changed: true });
    expect(bundle.row.parts).toHaveLength(1);
    // The writer's digest of what the run saw (not the raw bodies', which is prefixed "raw:").
    expect(bundle.row.durable_digest).toMatch(/^[0-9a-f]{64}$/);
    const byKey = new Map(bundle.entries.map((entry) => [entry.params === "" ? modelsKeyOf(base) : `/api/frontend/v1/stats/endpoint?${entry.params}`, entry]));
    expect(new Set(byKey.keys())).toEqual(new Set(REQUESTED));
    for (const key of REQUESTED) {
      const body = Buffer.from(JSON.stringify(base[key]));
      expect(bundle.bodyOf(byKey.get(key)!).equals(body), key).toBe(true);
      expect(byKey.get(key)!.sha256).toBe(sha256(body));
    }
    const bytes = bundle.parts[0].byteLength + bundle.row.index_compressed_size;
    expect(await t.query(api.archive.storageStats, {})).toEqual({ bundles: 1, responses: REQUESTED.length, rows: 0, blobs: 0, stored_bytes: bytes, logical_bytes: bytes });
  });

  it("replays to exactly the stored state with no network, and an unchanged replay writes no entity document", async () => {
    await emptyEntityTables(t);
    const replayed = await replay(t, first.run_id);
    expect(replayed).toMatchObject({ status: "ok", ok: true, source: "archive", archived: 0 });
    expect(await entityState(t)).toEqual(stored);
    const before = await entityIds(t);
    const again = await replay(t, first.run_id);
    expect(again).toMatchObject({ status: "ok", ok: true, mutations: 0 });
    expect(await entityWrites(t, before)).toBe(0);
    // Replays archive nothing.
    expect(await allRows(t, "archive_bundles")).toHaveLength(1);
  });

  it("a bundle cut into small parts replays to the same state", async () => {
    const fresh = setupTest();
    const cap = 32 * 1024;
    const run_id = await insertRun(fresh, T0, REQUESTED.length);
    await fresh.action(async (ctx) => {
      const archiver = createConvexArchiver(ctx, { run_id, snapshot_at: T0 }, { partCapBytes: cap });
      for (const key of REQUESTED) await archiver.archive({ key, request: requestOf(key), body: JSON.stringify(base[key]) });
      await archiver.flush();
    });
    const bundle = (await readBundle(fresh, run_id))!;
    // Several parts; only a member larger than the cap (the models list) makes a part over it, alone.
    expect(bundle.parts.length).toBeGreaterThan(10);
    bundle.parts.forEach((part, index) => {
      if (part.byteLength > cap) expect(bundle.entries.filter((entry) => entry.part === index)).toHaveLength(1);
    });
    expect(await replay(fresh, run_id)).toMatchObject({ status: "ok", ok: true });
    expect(await entityState(fresh)).toEqual(stored);
  });

  it("a run whose parts are stored as it goes reads back from file storage what it writes: the same rows as from memory, and replays", async () => {
    const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
    const small = setupTest();
    const cap = 16 * 1024;
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      // A fresh deployment decides from the manifest from its first run: every row is read back to be inserted.
      expect((await runCounted(small, { snapshot_at: T0, archivePartBytes: cap })).report).toMatchObject({ status: "ok", ok: true });
      recording = nextDay;
      expect((await runCounted(small, { snapshot_at: T0 + DAY, archivePartBytes: cap })).report).toMatchObject({ status: "ok", ok: true });
    });
    const reference = setupTest();
    recording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      await runCounted(reference, { snapshot_at: T0 });
      recording = nextDay;
      await runCounted(reference, { snapshot_at: T0 + DAY });
    });
    expect(await entityState(small)).toEqual(await entityState(reference));
    // The models list was archived in pieces across parts of the small size, and so read back from storage.
    const runs = await allRows(small, "snapshot_runs");
    const bundle = (await readBundle(small, runs.find((run) => run.snapshot_at === T0 + DAY)!._id))!;
    const models = bundle.entries.find((entry) => entry.type === "models")!;
    expect(models.more!.length).toBeGreaterThan(3);
    expect(new Set([models.part, ...models.more!.map((piece) => piece.part)]).size).toBeGreaterThan(3);
    expect(bundle.bodyOf(models).toString("utf8")).toBe(JSON.stringify(nextDay[modelsKeyOf(nextDay)]));
    // Its replay checks the list across its pieces and reads it twice from them: the same state, nothing written.
    const before = await entityIds(small);
    expect(await replay(small, runs.find((run) => run.snapshot_at === T0 + DAY)!._id)).toMatchObject({ status: "ok", ok: true, mutations: 0 });
    expect(await entityWrites(small, before)).toBe(0);
  });

  it("a streamed body whose read failed leaves no part file behind", async () => {
    const fresh = setupTest();
    const run_id = await insertRun(fresh, T0, 0);
    const storedMidway = await fresh.action(async (ctx) => {
      let stores = 0;
      const counting = { ...ctx, storage: { ...ctx.storage, store: (blob: Blob) => (stores++, ctx.storage.store(blob)) } } as typeof ctx;
      const archiver = createConvexArchiver(counting, { run_id, snapshot_at: T0 }, { partCapBytes: 4 * 1024 });
      const stream = archiver.begin({ path: modelsKeyOf(base), params: {} });
      const text = new TextEncoder().encode(JSON.stringify(base[modelsKeyOf(base)]));
      for (let start = 0; start < text.byteLength / 2; start += 64 * 1024) await stream.push(text.subarray(start, start + 64 * 1024));
      // The connection dropped: the stream never ends, and its parts were stored meanwhile.
      const midway = stores;
      await archiver.flush();
      return midway;
    });
    expect(storedMidway).toBeGreaterThan(2);
    const files = await fresh.run((ctx) => ctx.db.system.query("_storage").collect());
    expect(files).toEqual([]);
    expect(await allRows(fresh, "archive_bundles")).toEqual([]);
  });

  it("takes the caller's durable digest: an hour whose content is unchanged is no change point, whatever its bodies; without one, the raw bodies decide", async () => {
    const fresh = setupTest();
    const key = modelsKeyOf(base);
    const runs: Id<"snapshot_runs">[] = [];
    for (let hour = 0; hour < 4; hour++) runs.push(await insertRun(fresh, T0 + hour * HOUR, 1));
    const archiveHour = (hour: number, flush: { durable_digest?: string }) =>
      fresh.action(async (ctx) => {
        const archiver = createConvexArchiver(ctx, { run_id: runs[hour], snapshot_at: T0 + hour * HOUR });
        // Every hour's body differs, as telemetry makes it.
        await archiver.archive({ key, request: requestOf(key), body: JSON.stringify({ data: [], telemetry: hour }) });
        await archiver.flush(flush);
      });
    await archiveHour(0, { durable_digest: "content v1" });
    await archiveHour(1, { durable_digest: "content v1" });
    await archiveHour(2, { durable_digest: "content v2" });
    await archiveHour(3, {});
    const bundles = (await allRows(fresh, "archive_bundles")).sort((a, b) => a.snapshot_at - b.snapshot_at);
    expect(bundles.map((bundle) => bundle.changed)).toEqual([true, false, true, true]);
    expect(bundles.slice(0, 3).map((bundle) => bundle.durable_digest)).toEqual(["content v1", "content v1", "content v2"]);
    expect(bundles[3].durable_digest).toMatch(/^raw:[0-9a-f]{64}$/);
    // A second bundle for a run is refused, and the files the failed flush stored are deleted again.
    const files = async () => (await fresh.run(async (ctx) => ctx.db.system.query("_storage").collect())).length;
    const before = await files();
    await expect(archiveHour(3, {})).rejects.toThrow(`run ${runs[3]} already has an archive bundle`);
    expect(await files()).toBe(before);
  });

  it("replays the models list as the live run read it, as a stream: an entry over the per-entry cap is reported the same way", async () => {
    const t2 = setupTest();
    const edited = cloneRecording(base);
    const entries: any[] = edited[modelsKeyOf(edited)].data;
    entries[3].description = "x".repeat(MAX_ENTRY_CHARS);
    const live = await withFakeOpenRouter({ recording: edited }, () => t2.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 }));
    const issues = await allRows(t2, "validation_issues");
    expect(issues).toEqual([expect.objectContaining({ source: "models", count: 1, message: expect.stringContaining("exceeds the 4194304-character cap") })]);
    const replayed = await replay(t2, live.run_id);
    expect(replayed).toMatchObject({ status: "ok", issues: live.issues, models: { total: live.models.total } });
    // The same issue (the same fingerprint), seen once more: not a keyed one in its place.
    expect(await allRows(t2, "validation_issues")).toEqual([expect.objectContaining({ _id: issues[0]!._id, count: 2 })]);
  });

  it("a run archived before bundles (a row and a content-addressed blob per request) still replays to the same state", async () => {
    const fresh = setupTest();
    const run_id = await insertRun(fresh, T0, REQUESTED.length);
    await fresh.run(async (ctx) => {
      const blobs = new Map<string, { storage_id: Id<"_storage">; compressed_size: number; size: number; refs: number }>();
      for (const key of REQUESTED) {
        const body = Buffer.from(JSON.stringify(base[key]));
        const sha = sha256(body);
        let blob = blobs.get(sha);
        if (!blob) {
          const gzipped = gzipSync(body);
          blob = { storage_id: await ctx.storage.store(new Blob([gzipped])), compressed_size: gzipped.byteLength, size: body.byteLength, refs: 0 };
          blobs.set(sha, blob);
        }
        blob.refs++;
        const [path, params = ""] = key.split("?");
        await ctx.db.insert("snapshot_archives", {
          run_id,
          snapshot_at: T0,
          type: path.endsWith("/models") ? "models" : "endpoints",
          params,
          storage_id: blob.storage_id,
          sha256: sha,
          size: blob.size,
          compressed_size: blob.compressed_size,
          changed: true,
        });
      }
      for (const [sha, { refs, ...blob }] of blobs) await ctx.db.insert("archive_blobs", { sha256: sha, ...blob, ref_count: refs, last_referenced_at: T0 });
    });
    expect(await replay(fresh, run_id)).toMatchObject({ status: "ok", ok: true, source: "archive" });
    expect(await entityState(fresh)).toEqual(stored);
  });
});

describe("a bundle that cannot carry a replay", () => {
  /** Points the run's bundle row at other files for one replay, then back. */
  async function withBundlePatched(patch: (row: any, ctx: any) => Promise<Record<string, unknown>>, check: (report: SnapshotReport) => void) {
    const original = (await allRows(t, "archive_bundles")).find((row) => row.run_id === first.run_id)!;
    await t.run(async (ctx) => ctx.db.patch(original._id, await patch(original, ctx)));
    const before = await entityIds(t);
    try {
      const report = await replay(t, first.run_id);
      expect(report).toMatchObject({ status: "failed", ok: false, mutations: 0 });
      expect(report.error).toContain("nothing was written");
      check(report);
      expect(await entityWrites(t, before)).toBe(0);
    } finally {
      const { _id, _creationTime, ...fields } = original;
      await t.run(async (ctx) => ctx.db.replace(_id, fields));
    }
  }

  it("fails before writing when a body does not match its SHA-256, naming the request", async () => {
    const bundle = (await readBundle(t, first.run_id))!;
    const victim = bundle.entries.find((entry) => entry.type === "endpoints")!;
    const name = `endpoints?${victim.params}`;
    // The index claims another body for one request.
    const index = JSON.parse(bundle.indexJson.toString("utf8"));
    index.entries.find((entry: { params: string }) => entry.params === victim.params).sha256 = sha256(Buffer.from("another body"));
    const json = Buffer.from(JSON.stringify(index));
    await withBundlePatched(
      async (_row, ctx) => ({ index_id: await ctx.storage.store(new Blob([gzipSync(json)])), index_sha256: sha256(json) }),
      (report) => expect(report.error).toContain(`the archived body of ${name} does not match its SHA-256 in the bundle index`),
    );
    // A byte of the member's compressed data flipped in the part file.
    const part = Buffer.from(bundle.parts[0]);
    part[victim.offset + Math.floor(victim.length / 2)] ^= 0xff;
    await withBundlePatched(
      async (row, ctx) => ({ parts: [{ ...row.parts[0], storage_id: await ctx.storage.store(new Blob([part])) }] }),
      (report) => expect(report.error).toMatch(new RegExp(`the archived body of ${name.replace(/[?.]/g, "\\$&")} (does not match|is not valid gzip)`)),
    );
  });

  it("fails before writing when a part file or the index file is missing from storage, naming which", async () => {
    const copyGone = async (ctx: any) => {
      const id = await ctx.storage.store(new Blob(["gone"]));
      await ctx.storage.delete(id);
      return id;
    };
    await withBundlePatched(
      async (row, ctx) => ({ parts: [{ ...row.parts[0], storage_id: await copyGone(ctx) }] }),
      (report) => expect(report.error).toContain(`run ${first.run_id} cannot be replayed whole: 1 of its 1 bundle part files (part 0) are missing from file storage`),
    );
    await withBundlePatched(
      async (_row, ctx) => ({ index_id: await copyGone(ctx) }),
      (report) => expect(report.error).toContain("its bundle index file is missing from file storage"),
    );
  });
});

async function compactAndWait(t: TestConvex, now: number) {
  const id = await t.mutation(internal.archive.compact, { now });
  for (let i = 0; i < 200; i++) {
    const record = await t.run(async (ctx) => ctx.db.get(id));
    if (record!.status === "done") return record!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("compaction did not finish");
}

describe("compaction of real runs' bundles", () => {
  it("rejects a bad policy with a message naming the field", async () => {
    const fresh = setupTest();
    await expect(fresh.mutation(internal.archive.compact, { policy: { hourlyForDays: -1, dailyForDays: 365 } })).rejects.toThrow(/hourlyForDays/);
    await expect(fresh.mutation(internal.archive.compact, { policy: { telemetryForDays: 30, dailyForDays: 7 } })).rejects.toThrow(/dailyForDays must be at least telemetryForDays/);
    await expect(fresh.mutation(internal.archive.compact, { policy: { hourlyForDays: 30, dailyForDays: 365, monthly: 1 } })).rejects.toThrow(/monthly|unrecognized/i);
    expect(await allRows(fresh, "archive_compactions")).toHaveLength(0);
  });

  it("run twice or alongside a snapshot, deletes exactly the bundles the policy drops with their files, tolerates a file already gone, and throws nothing", async () => {
    // The May 2025 recording has no telemetry: identical bodies, so equal raw digests, hour after hour.
    const golden = loadGolden();
    const raw2025 = countRaw(golden);
    const t = setupTest();
    const old = cloneRecording(golden);
    old[endpointsKey("liquid/lfm-7b", "standard")].data[0].pricing.prompt = "0.5";
    let recording: RawRecording = old;
    const NOW = Date.UTC(2026, 10, 1, 12);
    const day40 = NOW - 40 * DAY;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      // O: 400 days ago, beyond the daily tier. A, B, C: one day 40 days ago, identical bodies.
      const O = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW - 400 * DAY });
      recording = golden;
      const A = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 });
      const B = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 + HOUR });
      const C = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: day40 + 2 * HOUR });
      const bundles = await allRows(t, "archive_bundles");
      const bundleOf = (run_id: Id<"snapshot_runs">) => bundles.find((bundle) => bundle.run_id === run_id)!;
      expect([O, A, B, C].map((run) => bundleOf(run.run_id).changed)).toEqual([true, true, false, false]);
      // O's part vanishes behind the row's back: ctx.storage.delete would throw for it.
      await t.run(async (ctx) => ctx.storage.delete(bundleOf(O.run_id).parts[0].storage_id));

      // A snapshot runs while the walk's pages are scheduled.
      const id = await t.mutation(internal.archive.compact, { now: NOW });
      const D = await t.action(internal.snapshots_v2.runDemo, { snapshot_at: NOW });
      let record = await t.run(async (ctx) => ctx.db.get(id));
      for (let i = 0; i < 200 && record!.status !== "done"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        record = await t.run(async (ctx) => ctx.db.get(id));
      }
      // Until D's bundle is recorded, C is the newest and so kept: a concurrent walk may keep more, never less.
      expect(record).toMatchObject({ status: "done", rows_deleted: 0, blobs_deleted: 0 });
      expect(record!.bundles_deleted).toBeGreaterThanOrEqual(2);
      expect(record!.bundles_deleted).toBeLessThanOrEqual(3);

      // Again, with the snapshot done: O (beyond the daily tier), B and C (same day as A, unchanged) are gone.
      const second = await compactAndWait(t, NOW);
      expect(record!.bundles_deleted! + second.bundles_deleted!).toBe(3);
      const after = await allRows(t, "archive_bundles");
      expect(after.map((bundle) => bundle.run_id).sort()).toEqual([A.run_id, D.run_id].sort());
      const gone = [O, B, C].map((run) => bundleOf(run.run_id));
      const files = await t.run(async (ctx) => ({
        gone: await Promise.all(gone.flatMap((bundle) => [bundle.index_id, ...bundle.parts.map((part) => part.storage_id)]).map((id) => ctx.db.system.get(id))),
        kept: await Promise.all(after.flatMap((bundle) => [bundle.index_id, ...bundle.parts.map((part) => part.storage_id)]).map((id) => ctx.db.system.get(id))),
      }));
      expect(files.gone.every((file) => file === null)).toBe(true);
      expect(files.kept.every((file) => file !== null)).toBe(true);
      const traces = await t.run(async (ctx) => Promise.all([O, A, B, C, D].map(async (run) => (await ctx.db.get(run.run_id))!.archives_compacted?.deleted ?? 0)));
      expect(traces).toEqual([1 + raw2025.variantFetches, 0, 1 + raw2025.variantFetches, 1 + raw2025.variantFetches, 0]);
      const keptBytes = after.reduce((sum, bundle) => sum + bundle.compressed_bytes, 0);
      expect(await t.query(api.archive.storageStats, {})).toMatchObject({ bundles: 2, responses: 2 * (1 + raw2025.variantFetches), stored_bytes: keptBytes });

      const third = await compactAndWait(t, NOW);
      expect(third).toMatchObject({ bundles_deleted: 0, bundles_examined: 1 });
      const replayed = await t.action(internal.snapshots_v2.runDemo, { replay_from: A.run_id, output: "dry-run" });
      expect(replayed.status).toBe("ok");
    });
  });

  it("is scheduled daily by the cron", () => {
    const jobs = (crons as unknown as { crons: Record<string, { name: string; schedule: { type: string; cron?: string } }> }).crons;
    expect(jobs["daily archive compaction"]).toMatchObject({ name: "archive:compact", schedule: { type: "cron", cron: "35 3 * * *" } });
  });
});
