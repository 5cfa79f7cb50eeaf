/**
 * HistoryReplayWriter, the output handler a history backfill replays runs through: hand-made runs
 * of a two-model catalogue, each fed as the pipeline feeds a writer, and the events it hands out
 * worked out by hand from the rules of `applyBatch` and `ChangeLog` (added, updated with its
 * revert, returned, removed, moved, a model listed with no endpoint, broad rewrites), what a run's
 * recorded verdict does to its removals (withheld by the share guard, all held, accepted later),
 * and a run after a gap (the shadow moves, no event).
 */
import { describe, expect, it } from "vitest";
import { UNAVAILABLE_REASONS } from "../../convex/lib/entityRows";
import { LISTED_WITHOUT_ENDPOINT, type ChangeEvent } from "../../src/history/changeEvents";
import { HistoryReplayWriter, type RemovalVerdict } from "../../src/history/historyReplayWriter";
import { ShadowCatalogue } from "../../src/history/shadowCatalogue";
import type { OrEndpoint, OrModel } from "../../src/openrouter/schemas";
import type { PipelineResult } from "../../src/pipeline/types";

const PERMA = "acme/widget-20260101";

function model(slug: string, variants: string[], extra: Record<string, unknown> = {}): PipelineResult {
  return {
    kind: "model",
    value: {
      slug,
      is_alias: false,
      name: slug,
      context_length: 8,
      variants: variants.map((variant) => ({ permaslug: `${slug}-20260101`, variant })),
      ...extra,
    } as unknown as OrModel,
  };
}

function endpoint(variant: string, endpoint_id: string, prompt = "0.000001", extra: Record<string, unknown> = {}): PipelineResult {
  return {
    kind: "endpoint",
    value: { model_permaslug: PERMA, variant, endpoint_id, model_slug: "acme/widget", provider_slug: "fastco", pricing: { prompt }, ...extra } as unknown as OrEndpoint,
  };
}

const key = (variant: string, id: string) => JSON.stringify([PERMA, variant, id]);

/** Replays one run into `shadow`; returns its events (with reverts) and its broad rewrites. */
async function replay(
  shadow: ShadowCatalogue,
  snapshot_at: number,
  results: PipelineResult[],
  options: { record?: boolean; removals?: RemovalVerdict; run_id?: string } = {},
) {
  const events: (ChangeEvent & { revert: string })[] = [];
  const writer = new HistoryReplayWriter(shadow, {
    snapshot_at,
    run_id: options.run_id ?? `run-${snapshot_at}`,
    record: options.record ?? true,
    removals: options.removals ?? { kind: "applied" },
    reasons: UNAVAILABLE_REASONS,
    broadRewriteShare: 0.25,
    onEvent: (event, revert) => void events.push({ ...event, revert }),
  });
  writer.init();
  for (const result of results) await writer.write(result);
  await writer.finish();
  return { events, rewrites: writer.rewrites, byKey: new Map(events.map((event) => [event.key, event])) };
}

const BASE = [model("acme/widget", ["standard"]), model("acme/retired", []), endpoint("standard", "e1"), endpoint("standard", "e2")];

