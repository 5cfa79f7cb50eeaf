/**
 * changeEvents, the change event of one entity write in `entities.applyBatch`: hand-made stored rows
 * and writes, one case per rule (added, updated with rates and their largest percentage, metadata
 * only, unchanged, hash-only, returned with and without content, a model losing its endpoints,
 * removed and moved by a mark, a mark of an unavailable row), then `broadRewrites` on both sides of
 * its threshold. Every expected key, tag and percentage is worked out by hand; the reason texts are
 * checked against `UNAVAILABLE_REASONS`, what `upsertEntityRow` and `markRowUnavailable` store.
 */
import { describe, expect, it } from "vitest";
import type { Infer } from "convex/values";
import type { Doc } from "../../convex/_generated/dataModel";
import { UNAVAILABLE_REASONS } from "../../convex/lib/entityRows";
import type { vEndpointWrite, vModelWrite } from "../../convex/lib/validators";
import {
  broadRewrites,
  mergeTallies,
  tallyPaths,
  eventOfMark,
  eventOfWrite,
  LISTED_WITHOUT_ENDPOINT,
  type ChangeEvent,
  type EntityWrite,
  type StoredEntityRow,
} from "../../src/history/changeEvents";

const ENDPOINT_KEY = '["acme/widget-20260101","standard","ep-1"]';

function endpointValue(overrides: Record<string, unknown> = {}) {
  return {
    model_permaslug: "acme/widget-20260101",
    variant: "standard",
    endpoint_id: "ep-1",
    model_slug: "acme/widget",
    provider_slug: "fastco",
    context_length: 8192,
    pricing: { prompt: 0.000002, completion: 0.00001 },
    pricing_version_id: "pv-1",
    ...overrides,
  };
}

function modelValue(overrides: Record<string, unknown> = {}) {
  return { slug: "acme/widget", name: "Widget", context_length: 8192, description: "A widget.", ...overrides };
}

/** A stored row as upsertEntityRow leaves it: the value plus its bookkeeping. */
function stored<Value extends object>(value: Value, hash: string, unavailable?: { at: number; reason?: string }) {
  return {
    ...value,
    content_hash: hash,
    first_seen_at: 1,
    changed_at: 2,
    unavailable_at: unavailable?.at ?? null,
    ...(unavailable?.reason === undefined ? {} : { unavailable_reason: unavailable.reason }),
  };
}

describe("the reasons are the ones applyBatch stores", () => {
  it("names a model listed with no endpoint as upsertEntityRow does", () => {
    expect(LISTED_WITHOUT_ENDPOINT).toBe(UNAVAILABLE_REASONS.noEndpoint);
  });

  it("takes the stored rows and the writes applyBatch has (compile-time)", () => {
    const model: StoredEntityRow<"model"> = {} as Doc<"or_models">;
    const endpoint: StoredEntityRow<"endpoint"> = {} as Doc<"or_endpoints">;
    const modelWrite: EntityWrite<"model"> = {} as Infer<typeof vModelWrite>;
    const endpointWrite: EntityWrite<"endpoint"> = {} as Infer<typeof vEndpointWrite>;
    expect([model, endpoint, modelWrite, endpointWrite]).toHaveLength(4);
  });
});

