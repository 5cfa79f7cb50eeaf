// @vitest-environment node
/**
 * Rate cards on hand-made cases: every decimal spelling of a rate is one number, everything else
 * is kept as given, and `display_pricing` (presentation) is left out of `pricing`.
 */
import { describe, expect, it } from "vitest";
import { parseRates, rateCardSchema, rateNumber, ratesSchema } from "../../src/openrouter/rateCard";
import { contentHash } from "../../src/lib/canonicalJson";

describe("rateNumber", () => {
  it("reads every decimal spelling of one rate as the same number", () => {
    for (const spelling of ["0.25e-6", ".25e-6", "2.5e-7", "2.5E-7", "0.00000025", " 0.00000025 ", 2.5e-7, 0.00000025]) {
      expect(rateNumber(spelling)).toBe(2.5e-7);
    }
    expect(rateNumber(".03e-6")).toBe(3e-8);
    expect(rateNumber("-0.1")).toBe(-0.1);
    expect(rateNumber("272000")).toBe(272000);
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