describe("HistoryReplayWriter", () => {
  it("hands out an `added` event per entity of the first run, a model listed with no endpoint with its reason", async () => {
    const { events, byKey } = await replay(new ShadowCatalogue(), 10, BASE);
    expect(events.map((event) => [event.key, event.event])).toEqual([
      ["acme/widget", "added"],
      ["acme/retired", "added"],
      [key("standard", "e1"), "added"],
      [key("standard", "e2"), "added"],
    ]);
    expect(byKey.get("acme/retired")).toMatchObject({ reason: LISTED_WITHOUT_ENDPOINT, tags: ["availability"], revert: "" });
    expect(byKey.get(key("standard", "e1"))).toMatchObject({ model_slug: "acme/widget", provider_slug: "fastco", reason: null, fields: [], revert: "" });
  });

  it("hands out updates with their revert, returns, removals and moves, and names a broad rewrite", async () => {
    const shadow = new ShadowCatalogue();
    await replay(shadow, 10, [...BASE, model("acme/gone", ["standard"])]);
    const { events, byKey, rewrites } = await replay(shadow, 20, [
      // context 8 → 16; the retired model gets a variant back; e1's prompt doubles; e2 reappears under variant beta; acme/gone is not listed.
      model("acme/widget", ["standard", "beta"], { context_length: 16 }),
      model("acme/retired", ["standard"]),
      endpoint("standard", "e1", "0.000002"),
      endpoint("beta", "e2"),
    ]);
    expect(events.map((event) => [event.key, event.event]).sort()).toEqual(
      [
        ["acme/widget", "updated"],
        ["acme/retired", "returned"],
        [key("standard", "e1"), "updated"],
        [key("beta", "e2"), "added"],
        ["acme/gone", "removed"],
        [key("standard", "e2"), "moved"],
      ].sort(),
    );
    expect(byKey.get("acme/widget")).toMatchObject({ tags: expect.arrayContaining(["context"]) });
    expect(byKey.get("acme/widget")!.fields).toContainEqual({ path: "context_length", before: 8, after: 16, tag: "context" });
    expect(JSON.parse(byKey.get("acme/widget")!.revert)).toEqual({
      set: { context_length: 8, variants: [{ permaslug: "acme/widget-20260101", variant: "standard" }] },
      unset: [],
    });
    expect(byKey.get("acme/retired")).toMatchObject({ reason: LISTED_WITHOUT_ENDPOINT, tags: expect.arrayContaining(["availability"]) });
    expect(byKey.get(key("standard", "e1"))).toMatchObject({
      rates: [{ path: "pricing.prompt", before: 0.000001, after: 0.000002, percent: 100 }],
      max_abs_percent: 100,
    });
    expect(byKey.get("acme/gone")).toMatchObject({ reason: UNAVAILABLE_REASONS.gone, fields: [], revert: "" });
    expect(byKey.get(key("standard", "e2"))).toMatchObject({ reason: key("beta", "e2"), revert: "" });
    // One of the two endpoints before the run changed its prompt price, one of the three models its context and variants: each more than a quarter of its table.
    expect(rewrites).toEqual([
      { entity: "endpoint", path: "pricing.prompt", count: 1, tag: "price", max_abs_percent: 100 },
      { entity: "model", path: "context_length", count: 1, tag: "context", max_abs_percent: null },
      { entity: "model", path: "variants", count: 1, tag: "availability", max_abs_percent: null },
    ]);
    // The moved row keeps its new key as its reason, as markRowUnavailable stores it.
    expect(shadow.endpoints.get(key("standard", "e2"))).toMatchObject({ unavailable_at: 20, unavailable_reason: UNAVAILABLE_REASONS.moved(key("beta", "e2")) });
  });

  it("writes a model that lost its last endpoint as removed, listed with no endpoint now", async () => {
    const shadow = new ShadowCatalogue();
    await replay(shadow, 10, BASE);
    const { events } = await replay(shadow, 20, [model("acme/widget", []), model("acme/retired", [])]);
    expect(events.map((event) => [event.key, event.event, event.reason])).toEqual([
      ["acme/widget", "removed", LISTED_WITHOUT_ENDPOINT],
      [key("standard", "e1"), "removed", UNAVAILABLE_REASONS.gone],
      [key("standard", "e2"), "removed", UNAVAILABLE_REASONS.gone],
    ]);
  });

  it("follows the run's verdict: removals withheld (moves still land), all held, or accepted later as removed", async () => {
    // e1 is gone, e2 moved to beta.
    const run = [model("acme/widget", ["standard"]), model("acme/retired", []), endpoint("beta", "e2")];
    const withheld = new ShadowCatalogue();
    await replay(withheld, 10, BASE);
    const share = await replay(withheld, 20, run, { removals: { kind: "withheld", holdAll: false, accepted: false } });
    expect(share.events.map((event) => [event.key, event.event]).sort()).toEqual(
      [
        [key("beta", "e2"), "added"],
        [key("standard", "e2"), "moved"],
      ].sort(),
    );
    expect(withheld.endpoints.get(key("standard", "e1"))!.unavailable_at).toBeNull();

    const held = new ShadowCatalogue();
    await replay(held, 10, BASE);
    const all = await replay(held, 20, run, { removals: { kind: "withheld", holdAll: true, accepted: false } });
    expect(all.events.map((event) => [event.key, event.event])).toEqual([[key("beta", "e2"), "added"]]);
    expect(held.endpoints.get(key("standard", "e2"))!.unavailable_at).toBeNull();

    const accepted = new ShadowCatalogue();
    await replay(accepted, 10, BASE);
    const later = await replay(accepted, 20, run, { removals: { kind: "withheld", holdAll: false, accepted: true }, run_id: "r20" });
    expect(later.events.map((event) => event.event).sort()).toEqual(["added", "moved", "removed"]);
    expect(later.byKey.get(key("standard", "e1"))).toMatchObject({ event: "removed", reason: UNAVAILABLE_REASONS.accepted("r20") });
    expect(accepted.endpoints.get(key("standard", "e1"))).toMatchObject({ unavailable_at: 20, unavailable_reason: UNAVAILABLE_REASONS.accepted("r20") });
    // When it comes back, it returns from the reason acceptance stored.
    const back = await replay(accepted, 30, [...run, endpoint("standard", "e1")]);
    expect(back.byKey.get(key("standard", "e1"))).toMatchObject({ event: "returned", reason: UNAVAILABLE_REASONS.accepted("r20") });
  });

  it("puts a relisted model's reason right, as the live writer does, without an event", async () => {
    const shadow = new ShadowCatalogue();
    await replay(shadow, 10, BASE);
    // acme/retired (listed with no endpoint) leaves the list: its reason becomes gone.
    expect((await replay(shadow, 20, [model("acme/widget", ["standard"]), endpoint("standard", "e1"), endpoint("standard", "e2")])).events).toEqual([]);
    expect(shadow.models.get("acme/retired")!.unavailable_reason).toBe(UNAVAILABLE_REASONS.gone);
    // Listed again, unchanged and still with no endpoint: listed with no endpoint again.
    expect((await replay(shadow, 30, BASE)).events).toEqual([]);
    expect(shadow.models.get("acme/retired")!.unavailable_reason).toBe(LISTED_WITHOUT_ENDPOINT);
  });

  it("after a gap, moves the shadow to the run's state and hands out nothing", async () => {
    const shadow = new ShadowCatalogue();
    await replay(shadow, 10, BASE);
    const { events, rewrites } = await replay(shadow, 20, [model("acme/widget", ["standard"], { context_length: 16 }), endpoint("standard", "e1", "0.000002")], {
      record: false,
    });
    expect(events).toEqual([]);
    expect(rewrites).toEqual([]);
    expect(JSON.parse(shadow.models.get("acme/widget")!.json)).toMatchObject({ context_length: 16 });
    expect(shadow.endpoints.get(key("standard", "e2"))).toMatchObject({ unavailable_at: 20, unavailable_reason: UNAVAILABLE_REASONS.gone });
    expect(shadow.models.get("acme/retired")!.unavailable_reason).toBe(UNAVAILABLE_REASONS.gone);
  });
});