describe("eventOfWrite", () => {
  it("records a first-seen endpoint as added, keyed by (permaslug, variant, id), with availability and no fields", () => {
    expect(eventOfWrite("endpoint", null, { value: endpointValue(), content_hash: "h1" })).toEqual({
      entity: "endpoint",
      key: ENDPOINT_KEY,
      model_slug: "acme/widget",
      provider_slug: "fastco",
      event: "added",
      reason: null,
      fields: [],
      tags: ["availability"],
      rates: [],
      max_abs_percent: null,
    } satisfies ChangeEvent);
  });

  it("records a model first seen with no endpoint as added, with the reason it is stored unavailable", () => {
    const event = eventOfWrite("model", null, { value: modelValue(), content_hash: "h1", available: false });
    expect(event).toMatchObject({ entity: "model", key: "acme/widget", model_slug: "acme/widget", provider_slug: null, event: "added" });
    expect(event?.reason).toBe("listed with no endpoint now");
    expect(event?.tags).toEqual(["availability"]);
  });

  it("records a price change as updated with each rate's percentage and the largest absolute one", () => {
    // prompt 2e-6 → 2.5e-6: +25 %; completion 1e-5 → 6e-6: −40 %; so the largest |percent| is 40.
    const next = endpointValue({ pricing: { prompt: 0.0000025, completion: 0.000006 }, pricing_version_id: "pv-2" });
    const event = eventOfWrite("endpoint", stored(endpointValue(), "h1"), { value: next, content_hash: "h2" });
    expect(event).toMatchObject({ event: "updated", key: ENDPOINT_KEY, reason: null, tags: ["metadata", "price"], max_abs_percent: 40 });
    expect(event?.rates).toEqual([
      { path: "pricing.completion", before: 0.00001, after: 0.000006, percent: -40 },
      { path: "pricing.prompt", before: 0.000002, after: 0.0000025, percent: 25 },
    ]);
    expect(event?.fields.map((field) => field.path)).toEqual(["pricing.completion", "pricing.prompt", "pricing_version_id"]);
  });

  it("records a pricing_version_id change alone as a metadata update with no price change", () => {
    const event = eventOfWrite("endpoint", stored(endpointValue(), "h1"), { value: endpointValue({ pricing_version_id: "pv-2" }), content_hash: "h2" });
    expect(event).toMatchObject({ event: "updated", tags: ["metadata"], rates: [], max_abs_percent: null });
    expect(event?.fields).toEqual([{ path: "pricing_version_id", before: "pv-1", after: "pv-2", tag: "metadata" }]);
  });

  it("records nothing for an unchanged write (same hash, same availability)", () => {
    expect(eventOfWrite("endpoint", stored(endpointValue(), "h1"), { value: endpointValue(), content_hash: "h1" })).toBeNull();
    const gone = stored(modelValue(), "h1", { at: 5, reason: "gone upstream" });
    expect(eventOfWrite("model", gone, { value: modelValue(), content_hash: "h1", available: false })).toBeNull();
  });

  it("records nothing when only the hash moved and the content is the same", () => {
    expect(eventOfWrite("endpoint", stored(endpointValue(), "old-hash"), { value: endpointValue(), content_hash: "new-hash" })).toBeNull();
  });

  it("records a row that comes back with the same content as returned, with availability only", () => {
    const row = { ...stored(endpointValue(), "h1", { at: 5, reason: "gone upstream" }), returned_at: 3 };
    const expected = { event: "returned", reason: "gone upstream", fields: [], tags: ["availability"], rates: [], max_abs_percent: null };
    expect(eventOfWrite("endpoint", row, { value: endpointValue(), content_hash: "h1" })).toMatchObject(expected);
    // A new hash over the same content: the stored reason and returned_at are bookkeeping, not a change.
    expect(eventOfWrite("endpoint", row, { value: endpointValue(), content_hash: "h2" })).toMatchObject(expected);
  });

  it("records a row that comes back changed as returned, with the diff", () => {
    const row = stored(modelValue(), "h1", { at: 5, reason: "gone upstream" });
    const event = eventOfWrite("model", row, { value: modelValue({ context_length: 16384 }), content_hash: "h2", available: true });
    expect(event).toMatchObject({ event: "returned", reason: "gone upstream", tags: ["availability", "context"] });
    expect(event?.fields).toEqual([{ path: "context_length", before: 8192, after: 16384, tag: "context" }]);
  });

  it("records a model that lost its last endpoint as removed, listed with no endpoint now", () => {
    const event = eventOfWrite("model", stored(modelValue(), "h1"), { value: modelValue(), content_hash: "h1", available: false });
    expect(event).toMatchObject({ event: "removed", key: "acme/widget", reason: UNAVAILABLE_REASONS.noEndpoint, fields: [], tags: ["availability"] });
    const changed = eventOfWrite("model", stored(modelValue(), "h1"), { value: modelValue({ description: "Gone soon." }), content_hash: "h2", available: false });
    expect(changed).toMatchObject({ event: "removed", reason: UNAVAILABLE_REASONS.noEndpoint, tags: ["availability", "metadata"] });
    expect(changed?.fields).toEqual([{ path: "description", before: "A widget.", after: "Gone soon.", tag: "metadata" }]);
  });

  it("records a content change of a model that stays unavailable as updated, without availability", () => {
    const row = stored(modelValue(), "h1", { at: 5, reason: UNAVAILABLE_REASONS.noEndpoint });
    const event = eventOfWrite("model", row, { value: modelValue({ name: "Widget 2" }), content_hash: "h2", available: false });
    expect(event).toMatchObject({ event: "updated", reason: null, tags: ["metadata"] });
    expect(event?.fields).toEqual([{ path: "name", before: "Widget", after: "Widget 2", tag: "metadata" }]);
  });
});

