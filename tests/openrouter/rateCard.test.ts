// @vitest-environment node
/**
 * Rate cards on hand-made cases: every decimal spelling of a rate is one number, everything else
 * is kept as given, and `display_pricing` (presentation) is left out of `pricing`.
 */
import { describe, expect, it } from "vitest";
import { parseRates, rateCardSchema, rateNumber, ratesSchema } from "../../src/openrouter/rateCard";
import { EndpointRecordSchema, toEndpoint } from "../../src/openrouter/schemas";
import { contentHash } from "../../src/lib/canonicalJson";
import { endpointsKey, endpointsKeyIn, GOLDEN_2026_PATHS, loadGolden, loadRecording } from "../support/recording";

/** Texts that `Number` reads as a number but that are not decimal notation, so never a rate. */
const NOT_DECIMAL = ["0x10", "0X10", "0b11", "0o17", "Infinity", "-Infinity", "+Infinity", " 1e3 ", "1e3 ", " 12", "\t12\n", "1_000", "", " ", "1e999"];

describe("rateNumber", () => {
  it("reads every decimal spelling of one rate as the same number", () => {
    for (const spelling of ["0.25e-6", ".25e-6", "2.5e-7", "2.5E-7", "0.00000025", "+2.5e-7", 2.5e-7, 0.00000025]) {
      expect(rateNumber(spelling)).toBe(2.5e-7);
    }
    expect(rateNumber(".03e-6")).toBe(3e-8);
    expect(rateNumber("-0.1")).toBe(-0.1);
    expect(rateNumber("272000")).toBe(272000);
    expect(rateNumber("12")).toBe(12);
    expect(rateNumber("-0.5")).toBe(-0.5);
    expect(rateNumber("12.")).toBe(12);
  });
  it("leaves a whole number past 2^53 as text: an id, whose digits a number would lose", () => {
    expect(rateNumber("12345678901234567890")).toBeUndefined();
    expect(rateNumber("9007199254740991")).toBe(9007199254740991);
  });
  it("refuses what is not a decimal number", () => {
    for (const value of ["", "free", "0x10", "1,000", "Infinity", "NaN", "1e", true, null, {}, [], Number.NaN]) {
      expect(rateNumber(value)).toBeUndefined();
    }
  });
  it("reads decimal notation only: hex, binary, octal, Infinity, padded, underscored and empty text are not rates", () => {
    for (const value of NOT_DECIMAL) expect(rateNumber(value), JSON.stringify(value)).toBeUndefined();
    expect(parseRates({ a: "0x10", b: "0b11", c: "0o17", d: " 1e3 ", e: "1_000", f: "", g: "Infinity" })).toEqual({
      a: "0x10",
      b: "0b11",
      c: "0o17",
      d: " 1e3 ",
      e: "1_000",
      f: "",
      g: "Infinity",
    });
  });
});

describe("rate cards", () => {
  it("parses rates at any depth and keeps non-rates as given", () => {
    expect(parseRates({ prompt: "1e-6", overrides: [{ min_prompt_tokens: "200000", prompt: ".2e-5" }], on: true, none: null, unit: "per image" })).toEqual({
      prompt: 1e-6,
      overrides: [{ min_prompt_tokens: 200000, prompt: 2e-6 }],
      on: true,
      none: null,
      unit: "per image",
    });
  });
  it("a textual rewrite of every rate gives the same content hash", async () => {
    const before = rateCardSchema.parse({ "openai:prompt_tokens": "0.25e-6", "openai:completion_tokens": 2e-6, long_context_threshold: "272000" });
    const after = rateCardSchema.parse({ long_context_threshold: 272000, "openai:completion_tokens": "2e-6", "openai:prompt_tokens": "2.5e-7" });
    expect(await contentHash(after)).toBe(await contentHash(before));
    const changed = rateCardSchema.parse({ "openai:prompt_tokens": "0.26e-6", "openai:completion_tokens": 2e-6, long_context_threshold: "272000" });
    expect(await contentHash(changed)).not.toBe(await contentHash(before));
  });
  it("keeps every key of pricing, its display_pricing copy and overrides included, rates parsed", () => {
    const pricing = rateCardSchema.parse({
      prompt: "0",
      completion: "0",
      discount: 0,
      image_output: "0.04",
      display_pricing: [{ kind: "unit", sku_label: "Image", price: "0.04", displayMultiplier: 1 }],
      overrides: [{ min_prompt_tokens: 200000, prompt: "0.000005" }],
    });
    expect(pricing).toEqual({
      prompt: 0,
      completion: 0,
      discount: 0,
      image_output: 0.04,
      display_pricing: [{ kind: "unit", sku_label: "Image", price: 0.04, displayMultiplier: 1 }],
      overrides: [{ min_prompt_tokens: 200000, prompt: 0.000005 }],
    });
  });
  it("rejects a key Convex cannot store, naming it", () => {
    const result = rateCardSchema.safeParse({ "": "1e-6" });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].message).toContain("empty key");
  });
  it("tiers: absent and null are one value, anything else is kept with rates parsed", () => {
    expect(ratesSchema.parse(undefined)).toBeNull();
    expect(ratesSchema.parse(null)).toBeNull();
    expect(ratesSchema.parse({ flex: { multiplier: "0.5", prompt: "1e-6" } })).toEqual({ flex: { multiplier: 0.5, prompt: 1e-6 } });
  });
});

