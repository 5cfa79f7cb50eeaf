/**
 * The feed's rules on hand-made rows: which index a filter picks, what each filter keeps, how a
 * run's broad rewrite folds the rows it stands for, and bad filters named.
 */
import { describe, expect, it } from "vitest";
import { checkFilter, feedIndex, foldRewrites, foldsRewrites, matchesFilter, type FeedRow } from "../../src/history/feed";

const row = (over: Partial<FeedRow>): FeedRow => ({
  snapshot_at: 100,
  run_id: "r1",
  entity: "endpoint",
  key: "k",
  model_slug: "acme/widget",
  provider_slug: "fastco",
  event: "updated",
  fields: [{ path: "pricing.prompt" }],
  tags: ["price"],
  max_abs_percent: 12.5,
  ...over,
});

describe("feedIndex", () => {
  it("picks model, then provider, then entity kind, else time", () => {
    expect(feedIndex({ model: "m", provider: "p", entity: "model" }).index).toBe("by_model_slug_and_snapshot_at");
    expect(feedIndex({ provider: "p", entity: "model", tag: "price" })).toEqual({ index: "by_provider_slug_and_snapshot_at", field: "provider_slug", value: "p" });
    expect(feedIndex({ entity: "model", tag: "price" })).toEqual({ index: "by_entity_and_snapshot_at", field: "entity", value: "model" });
    expect(feedIndex({ tag: "price", since: 1 })).toEqual({ index: "by_snapshot_at", field: null, value: null });
  });
});

describe("matchesFilter", () => {
  it("keeps a row only when every filter given holds", () => {
    const price = row({});
    expect(matchesFilter(price, {})).toBe(true);
    expect(matchesFilter(price, { since: 100, until: 100 })).toBe(true);
    expect(matchesFilter(price, { since: 101 })).toBe(false);
    expect(matchesFilter(price, { until: 99 })).toBe(false);
    expect(matchesFilter(price, { tag: "price", min_percent: 12.5 })).toBe(true);
    expect(matchesFilter(price, { min_percent: 12.51 })).toBe(false);
    expect(matchesFilter(price, { tag: "context" })).toBe(false);
    expect(matchesFilter(price, { model: "acme/widget", provider: "fastco", entity: "endpoint" })).toBe(true);
    expect(matchesFilter(price, { provider: "slowco" })).toBe(false);
    expect(matchesFilter(row({ max_abs_percent: null, tags: ["metadata"] }), { min_percent: 0 })).toBe(false);
  });
});

describe("foldRewrites", () => {
  const rewrite = row({ event: "rewrite", key: "pricing_version_id", model_slug: null, provider_slug: null, fields: [], tags: ["metadata"], max_abs_percent: null });
  const versionOnly = row({ key: "a", fields: [{ path: "pricing_version_id" }], tags: ["metadata"] });
  const versionAndPrice = row({ key: "b", fields: [{ path: "pricing.prompt" }, { path: "pricing_version_id" }] });
  const otherRun = row({ key: "c", run_id: "r2", fields: [{ path: "pricing_version_id" }] });
  const modelRow = row({ key: "m", entity: "model", fields: [{ path: "pricing_version_id" }] });

  it("drops the updated rows whose every path a rewrite of their run and kind covers, and keeps the rest", () => {
    const rows = [rewrite, versionOnly, versionAndPrice, otherRun, modelRow];
    expect(foldRewrites(rows, new Map([["r1", [rewrite]]]))).toEqual([rewrite, versionAndPrice, otherRun, modelRow]);
    expect(foldRewrites(rows, new Map())).toEqual(rows);
  });

  it("folds only without a model or provider filter", () => {
    expect(foldsRewrites({ tag: "price", entity: "endpoint" })).toBe(true);
    expect(foldsRewrites({ model: "m" })).toBe(false);
    expect(foldsRewrites({ provider: "p" })).toBe(false);
  });
});

describe("checkFilter", () => {
  it("names a bad time, a reversed range and a bad minimum", () => {
    expect(() => checkFilter({ since: Number.NaN })).toThrow("since must be a finite number, got NaN");
    expect(() => checkFilter({ since: 5, until: 4 })).toThrow("since (5) is after until (4)");
    expect(() => checkFilter({ min_percent: -1 })).toThrow("min_percent must be at least 0, got -1");
    expect(checkFilter({ since: 4, until: 5, min_percent: 0 })).toEqual({ since: 4, until: 5, min_percent: 0 });
  });
});
