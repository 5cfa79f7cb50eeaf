// @vitest-environment node
/**
 * The transforms, on real records from the golden recording and on hand-made bad ones.
 */
import { describe, expect, it } from "vitest";
import { EndpointRecordSchema, ModelEntrySchema, toEndpoint } from "../../src/openrouter/schemas";
import { endpointsKey, loadGolden, MODELS_KEY } from "../support/recording";

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
  it("parses variable pricings into numbers, and rejects a non-price", () => {
    const tiered = { ...scout, variable_pricings: [{ type: "prompt-threshold", threshold: 200000, prompt: "0.0000025" }] };
    expect(toEndpoint(EndpointRecordSchema.parse(tiered), request).variable_pricings).toEqual([
      { type: "prompt-threshold", threshold: 200000, prices: { prompt: 0.0000025 } },
    ]);
    const bad = { ...scout, variable_pricings: [{ type: "x", threshold: 1, prompt: "free!" }] };
    expect(EndpointRecordSchema.safeParse(bad).success).toBe(false);
  });
  it("rejects a missing price and a wrong type, naming the field", () => {
    const { prompt: _p, ...pricing } = scout.pricing;
    const missing = EndpointRecordSchema.safeParse({ ...scout, pricing });
    expect(missing.error?.issues[0].path).toEqual(["pricing", "prompt"]);
    const wrong = EndpointRecordSchema.safeParse({ ...scout, is_free: "yes" });
    expect(wrong.error?.issues[0].path).toEqual(["is_free"]);
  });
});