describe("prices through the endpoint entry points (EndpointRecordSchema + toEndpoint)", () => {
  const recording = loadRecording(GOLDEN_2026_PATHS.base);
  const gpt41 = { permaslug: "openai/gpt-4.1-2025-04-14", variant: "standard" };
  const record = recording[endpointsKeyIn("v1", gpt41.permaslug, gpt41.variant)].data[0];
  const legacy = { permaslug: "google/gemini-2.5-pro-preview-03-25", variant: "standard" };
  const legacyRecord = loadGolden()[endpointsKey(legacy.permaslug, legacy.variant)].data[0];

  it("the records carry every price-bearing structure, decimal strings parsed", () => {
    const endpoint = toEndpoint(EndpointRecordSchema.parse(record), gpt41);
    expect(endpoint.pricing.prompt).toBe(0.000002);
    expect((endpoint.pricing.overrides as any)[0].prompt).toBe(0.000004);
    expect(endpoint.pricing_json!["openai_responses:cached_prompt_tokens"]).toBe(5e-7);
    expect((endpoint.tiers as any).priority.multiplier).toBe(1.75);
    expect(toEndpoint(EndpointRecordSchema.parse(legacyRecord), legacy).variable_pricings[0].prompt).toBe(0.0000025);
  });
  it("keeps a non-decimal price as the text upstream sent, in pricing, overrides, pricing_json, tiers and variable_pricings", () => {
    for (const text of NOT_DECIMAL) {
      const edited = structuredClone(record);
      edited.pricing.prompt = text;
      edited.pricing.overrides[0].completion = text;
      edited.pricing_json["openai_responses:cached_prompt_tokens"] = text;
      edited.tiers.priority.multiplier = text;
      const endpoint = toEndpoint(EndpointRecordSchema.parse(edited), gpt41);
      expect(endpoint.pricing.prompt, JSON.stringify(text)).toBe(text);
      expect((endpoint.pricing.overrides as any)[0].completion).toBe(text);
      expect(endpoint.pricing_json!["openai_responses:cached_prompt_tokens"]).toBe(text);
      expect((endpoint.tiers as any).priority.multiplier).toBe(text);

      const editedLegacy = structuredClone(legacyRecord);
      editedLegacy.variable_pricings[0].prompt = text;
      editedLegacy.pricing.completion = text;
      const legacyEndpoint = toEndpoint(EndpointRecordSchema.parse(editedLegacy), legacy);
      expect(legacyEndpoint.variable_pricings[0].prompt).toBe(text);
      expect(legacyEndpoint.pricing.completion).toBe(text);
    }
  });
  it("rejects a non-decimal string where the field must be a number (context length, limits, retention days)", () => {
    for (const text of ["0x10", "0b11", "0o17", "Infinity", " 1e3 ", "1_000", "", "12"]) {
      for (const edited of [
        { ...record, context_length: text },
        { ...record, max_completion_tokens: text },
        { ...record, limit_rpm: text },
        { ...record, data_policy: { ...record.data_policy, retentionDays: text } },
      ]) {
        expect(EndpointRecordSchema.safeParse(edited).success, JSON.stringify(text)).toBe(false);
      }
    }
  });
});
