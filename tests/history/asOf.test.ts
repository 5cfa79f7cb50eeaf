/**
 * entityAsOf and priceHistory: a stored row rolled back through its later events, on hand-made
 * histories whose states at every instant are written out by hand.
 */
import { describe, expect, it } from "vitest";
import { entityAsOf, priceHistory, type HistoryEvent } from "../../src/history/asOf";
import { revertOf } from "../../src/history/revert";

const v1 = { key: "e", pricing: { prompt: 0.000001, completion: 0.000002 }, context_length: 8192 };
const v2 = { key: "e", pricing: { prompt: 0.0000012, completion: 0.000002 }, context_length: 8192 };
const v3 = { key: "e", pricing: { prompt: 0.0000012, completion: 0.000002 }, context_length: 16384 };

/** Added at 10 (v1), price at 20 (v2), removed at 30, returned at 40 with a context change (v3). */
const events: HistoryEvent[] = [
  { snapshot_at: 40, event: "returned", reason: "gone upstream", revert: revertOf(v2, v3) },
  { snapshot_at: 30, event: "removed", reason: "gone upstream", revert: "" },
  { snapshot_at: 20, event: "updated", reason: null, revert: revertOf(v1, v2) },
  { snapshot_at: 10, event: "added", reason: null, revert: "" },
];
const row = { ...v3, content_hash: "h3", first_seen_at: 10, changed_at: 40, unavailable_at: null, returned_at: 40 };
const after = (at: number) => events.filter((event) => event.snapshot_at > at);

describe("entityAsOf", () => {
  it("gives each instant's content and availability", () => {
    expect(entityAsOf(row, after(5))).toBeNull();
    expect(entityAsOf(row, after(10))).toEqual({ value: v1, available: true, unavailable_reason: null });
    expect(entityAsOf(row, after(25))).toEqual({ value: v2, available: true, unavailable_reason: null });
    expect(entityAsOf(row, after(35))).toEqual({ value: v2, available: false, unavailable_reason: "gone upstream" });
    expect(entityAsOf(row, after(40))).toEqual({ value: v3, available: true, unavailable_reason: null });
  });

  it("refuses events that are not newest first", () => {
    expect(() => entityAsOf(row, [events[2], events[0]])).toThrow(/newest first/);
  });
});

describe("priceHistory", () => {
  it("lists every rate and since when, merging stretches whose rates and availability agree", () => {
    expect(priceHistory(row, events)).toEqual([
      // 40 → now: v3's rates, which are v2's: the context change does not start a new period.
      { from: 40, to: null, available: true, rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.0000012 } },
      { from: 30, to: 40, available: false, rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.0000012 } },
      { from: 20, to: 30, available: true, rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.0000012 } },
      { from: 10, to: 20, available: true, rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.000001 } },
    ]);
  });

  it("starts the oldest period at null when the endpoint is older than its history", () => {
    expect(priceHistory(row, events.slice(0, 3)).at(-1)).toEqual({
      from: null,
      to: 20,
      available: true,
      rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.000001 },
    });
    expect(priceHistory({ ...v1, unavailable_at: null }, [])).toEqual([
      { from: null, to: null, available: true, rates: { "pricing.completion": 0.000002, "pricing.prompt": 0.000001 } },
    ]);
  });
});
