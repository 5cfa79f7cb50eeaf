/**
 * The public queries that page or take a limit, on convex-test with transaction limits: a page
 * or a limit above `MAX_PAGE_SIZE` is capped, a count that is not a positive integer (2.5, 0, -1,
 * NaN) or a negative window is rejected naming the argument, and the defaults still answer.
 * Rows are inserted directly (a small run row, issue, ledger field; one model row from the 2026
 * golden recording, under many slugs), so only the queries are under test.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import { MAX_PAGE_SIZE } from "../../convex/lib/queryLimits";
import { ModelEntrySchema } from "../../src/openrouter/schemas";
import { GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";
import { setupTest, type TestConvex } from "./setup";

const T0 = Date.UTC(2026, 6, 24, 12);
const HOUR = 3_600_000;
const MORE_THAN_A_PAGE = MAX_PAGE_SIZE + 5;
const BAD_COUNTS = [2.5, 0, -1, Number.NaN];
const run = { started_at: T0, status: "ok" as const, config: { output: "convex", source: "remote", maxConcurrency: 8 } };

async function insertRuns(t: TestConvex, count: number) {
  return t.run(async (ctx) => {
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(await ctx.db.insert("snapshot_runs", { ...run, snapshot_at: T0 + i * HOUR }));
    return ids;
  });
}

describe("snapshot_runs.list", () => {
  it("caps a page at MAX_PAGE_SIZE and pages on from there", async () => {
    const t = setupTest();
    await insertRuns(t, MORE_THAN_A_PAGE);
    const first = await t.query(api.snapshot_runs.list, { paginationOpts: { numItems: 1_000_000, cursor: null } });
    expect(first.page).toHaveLength(MAX_PAGE_SIZE);
    expect(first.isDone).toBe(false);
    const rest = await t.query(api.snapshot_runs.list, { paginationOpts: { numItems: 1_000_000, cursor: first.continueCursor } });
    expect(rest.page).toHaveLength(5);
    // A page within the cap is served as asked, newest first.
    const three = await t.query(api.snapshot_runs.list, { paginationOpts: { numItems: 3, cursor: null } });
    expect(three.page.map((r) => r.snapshot_at)).toEqual([2, 1, 0].map((i) => T0 + (MORE_THAN_A_PAGE - 3 + i) * HOUR));
  });
  it("rejects a page size that is not a positive integer, naming paginationOpts.numItems", async () => {
    const t = setupTest();
    await insertRuns(t, 3);
    for (const numItems of BAD_COUNTS) {
      await expect(t.query(api.snapshot_runs.list, { paginationOpts: { numItems, cursor: null } })).rejects.toThrow(
        `paginationOpts.numItems must be a positive integer, got ${numItems}`,
      );
    }
  });
});

describe("validation_issues.recent", () => {
  it("caps limit, defaults to 50, and rejects a limit that is not a positive integer, naming it", async () => {
    const t = setupTest();
    await t.run(async (ctx) => {
      const last_run_id = await ctx.db.insert("snapshot_runs", { ...run, snapshot_at: T0 });
      for (let i = 0; i < MORE_THAN_A_PAGE; i++) {
        await ctx.db.insert("validation_issues", { source: "models", sha256: `sha-${i}`, message: "bad", first_seen_at: T0, last_seen_at: T0 + i, last_run_id, count: 1 });
      }
    });
    expect(await t.query(api.validation_issues.recent, {})).toHaveLength(50);
    expect(await t.query(api.validation_issues.recent, { limit: 1_000_000 })).toHaveLength(MAX_PAGE_SIZE);
    const two = await t.query(api.validation_issues.recent, { limit: 2 });
    expect(two.map((issue) => issue.sha256)).toEqual([`sha-${MORE_THAN_A_PAGE - 1}`, `sha-${MORE_THAN_A_PAGE - 2}`]);
    for (const limit of BAD_COUNTS) {
      await expect(t.query(api.validation_issues.recent, { limit })).rejects.toThrow(`limit must be a positive integer, got ${limit}`);
    }
  });
});

describe("upstream_fields.list and recent", () => {
  async function insertFields(t: TestConvex) {
    await t.run(async (ctx) => {
      for (let i = 0; i < MORE_THAN_A_PAGE; i++) {
        await ctx.db.insert("upstream_fields", {
          scope: "endpoint",
          path: `field_${String(i).padStart(3, "0")}`,
          treatment: "unmapped",
          mapped: false,
          // One new field an hour, counting back from T0.
          first_seen_at: T0 - i * HOUR,
          last_seen_at: T0,
          present: true,
          gone_at: null,
          count: 1,
          example: "1",
          baseline: false,
        });
      }
    });
  }
  it("list caps a page and rejects a page size that is not a positive integer, naming it", async () => {
    const t = setupTest();
    await insertFields(t);
    const page = await t.query(api.upstream_fields.list, { scope: "endpoint", paginationOpts: { numItems: 1_000_000, cursor: null } });
    expect(page.page).toHaveLength(MAX_PAGE_SIZE);
    for (const numItems of BAD_COUNTS) {
      await expect(t.query(api.upstream_fields.list, { scope: "endpoint", paginationOpts: { numItems, cursor: null } })).rejects.toThrow(
        /paginationOpts\.numItems must be a positive integer/,
      );
    }
  });
  it("recent keeps its defaults (7 days, 50 rows), caps limit, and rejects a bad limit, days or now, naming it", async () => {
    const t = setupTest();
    await insertFields(t);
    expect(await t.query(api.upstream_fields.recent, { now: T0 })).toHaveLength(50);
    expect(await t.query(api.upstream_fields.recent, { now: T0, days: 1, limit: 1_000_000 })).toHaveLength(25); // hours 0..24
    expect(await t.query(api.upstream_fields.recent, { now: T0, days: 30, limit: 1_000_000 })).toHaveLength(MAX_PAGE_SIZE);
    expect(await t.query(api.upstream_fields.recent, { now: T0, days: 0.5, limit: 100 })).toHaveLength(13); // hours 0..12
    for (const limit of BAD_COUNTS) {
      await expect(t.query(api.upstream_fields.recent, { now: T0, limit })).rejects.toThrow(`limit must be a positive integer, got ${limit}`);
    }
    for (const days of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(t.query(api.upstream_fields.recent, { now: T0, days })).rejects.toThrow(`days must be a finite number of at least 0, got ${days}`);
    }
    await expect(t.query(api.upstream_fields.recent, { now: Number.NaN })).rejects.toThrow("now must be a finite number, got NaN");
  });
});

describe("catalogue lists", () => {
  it("or_models.list caps a page of models at MAX_PAGE_SIZE", async () => {
    const recording = loadRecording(GOLDEN_2026_PATHS.base);
    const { variant: _variant, endpoint_id: _endpointId, ...model } = ModelEntrySchema.parse(recording[modelsKeyOf(recording)].data[0]);
    const t = setupTest();
    await t.run(async (ctx) => {
      for (let i = 0; i < MORE_THAN_A_PAGE; i++) {
        const slug = `test/model-${String(i).padStart(3, "0")}`;
        await ctx.db.insert("or_models", { ...model, slug, permaslug: slug, variants: [], content_hash: `hash-${i}`, first_seen_at: T0, changed_at: T0, unavailable_at: null });
      }
    });
    const page = await t.query(api.or_models.list, { paginationOpts: { numItems: 1_000_000, cursor: null } });
    expect(page.page).toHaveLength(MAX_PAGE_SIZE);
    expect(page.page[0].slug).toBe("test/model-000");
    const small = await t.query(api.or_models.list, { paginationOpts: { numItems: 10, cursor: null } });
    expect(small.page).toHaveLength(10);
  });
  it("or_models.list and or_endpoints.list reject a page size that is not a positive integer, naming it", async () => {
    const t = setupTest();
    for (const numItems of BAD_COUNTS) {
      await expect(t.query(api.or_models.list, { paginationOpts: { numItems, cursor: null } })).rejects.toThrow(/paginationOpts\.numItems/);
      await expect(t.query(api.or_endpoints.list, { paginationOpts: { numItems, cursor: null } })).rejects.toThrow(/paginationOpts\.numItems/);
    }
  });
});
