/**
 * Rate cards: OpenRouter's prices, kept whole and compared by value.
 *
 * Owns: the one rule for every price-bearing structure upstream sends (`pricing` with its
 * `overrides`, `pricing_json`, `tiers`, the May 2025 `variable_pricings`): keep it as upstream
 * sent it, key for key, with every value that is a decimal number written as text turned into a
 * number. `"0.25e-6"`, `".03e-6"`, `2.5e-7` and `"2.5e-7"` are the same rate, so a textual rewrite
 * upstream is not a change here. A value that is not a number (a boolean, null, an object, a
 * word) is kept as given: it never rejects the record and never freezes it. Must not touch: what
 * a rate means (units live in docs/data-model.md), I/O, Convex.
 */
import { z } from "zod";
import { convexJsonSchema, refineConvexJson, type ConvexJson } from "./convexSafe";

/**
 * A decimal number as text, the whole text: `12`, `-0.5`, `.03e-6`, `2.5E-7`. Not hex, binary or
 * octal (`0x10`, `0b11`, `0o17`, which `Number` would read as 16, 3 and 15), not `Infinity`, not
 * `1_000` or `1,000`, not `""`, and not padded (`" 1e3 "`, which `Number` would trim).
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number a rate-card value stands for, or undefined when it is not one. Whole numbers past
 * 2^53 (ids, not rates) would lose digits as numbers, so they stay text.
 */
export function rateNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (!DECIMAL.test(value)) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) return undefined;
  if (/^[+-]?\d+$/.test(value) && !Number.isSafeInteger(parsed)) return undefined;
  return parsed;
}

/**
 * Every decimal string inside `value` turned into a number, everything else as given.
 *
 * @example parseRates({ prompt: "0.25e-6", overrides: [{ min_prompt_tokens: 200000, prompt: ".5e-6" }], note: "per image" })
 * // → { prompt: 2.5e-7, overrides: [{ min_prompt_tokens: 200000, prompt: 5e-7 }], note: "per image" }
 */
export function parseRates(value: ConvexJson): ConvexJson {
  if (Array.isArray(value)) return value.map(parseRates);
  if (value !== null && typeof value === "object") {
    const parsed: { [key: string]: ConvexJson } = {};
    for (const [key, item] of Object.entries(value)) parsed[key] = parseRates(item);
    return parsed;
  }
  return rateNumber(value) ?? value;
}

export type RateCard = { [key: string]: ConvexJson };

/**
 * A rate card object, checked against Convex's rules, rates parsed. `pricing` is one too: an open
 * record of every key upstream sends (the flat rates, `discount`, `overrides`, the copy of
 * `display_pricing` it embeds); only the endpoint's root `display_pricing`, a duplicate, is left out.
 */
export const rateCardSchema = z
  .record(z.string(), z.unknown())
  .superRefine(refineConvexJson)
  .transform((card) => parseRates(card as RateCard) as RateCard);

/** Any rate-bearing value (`tiers`), as given with rates parsed; absent, null or `""` → null. */
export const ratesSchema = convexJsonSchema.nullish().transform((value) => (value == null || value === "" ? null : parseRates(value)));
