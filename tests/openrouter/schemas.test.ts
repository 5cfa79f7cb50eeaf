// @vitest-environment node
/**
 * The transforms, on real records from the golden recording and on hand-made bad ones.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EndpointRecordSchema, ModelEntrySchema, toEndpoint } from "../../src/openrouter/schemas";
import { endpointsKey, GOLDEN_2026_PATHS, loadGolden, loadRecording, MODELS_KEY, modelsKeyOf } from "../support/recording";

const golden = loadGolden();
const codexEntry = golden[MODELS_KEY].data.find((e: any) => e.slug === "openai/codex-mini");
const scout = golden[endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard")].data[0];

describe("ModelEntrySchema", () => {
  it("turns timestamps into epoch ms and keeps the listed variant", () => {
    const model = ModelEntrySchema.parse(codexEntry);
    expect(model.created_at).toBe(Date.parse("2025-05-16T15:36:01.081688+00:00"));
    expect(model.variant).toBe("standard");
    expect(model.endpoint_id).toBe(codexEntry.endpoint.id);
    expect(model).not.toHaveProperty("endpoint");
  });
  it("ignores unknown fields and accepts missing optionals as null", () => {
    const { description: _d, hf_slug: _h, ...rest } = codexEntry;
    const model = ModelEntrySchema.parse({ ...rest, brand_new_field: { x: 1 } });
    expect(model.description).toBeNull();
    expect(model.hf_slug).toBeNull();
    expect(model).not.toHaveProperty("brand_new_field");
  });
  it("rejects a free-form key Convex cannot store, naming it", () => {
    for (const key of ["", "$bad", "_bad", "naïve", "k".repeat(1025)]) {
      const result = ModelEntrySchema.safeParse({ ...codexEntry, features: { [key]: true } });
      expect(result.success).toBe(false);
      expect(result.error!.issues[0].path[0]).toBe("features");
    }
  });
  it("rejects a lone surrogate", () => {
    expect(ModelEntrySchema.safeParse({ ...codexEntry, name: "bad \uD800 name" }).success).toBe(false);
  });
});

describe("ModelEntrySchema: numbers are JSON numbers, never read from text", () => {
  const recording = loadRecording(GOLDEN_2026_PATHS.base);
  const entry = recording[modelsKeyOf(recording)].data[0];
  it("rejects hex, binary, octal, Infinity, padded, underscored, empty and even decimal text in a numeric field", () => {
    expect(ModelEntrySchema.parse(entry).context_length).toBe(entry.context_length);
    for (const text of ["0x10", "0b11", "0o17", "Infinity", " 1e3 ", "1_000", "", "12"]) {
      for (const field of ["context_length", "limit_rpm", "limit_rpd"]) {
        expect(ModelEntrySchema.safeParse({ ...entry, [field]: text }).success, `${field}: ${JSON.stringify(text)}`).toBe(false);
      }
    }
  });
  it("keeps a non-date knowledge_cutoff as text, so 0x10 is not an instant", () => {
    expect(ModelEntrySchema.parse({ ...entry, knowledge_cutoff: "0x10" }).knowledge_cutoff).toBe("0x10");
  });
});

describe("EndpointRecordSchema + toEndpoint", () => {
  const request = { permaslug: "meta-llama/llama-4-scout-17b-16e-instruct", variant: "standard" };
  it("turns prices into numbers and keys the row by the request", () => {
    const endpoint = toEndpoint(EndpointRecordSchema.parse(scout), request);
    expect(endpoint.pricing.prompt).toBe(Number(scout.pricing.prompt));
    expect(endpoint.pricing.completion).toBe(Number(scout.pricing.completion));
    expect(endpoint).toMatchObject({ model_permaslug: request.permaslug, variant: "standard", endpoint_id: scout.id });
    expect(endpoint).not.toHaveProperty("stats");
  });
  it("bakes in output_tokens ||= context_length", () => {
    const withMax = toEndpoint(EndpointRecordSchema.parse({ ...scout, max_completion_tokens: 4096 }), request);
    const without = toEndpoint(EndpointRecordSchema.parse({ ...scout, max_completion_tokens: null }), request);
    expect(withMax.output_tokens).toBe(4096);
    expect(without.output_tokens).toBe(scout.context_length);
  });
  it("carries the model's input-modality capabilities", () => {
    expect(scout.model.input_modalities).toContain("image");
    const endpoint = toEndpoint(EndpointRecordSchema.parse(scout), request);
    expect(endpoint.supports_image_input).toBe(true);
    const textOnly = toEndpoint(EndpointRecordSchema.parse({ ...scout, model: { ...scout.model, input_modalities: ["text", "file"] } }), request);
    expect([textOnly.supports_image_input, textOnly.supports_file_input]).toEqual([false, true]);
  });
  it("keeps the May 2025 variable pricings as given, rates parsed, and a non-price as given", () => {
    const tiered = { ...scout, variable_pricings: [{ type: "prompt-threshold", threshold: 200000, prompt: "0.0000025", note: "free!", flag: true }] };
    expect(toEndpoint(EndpointRecordSchema.parse(tiered), request).variable_pricings).toEqual([
      { type: "prompt-threshold", threshold: 200000, prompt: 0.0000025, note: "free!", flag: true },
    ]);
  });
  it("rejects a missing pricing object and a wrong type, naming the field", () => {
    const { pricing: _p, ...withoutPricing } = scout;
    const missing = EndpointRecordSchema.safeParse(withoutPricing);
    expect(missing.error?.issues[0].path).toEqual(["pricing"]);
    const wrong = EndpointRecordSchema.safeParse({ ...scout, is_free: "yes" });
    expect(wrong.error?.issues[0].path).toEqual(["is_free"]);
  });
});

describe("the real November 2025 catalogue sample", () => {
  const sample = JSON.parse(readFileSync(new URL("../golden/catalog-sample-2025-11.json", import.meta.url), "utf8"));
  const [gpt51, sonnet] = sample.data;

  it("keeps every durable model field, with one spelling for absence", () => {
    const model = ModelEntrySchema.parse(gpt51);
    expect(model).toMatchObject({
      slug: "openai/gpt-5.1",
      permaslug: "openai/gpt-5.1-20251113",
      supports_reasoning: true,
      // "" upstream: absent, stored as null; so is null.
      hf_slug: null,
      warning_message: null,
      promotion_message: null,
      routing_error_message: null,
      default_parameters: gpt51.default_parameters,
      reasoning_config: gpt51.reasoning_config,
      is_alias: false,
      alias_target: null,
      variant: "standard",
      endpoint_id: gpt51.endpoint.id,
    });
    expect(model.created_at).toBe(Date.parse("2025-11-13T18:58:25Z"));
    // The other entry spells absence with null: stored the same way.
    expect(ModelEntrySchema.parse(sonnet)).toMatchObject({ hf_slug: null, warning_message: null, promotion_message: null });
  });

  it("keeps the whole rate card and the 2026 endpoint fields, and nothing of telemetry, the root display_pricing or wiring", () => {
    const record = gpt51.endpoint;
    const endpoint = toEndpoint(EndpointRecordSchema.parse({ ...record, status: -5, stats: { p50_latency: 1 }, display_pricing: [{ kind: "token" }] }), {
      permaslug: gpt51.permaslug,
      variant: "standard",
    });
    for (const [sku, rate] of Object.entries(record.pricing_json)) expect(endpoint.pricing_json![sku]).toBe(Number(rate));
    for (const [key, rate] of Object.entries(record.pricing)) expect(endpoint.pricing[key]).toBe(Number(rate));
    expect(endpoint).toMatchObject({
      pricing_version_id: record.pricing_version_id,
      provider_slug: "openai/default",
      provider_info_slug: record.provider_info.slug,
      model_variant_permaslug: "openai/gpt-5.1-20251113",
      quantization: "unknown",
      deprecation_date: null,
      data_policy: { training: false, training_openrouter: false, retains_prompts: true, can_publish: false, requires_user_ids: true },
      features: record.features,
    });
    for (const left of ["status", "stats", "display_pricing", "adapter_name", "provider_info", "model"]) expect(endpoint).not.toHaveProperty(left);
  });

  it("stores one instant once: +00:00 and Z, and sub-millisecond digits, are the same timestamp", () => {
    const withZ = ModelEntrySchema.parse({ ...gpt51, updated_at: "2025-11-13T18:58:25.562Z" });
    expect(withZ.updated_at).toBe(ModelEntrySchema.parse(gpt51).updated_at);
  });
});

describe("one value for one fact", () => {
  it("stores knowledge_cutoff as epoch ms when it reads as a date, so its spellings agree, and other text as given", () => {
    const day = Date.parse("2025-03-01T00:00:00Z");
    for (const spelling of ["2025-03-01", "2025-03-01T00:00:00Z", "2025-03-01T00:00:00+00:00"]) {
      expect(ModelEntrySchema.parse({ ...codexEntry, knowledge_cutoff: spelling }).knowledge_cutoff).toBe(day);
    }
    expect(ModelEntrySchema.parse({ ...codexEntry, knowledge_cutoff: "early 2025" }).knowledge_cutoff).toBe("early 2025");
    expect(ModelEntrySchema.parse({ ...codexEntry, knowledge_cutoff: "" }).knowledge_cutoff).toBeNull();
  });
  it("takes an empty string for a free-form value or tiers as absent", () => {
    expect(ModelEntrySchema.parse({ ...codexEntry, router: "", default_parameters: "" })).toMatchObject({ router: null, default_parameters: null });
    expect(EndpointRecordSchema.parse({ ...scout, tiers: "" }).tiers).toBeNull();
  });
});

describe("router aliases", () => {
  it("marks a ~ slug as an alias, with the target its embedded endpoint names, and no variant to fetch", () => {
    const alias = ModelEntrySchema.parse({
      ...codexEntry,
      slug: "~openai/gpt-latest",
      permaslug: "~openai/gpt-latest",
      endpoint: { id: "e1", variant: "standard", model_variant_slug: "openai/gpt-5.1", model_slug: "openai/gpt-5.1" },
    });
    expect(alias).toMatchObject({ is_alias: true, alias_target: "openai/gpt-5.1", variant: null, endpoint_id: null });
  });
});
