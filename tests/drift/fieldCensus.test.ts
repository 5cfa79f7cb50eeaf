// @vitest-environment node
/** The field census and the treatment of each path, on hand-made records. */
import { describe, expect, it } from "vitest";
import { createFieldCensus, exampleOf, fieldSetDigest, MAX_CENSUS_PATHS } from "../../src/drift/fieldCensus";
import { isWellFormedUnicode } from "../../src/openrouter/convexSafe";
import { fieldTreatment } from "../../src/drift/fieldTreatment";

describe("createFieldCensus", () => {
  it("counts the records that carry each path, inside the named containers only, arrays as []", () => {
    const census = createFieldCensus();
    census.record("endpoint", {
      id: "e1",
      pricing: { prompt: "1e-6", overrides: [{ min_prompt_tokens: 1 }, { min_prompt_tokens: 2, prompt: "2e-6" }] },
      stats: { p50_latency: 10 },
      model: { slug: "a/b", name: "not walked" },
    });
    census.record("endpoint", { id: "e2", pricing: { prompt: "1e-6" } });
    const byPath = Object.fromEntries(census.sightings().map((s) => [`${s.scope}:${s.path}`, s]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        "endpoint:id",
        "endpoint:model",
        "endpoint:pricing",
        "endpoint:pricing.overrides",
        "endpoint:pricing.overrides[]",
        "endpoint:pricing.overrides[].min_prompt_tokens",
        "endpoint:pricing.overrides[].prompt",
        "endpoint:pricing.prompt",
        "endpoint:stats",
      ].sort(),
    );
    expect(byPath["endpoint:id"].count).toBe(2);
    expect(byPath["endpoint:pricing.prompt"].count).toBe(2);
    // Two overrides in one record: the record carries the path once.
    expect(byPath["endpoint:pricing.overrides[].min_prompt_tokens"].count).toBe(1);
    expect(byPath["endpoint:pricing.prompt"]).toMatchObject({ example: '"1e-6"', treatment: "stored", mapped: true });
    expect(byPath["endpoint:stats"]).toMatchObject({ treatment: "telemetry", mapped: false });
    expect(census.records()).toEqual({ model: 0, endpoint: 2 });
  });
  it("cuts examples short and stays bounded on a hostile record", () => {
    const census = createFieldCensus();
    const features = Object.fromEntries(Array.from({ length: MAX_CENSUS_PATHS + 10 }, (_, i) => [`k${i}`, i]));
    census.record("model", { slug: "x", description: "d".repeat(500), features });
    expect(census.sightings().length).toBe(MAX_CENSUS_PATHS);
    expect(census.truncated).toBe(true);
    expect(census.sightings().find((s) => s.path === "description")!.example.length).toBeLessThanOrEqual(120);
  });
  it("keeps examples and paths well-formed: a cut through an emoji or a hostile key leaves no lone surrogate", () => {
    const emoji = "😀".repeat(100);
    const example = exampleOf(emoji);
    expect(example.length).toBeLessThanOrEqual(120);
    expect(isWellFormedUnicode(example)).toBe(true);
    const census = createFieldCensus();
    census.record("model", { slug: "x", features: { ["bad \uD800 key"]: true } });
    expect(census.sightings().every((s) => isWellFormedUnicode(s.path) && isWellFormedUnicode(s.example))).toBe(true);
  });
  it("digests the set of paths, not their order or counts", async () => {
    expect(await fieldSetDigest(["b", "a"])).toBe(await fieldSetDigest(["a", "b"]));
    expect(await fieldSetDigest(["a", "b"])).not.toBe(await fieldSetDigest(["a", "c"]));
  });
});

describe("fieldTreatment", () => {
  it("says what the module does with each kind of path", () => {
    expect(fieldTreatment("endpoint", ["pricing_json", "openai:prompt_tokens"])).toBe("stored");
    expect(fieldTreatment("endpoint", ["pricing", "display_pricing"])).toBe("stored");
    expect(fieldTreatment("endpoint", ["display_pricing"])).toBe("presentation");
    expect(fieldTreatment("endpoint", ["adapter_name"])).toBe("internal");
    for (const telemetry of ["status", "stats", "statsByTier", "status_heuristics_5m", "routing_heuristics_by_tier"]) {
      expect(fieldTreatment("endpoint", [telemetry])).toBe("telemetry");
    }
    expect(fieldTreatment("endpoint", ["provider_info", "slug"])).toBe("stored");
    expect(fieldTreatment("endpoint", ["provider_info", "baseUrl"])).toBe("embedded copy");
    expect(fieldTreatment("endpoint", ["data_policy", "canPublish"])).toBe("stored");
    expect(fieldTreatment("endpoint", ["data_policy", "paidModels"])).toBe("unmapped");
    expect(fieldTreatment("endpoint", ["deprecation_date"])).toBe("stored");
    expect(fieldTreatment("endpoint", ["variant"])).toBe("used");
    expect(fieldTreatment("endpoint", ["brand_new_field"])).toBe("unmapped");
    expect(fieldTreatment("model", ["knowledge_cutoff"])).toBe("stored");
    expect(fieldTreatment("model", ["endpoint"])).toBe("used");
    expect(fieldTreatment("model", ["quick_start_example_type"])).toBe("presentation");
    expect(fieldTreatment("model", ["another_new_field"])).toBe("unmapped");
  });
});