describe("eventOfMark", () => {
  it("records an endpoint gone upstream as removed, with the reason as stored", () => {
    const event = eventOfMark("endpoint", stored(endpointValue(), "h1"), { reason: UNAVAILABLE_REASONS.gone });
    expect(event).toEqual({
      entity: "endpoint",
      key: ENDPOINT_KEY,
      model_slug: "acme/widget",
      provider_slug: "fastco",
      event: "removed",
      reason: "gone upstream",
      fields: [],
      tags: ["availability"],
      rates: [],
      max_abs_percent: null,
    } satisfies ChangeEvent);
  });

  it("records a moved endpoint as moved, keyed by its old key, with the new key as reason", () => {
    const to = '["acme/widget-20260101","standard","ep-9"]';
    expect(eventOfMark("endpoint", stored(endpointValue(), "h1"), { movedTo: to })).toMatchObject({
      event: "moved",
      key: ENDPOINT_KEY,
      reason: to,
      tags: ["availability"],
    });
  });

  it("records nothing for a row that is already unavailable", () => {
    const row = stored(endpointValue(), "h1", { at: 5, reason: "gone upstream" });
    expect(eventOfMark("endpoint", row, { reason: UNAVAILABLE_REASONS.gone })).toBeNull();
    expect(eventOfMark("endpoint", row, { movedTo: '["x","standard","y"]' })).toBeNull();
    expect(eventOfMark("model", stored(modelValue(), "h1", { at: 5 }), { reason: UNAVAILABLE_REASONS.gone })).toBeNull();
  });
});

describe("broadRewrites", () => {
  /** An `updated` event of endpoint number i changing the given paths. */
  function updated(i: number, paths: string[], event: ChangeEvent["event"] = "updated", entity: ChangeEvent["entity"] = "endpoint"): ChangeEvent {
    return {
      entity,
      key: `k${i}`,
      model_slug: "m",
      provider_slug: null,
      event,
      reason: null,
      fields: paths.map((path) => ({ path, before: 1, after: 2, tag: "metadata" as const })),
      tags: ["metadata"],
      rates: [],
      max_abs_percent: null,
    };
  }
  const sizes = { model: 4, endpoint: 10 };

  it("names no rewrite when the count is at the share (3 of 10 at 0.3)", () => {
    const events = [1, 2, 3].map((i) => updated(i, ["pricing_version_id"]));
    expect(broadRewrites(events, sizes, 0.3)).toEqual([]);
  });

  it("names one rewrite when the count is just above the share (4 of 10 at 0.3)", () => {
    const events = [1, 2, 3, 4].map((i) => updated(i, ["pricing_version_id"]));
    expect(broadRewrites(events, sizes, 0.3)).toEqual([{ entity: "endpoint", path: "pricing_version_id", count: 4 }]);
  });

  it("counts only updated events, once per event, per table, sorted by entity then path", () => {
    const events = [
      updated(1, ["z_field", "a_field"]),
      updated(2, ["z_field", "a_field"]),
      updated(3, ["z_field", "a_field", "a_field"]),
      updated(4, ["z_field"]),
      updated(5, ["a_field"], "returned"),
      updated(6, ["a_field"], "removed"),
      // 2 of 4 models: above 0.3 × 4 = 1.2.
      updated(7, ["name"], "updated", "model"),
      updated(8, ["name"], "updated", "model"),
    ];
    expect(broadRewrites(events, sizes, 0.3)).toEqual([
      { entity: "endpoint", path: "z_field", count: 4 },
      { entity: "model", path: "name", count: 2 },
    ]);
    expect(broadRewrites([...events].reverse(), sizes, 0.25)).toEqual([
      { entity: "endpoint", path: "a_field", count: 3 },
      { entity: "endpoint", path: "z_field", count: 4 },
      { entity: "model", path: "name", count: 2 },
    ]);
  });

  it("refuses a share outside 0..1", () => {
    expect(() => broadRewrites([], sizes, -0.1)).toThrow(RangeError);
    expect(() => broadRewrites([], sizes, Number.NaN)).toThrow(RangeError);
  });
});

describe("tallyPaths and mergeTallies", () => {
  const priceEvent = (key: string, percent: number): ChangeEvent => ({
    entity: "endpoint",
    key,
    model_slug: "m",
    provider_slug: "p",
    event: "updated",
    reason: null,
    fields: [
      { path: "pricing.prompt", before: 1, after: 1 + percent / 100, tag: "price" },
      { path: "pricing_version_id", before: "a", after: "b", tag: "metadata" },
    ],
    tags: ["metadata", "price"],
    rates: [{ path: "pricing.prompt", before: 1, after: 1 + percent / 100, percent }],
    max_abs_percent: Math.abs(percent),
  });

  it("counts each path with its own tag and the largest |percent| of the rates inside it", () => {
    expect(tallyPaths([priceEvent("a", 10), priceEvent("b", -25)])).toEqual([
      { entity: "endpoint", path: "pricing.prompt", count: 2, tag: "price", max_abs_percent: 25 },
      { entity: "endpoint", path: "pricing_version_id", count: 2, tag: "metadata", max_abs_percent: null },
    ]);
  });

  it("adds batches up: merging two batches' tallies equals tallying all their events", () => {
    const [a, b, c] = [priceEvent("a", 10), priceEvent("b", -25), priceEvent("c", 5)];
    expect(mergeTallies(tallyPaths([a, b]), tallyPaths([c]))).toEqual(tallyPaths([a, b, c]));
    expect(tallyPaths([c], tallyPaths([a, b]))).toEqual(tallyPaths([a, b, c]));
  });
});
