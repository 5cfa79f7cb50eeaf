// @vitest-environment node
/**
 * The change tracker's removal rules and the health rule, in plain Node on hand-made cases:
 * moves, protection by invalid and keyless models entries, the rolling guard, and health in
 * proportion. Every expected figure is counted by hand from the case.
 */
import { describe, expect, it } from "vitest";
import { createChangeTracker } from "../../src/pipeline/changeTracker";
import { healthLine, healthReasons } from "../../src/pipeline/health";
import { MemoryState } from "../../src/outputs/memoryState";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import { contentHash } from "../../src/lib/canonicalJson";

const model = (slug: string, variants: [permaslug: string, variant: string][]): OrModel =>
  ({ slug, permaslug: slug, name: slug, variants: variants.map(([permaslug, variant]) => ({ permaslug, variant, name: slug, context_length: 1, endpoint_id: `${permaslug}-${variant}` })) }) as unknown as OrModel;
const endpoint = (model_slug: string, model_permaslug: string, variant: string, endpoint_id: string): OrEndpoint =>
  ({ model_slug, model_permaslug, variant, endpoint_id, provider_name: "p" }) as unknown as OrEndpoint;

/** A stored catalogue: models a, b, c, each with one standard variant and one endpoint. */
async function storedState() {
  const state = new MemoryState();
  for (const slug of ["a", "b", "c"]) {
    const m = model(slug, [[slug, "standard"]]);
    state.models.set(slug, { value: m, content_hash: await contentHash(m), unavailable_at: null });
    const e = endpoint(slug, slug, "standard", `id-${slug}`);
    state.endpoints.set(endpointKey(e), { value: e, content_hash: await contentHash(e), unavailable_at: null });
  }
  return state;
}

