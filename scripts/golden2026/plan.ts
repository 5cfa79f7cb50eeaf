/**
 * The hand-picked choices of the golden2026 recordings, in one place to read.
 *
 * Owns: which real May 2025 endpoints get 2026-only pricing (service tiers, extra long-context and
 * schedule rows, deprecation dates), which router aliases point where, and every durable change
 * the next-day recording applies. Real endpoints are named by `variant slug|provider name`
 * (unique in the May data) rather than by id, so a reader can find them. Must not touch: how
 * records are built or rendered. Node-only, never shipped.
 */
import { multiply } from "./decimal";
import type { OverrideSpec, TierSpec } from "./pricing";
import type { Obj } from "./telemetry";

/** How the plan names a real endpoint: `openai/o3|OpenAI`. */
export function endpointTag(record: Obj): string {
  return `${record.model_variant_slug}|${record.provider_name}`;
}

/** Deprecation dates already announced in the base observation. */
export const BASE_DEPRECATIONS: Record<string, string> = {
  "google/gemini-2.5-pro-exp-03-25|Google": "2026-08-15T00:00:00.000Z",
  "mistralai/mistral-tiny|Mistral": "2026-09-30T00:00:00.000Z",
};

/**
 * Service tiers (UPSTREAM-2026.md "Pricing" 4; orca pricing.md "tiers"): prices are base rates
 * times the tier multiplier. The `tiers` object's exact shape is not documented anywhere: this
 * one is a guess. pricing_json carries the multiplier as `flex_tier_multiplier` /
 * `priority_tier_multiplier`, as a string on some endpoints and a number on others.
 */
export const TIERS: Record<string, TierSpec[]> = {
  "openai/o3|OpenAI": [
    { name: "flex", multiplier: "0.5", multiplierAsNumber: false },
    { name: "priority", multiplier: "2", multiplierAsNumber: true },
  ],
  "openai/o4-mini|OpenAI": [
    { name: "flex", multiplier: "0.5", multiplierAsNumber: true },
    { name: "priority", multiplier: "1.75", multiplierAsNumber: false },
  ],
  "openai/gpt-4.1|OpenAI": [{ name: "priority", multiplier: "1.75", multiplierAsNumber: false }],
  "openai/gpt-4.1-mini|OpenAI": [{ name: "priority", multiplier: "1.75", multiplierAsNumber: true }],
};

/**
 * `pricing.overrides` rows beyond the four that the May 2025 prompt-threshold `variable_pricings`
 * become (gemini-2.5-pro-preview, gemini-flash-1.5, gemini-flash-1.5-8b, gemini-pro-1.5): one
 * OpenAI high-context row, and one schedule (off-peak) row whose `utc_*` key names are a guess.
 */
export const EXTRA_OVERRIDES: Record<string, (flat: Record<string, string>) => OverrideSpec> = {
  "openai/gpt-4.1|OpenAI": (flat) => ({
    kind: "long_context",
    min_prompt_tokens: 272000,
    rates: [
      ["prompt", multiply(flat.prompt, "2")],
      ["completion", multiply(flat.completion, "1.5")],
      ["input_cache_read", multiply(flat.input_cache_read, "2")],
    ],
  }),
  "deepseek/deepseek-r1|DeepInfra": (flat) => ({
    kind: "schedule",
    utc_start_time: "16:30",
    utc_end_time: "00:30",
    rates: [
      ["prompt", multiply(flat.prompt, "0.5")],
      ["completion", multiply(flat.completion, "0.5")],
    ],
  }),
};

/** Router aliases: each entry embeds a copy of its target variant's top endpoint. */
export const ALIASES = [
  { slug: "~openai/gpt-latest", name: "OpenAI: GPT Latest", short_name: "GPT Latest", author: "openai", target: { permaslug: "openai/gpt-4.1-2025-04-14", variant: "standard" } },
  {
    slug: "~anthropic/claude-sonnet-latest",
    name: "Anthropic: Claude Sonnet Latest",
    short_name: "Claude Sonnet Latest",
    author: "anthropic",
    target: { permaslug: "anthropic/claude-3-7-sonnet-20250219", variant: "standard" },
  },
  {
    slug: "~google/gemini-flash-latest",
    name: "Google: Gemini Flash Latest",
    short_name: "Gemini Flash Latest",
    author: "google",
    target: { permaslug: "google/gemini-2.5-flash-preview-04-17", variant: "standard" },
  },
] as const;

/** The durable changes of the next-day recording, by kind (see nextDay.ts). */
export const NEXT_DAY = {
  /** Flat prompt/completion changes; pricing_json, display_pricing and pricing_version_id follow. */
  flatPrices: [
    { tag: "meta-llama/llama-4-scout|Kluster", rates: { completion: "0.0000004" } },
    { tag: "deepseek/deepseek-chat-v3-0324|DeepInfra", rates: { prompt: "0.00000027", completion: "0.0000011" } },
    { tag: "mistralai/mistral-medium-3|Mistral", rates: { prompt: "0.00000035" } },
  ],
  /** Rates that exist only in pricing_json (the flat view keeps its placeholder or lacks the key). */
  jsonOnly: [
    { tag: "black-forest-labs/flux.2-pro|Black Forest Labs", sku: "bfl:images", rate: "0.035", raw: { "bfl:upstream_cost_cents": 3.5 } },
    { tag: "perplexity/sonar|Perplexity", sku: "perplexity:web_search_calls_high_context", rate: "0.014" },
  ],
  /** A long-context change only in `pricing.overrides` (no SKU carries Google's cache-write rate). */
  overrideOnly: { tag: "google/gemini-flash-1.5|Google", key: "input_cache_write", rate: "0.0000001833" },
  /** A long-context price change: the override row and its `*_long_context` SKU. */
  overrideAndSku: { tag: "google/gemini-2.5-pro-preview|Google", key: "prompt", rate: "0.000003" },
  /** Deprecation dates set (the claude-2.0 endpoint id is listed under two variants). */
  deprecations: [
    { tag: "meta-llama/llama-4-scout|Fireworks", date: "2026-09-01T00:00:00.000Z" },
    { tag: "anthropic/claude-2.0|Anthropic", date: "2026-08-31T00:00:00.000Z" },
    { tag: "anthropic/claude-2.0:beta|Anthropic", date: "2026-08-31T00:00:00.000Z" },
    { tag: "openai/gpt-4-32k-0314|OpenAI", date: "2026-10-15T00:00:00.000Z" },
  ],
  /** pricing_version_id changes with no rate change (orca saw 3 of 13 such changes). */
  versionOnly: ["openai/gpt-4o-mini|OpenAI"],
  /** Endpoints leaving a list whose variant stays. */
  removeEndpoints: ["meta-llama/llama-4-scout|GMICloud", "meta-llama/llama-4-scout|Cent-ML"],
  /** Whole models leaving the catalogue (entry and list). */
  removeModels: ["inflection/inflection-3-productivity"],
  /** Models whose every entry goes to `endpoint: null` (their lists 404 from now on). */
  retireModels: ["x-ai/grok-beta", "anthropic/claude-2"],
  /** A variant leaving while its model stays: the `(free)` entry and its list disappear. */
  removeVariants: [{ slug: "deepseek/deepseek-prover-v2", variant: "free" }],
  /** Model-level durable edits (all copies of the model change, updated_at moves too). */
  modelEdits: [
    { slug: "openai/o3", field: "description", edit: (old: unknown) => `${String(old)}\n\nFlex processing is available for o3 at half the standard rates.` },
    { slug: "mistralai/mistral-medium-3", field: "knowledge_cutoff", edit: () => "2025-03-01" },
  ],
  modelEditUpdatedAt: "2026-07-25T09:14:07.512311+00:00",
} as const;