describe("removal rules", () => {
  it("an endpoint id that reappears under a new key is a move, outside the share guard", async () => {
    const state = await storedState();
    const tracker = createChangeTracker(state);
    for (const slug of ["a", "b", "c"]) await tracker.track({ kind: "model", value: model(slug, [[`${slug}-v2`, "standard"]]) });
    for (const slug of ["a", "b", "c"]) await tracker.track({ kind: "endpoint", value: endpoint(slug, `${slug}-v2`, "standard", `id-${slug}`) });
    // Three of three endpoints would be 100% removed; as moves, the guard (0%) lets them through.
    const removals = tracker.removals({ maxUnavailableShare: 0 });
    expect(removals.withheld).toBeNull();
    expect(removals.endpoints).toEqual([]);
    expect(removals.moves.map((move) => [move.endpoint.endpoint_id, move.to])).toEqual([
      ["id-a", JSON.stringify(["a-v2", "standard", "id-a"])],
      ["id-b", JSON.stringify(["b-v2", "standard", "id-b"])],
      ["id-c", JSON.stringify(["c-v2", "standard", "id-c"])],
    ]);
    expect(tracker.perKind.endpoint).toMatchObject({ insert: 3, unavailable: 3 });
    expect(tracker.moved).toBe(3);
  });

  it("an endpoint whose list failed neither vanished nor moved, though its id appears under a new key", async () => {
    const state = await storedState();
    const tracker = createChangeTracker(state);
    // a gains a "thinking" variant listing a's endpoint id, and a's standard list fails.
    await tracker.track({ kind: "model", value: model("a", [["a", "standard"], ["a", "thinking"]]) });
    await tracker.track({ kind: "error", source: "endpoints", message: "HTTP 500", params: { permaslug: "a", variant: "standard" } });
    await tracker.track({ kind: "endpoint", value: endpoint("a", "a", "thinking", "id-a") });
    for (const slug of ["b", "c"]) {
      await tracker.track({ kind: "model", value: model(slug, [[slug, "standard"]]) });
      await tracker.track({ kind: "endpoint", value: endpoint(slug, slug, "standard", `id-${slug}`) });
    }
    const removals = tracker.removals();
    expect(removals.moves).toEqual([]);
    expect(removals.endpoints).toEqual([]);
  });

  it("an id still listed under a key that stays is not a move for another key that went", async () => {
    const state = await storedState();
    // b's endpoint is listed under b and under a second key of b's: the second key goes.
    const shared = endpoint("b", "b", "free", "id-b");
    state.endpoints.set(endpointKey(shared), { value: shared, content_hash: await contentHash(shared), unavailable_at: null });
    const tracker = createChangeTracker(state);
    for (const slug of ["a", "b", "c"]) await tracker.track({ kind: "model", value: model(slug, [[slug, "standard"]]) });
    for (const slug of ["a", "b", "c"]) await tracker.track({ kind: "endpoint", value: endpoint(slug, slug, "standard", `id-${slug}`) });
    const removals = tracker.removals();
    expect(removals.moves).toEqual([]);
    expect(removals.endpoints.map(endpointKey)).toEqual([endpointKey(shared)]);
  });

  it("an invalid entry keeps its stored model row from being rewritten by the slug's other entries", async () => {
    const state = await storedState();
    const tracker = createChangeTracker(state);
    await tracker.track({ kind: "error", source: "models", message: "bad", item_key: "a", issue: "invalid" });
    // a's valid entries now describe another variant: without protection this would be an update.
    expect(await tracker.track({ kind: "model", value: model("a", [["a", "free"]]) })).toBeNull();
    await tracker.track({ kind: "model", value: model("b", [["b", "standard"]]) });
    await tracker.track({ kind: "endpoint", value: endpoint("b", "b", "standard", "id-b") });
    const removals = tracker.removals();
    // c is gone; a's endpoint (its list not fetched) is protected.
    expect(removals.models).toEqual(["c"]);
    expect(removals.endpoints.map((e) => e.endpoint_id)).toEqual(["id-c"]);
    expect(tracker.perKind.model).toMatchObject({ update: 0, stable: 2 });
  });

  it("a duplicate entry protects nothing: its first copy was kept", async () => {
    const state = await storedState();
    const tracker = createChangeTracker(state);
    await tracker.track({ kind: "error", source: "models", message: "dup", item_key: "a", issue: "duplicate" });
    const change = await tracker.track({ kind: "model", value: model("a", [["a", "free"]]) });
    expect(change?.decision).toBe("update");
  });

  it("an entry without a slug protects every model, and every endpoint whose list was not fetched", async () => {
    const state = await storedState();
    const tracker = createChangeTracker(state);
    await tracker.track({ kind: "error", source: "models", message: "no slug", item_key: null, issue: "invalid" });
    // a is listed and its list fetched, without its endpoint; b and c are not listed at all.
    await tracker.track({ kind: "model", value: model("a", [["a", "standard"]]) });
    const removals = tracker.removals();
    expect(removals.models).toEqual([]);
    expect(removals.endpoints.map((e) => e.endpoint_id)).toEqual(["id-a"]);
    expect(tracker.keylessModelIssues).toBe(1);
  });

  it("the rolling guard adds what the window already marked: 1 more of 3 after 1 of 4 is 50%", async () => {
    const state = await storedState();
    const run = async (maxRollingShare: number) => {
      const tracker = createChangeTracker(state);
      for (const slug of ["a", "b"]) await tracker.track({ kind: "model", value: model(slug, [[slug, "standard"]]) });
      for (const slug of ["a", "b"]) await tracker.track({ kind: "endpoint", value: endpoint(slug, slug, "standard", `id-${slug}`) });
      return tracker.removals({ maxUnavailableShare: 0.5, maxRollingShare, recentlyRemoved: { models: 1, endpoints: 1 }, windowHours: 24 });
    };
    // Per run: 1 of 3 (33%) is under 50%. Rolling: (1 + 1) of (3 + 1) = 50%.
    expect((await run(0.5)).withheld).toBeNull();
    const withheld = await run(0.49);
    expect(withheld.withheld).toBe("would mark 1 models unavailable on top of 1 marked in the last 24 h: 2 of 4 (50%, rolling limit 49%); marked none");
    expect(withheld.withheldKeys).toEqual({ models: ["c"], endpoints: [expect.objectContaining({ endpoint_id: "id-c" })] });
  });
});

describe("health in proportion", () => {
  const counts = { models: 400, endpoints: 300, variants: 100, fetch_errors: 0, checked: { models: 500, endpoints: 300 }, invalid: { models: 0, endpoints: 0 } };
  it("is healthy at the limits and lists every reason past them", () => {
    expect(healthReasons({ counts: { ...counts, fetch_errors: 10, invalid: { models: 25, endpoints: 15 } }, withheld: null, keylessModelIssues: 0 })).toEqual([]);
    const reasons = healthReasons({ counts: { ...counts, fetch_errors: 11, invalid: { models: 26, endpoints: 16 } }, withheld: "would mark …", keylessModelIssues: 2 });
    expect(reasons).toEqual([
      "11 of 100 endpoint lists failed to fetch (11%, limit 10%)",
      "26 of 500 models entries failed validation (5.2%, limit 5%)",
      "16 of 300 endpoint records failed validation (5.3%, limit 5%)",
      "2 models entries without a readable slug: no model marked unavailable this run",
      "would mark …",
    ]);
    expect(healthLine(reasons)).toBe(`unhealthy: ${reasons.join("; ")}`);
    expect(healthLine([])).toBe("healthy");
  });
  it("takes its limits from the run", () => {
    expect(healthReasons({ counts: { ...counts, fetch_errors: 2 }, withheld: null, keylessModelIssues: 0, limits: { maxFailedListShare: 0.01 } })).toHaveLength(1);
  });
});
