/**
 * One endpoint's prices, and the four 2026 representations rendered from them.
 *
 * Owns: `PriceSpec` (the rates of one endpoint, exact decimal strings) and `renderPricing`, which
 * writes `pricing` (with `overrides` and its embedded `display_pricing` copy), root
 * `display_pricing`, `pricing_json` (adapter-namespaced SKUs, each in its own spelling) and `tiers`
 * from it, so the four views always agree. A price change is an edit of the spec, never of the
 * rendered JSON. SKU names and display labels follow UPSTREAM-2026.md "Pricing" and orca's
 * docs/openrouter/pricing.md where those name them; the rest are documented guesses (README).
 * Node-only, never shipped.
 */
import { formatRate, multiply, plain, type RateForm } from "./decimal";

/** A long-context row (`min_prompt_tokens`) or a schedule row (`utc_*`), with its rates. */
export type OverrideSpec =
  | { kind: "long_context"; min_prompt_tokens: number; rates: [string, string][] }
  | { kind: "schedule"; utc_start_time: string; utc_end_time: string; rates: [string, string][] };

export type TierSpec = { name: "flex" | "priority"; multiplier: string; multiplierAsNumber: boolean };

/** A presentation row for a rate that is not per token (kind "unit"). */
export type UnitRow = { sku_label: string; price: string; displayMultiplier: number; unitLabel: string };

/** A pricing_json entry with no flat counterpart: a rate (decimal text) or a non-price value. */
export type ExtraSku = { sku: string; rate: string } | { sku: string; raw: string | number };

export type PriceSpec = {
  /** pricing_json namespace: the adapter's pricing strategy (`openai_responses`, `anthropic`, …). */
  ns: string;
  /** `pricing` rates in upstream key order; prompt and completion always first. */
  flat: [string, string][];
  discount: number;
  extra: ExtraSku[];
  overrides: OverrideSpec[] | null;
  /** undefined: no `tiers` key; null: `tiers: null`. */
  tiers: TierSpec[] | null | undefined;
  units: UnitRow[];
  /** How each pricing_json rate is spelled, by SKU; missing → plain. */
  forms: Record<string, RateForm>;
  /** Flat keys whose rate has no pricing_json SKU (e.g. Google's storage-hour cache writes). */
  noSku: string[];
  /** pricing_json key order as a real record has it (the Nov 2025 sample); default: render order. */
  jsonOrder?: string[];
};

/** The SKU suffix a flat `pricing` key is billed under, per namespace. */
export function skuSuffix(ns: string, key: string): string | null {
  const anthropic = ns === "anthropic";
  switch (key) {
    case "prompt":
      return "prompt_tokens";
    case "completion":
      return "completion_tokens";
    case "input_cache_read":
      return anthropic ? "cache_read_input_tokens" : "cached_prompt_tokens";
    case "input_cache_write":
      return anthropic ? "cache_creation_input_tokens" : "cache_write_tokens";
    case "input_cache_write_1h":
      return anthropic ? "cache_creation_input_tokens_1h" : "cache_write_tokens_1h";
    case "internal_reasoning":
      return "reasoning_tokens";
    case "image":
      return "image_inputs";
    case "request":
      return "requests";
    case "web_search":
      return "web_search_calls";
    case "audio":
      return "audio_tokens";
    case "input_audio_cache":
      return "cached_audio_tokens";
    case "image_output":
      return "image_output_tokens";
    case "image_token":
      return "image_tokens";
    default:
      return null;
  }
}

/** The pricing_json key of a flat rate; Perplexity bills web searches as kebab-case `search-units`. */
export function skuOf(ns: string, key: string): string | null {
  if (ns === "perplexity" && key === "web_search") return "search-units";
  const suffix = skuSuffix(ns, key);
  return suffix ? `${ns}:${suffix}` : null;
}

const TOKEN_LABELS: Record<string, string> = {
  prompt: "Input Price",
  completion: "Output Price",
  input_cache_read: "Cache Read",
  input_cache_write: "Cache Write",
  input_cache_write_1h: "Cache Write (1h)",
  internal_reasoning: "Reasoning Price",
  audio: "Audio Input",
  input_audio_cache: "Audio Cache Read",
};

/** Image-token rates are shown per thousand tokens (orca docs/orca/pricing.md "Currency and units"). */
const KILO_TOKEN_LABELS: Record<string, string> = {
  image_output: "Output Image Tokens",
  image_token: "Input Image Tokens",
};

const UNIT_LABELS: Record<string, Omit<UnitRow, "price">> = {
  image: { sku_label: "Input Image", displayMultiplier: 1000, unitLabel: "/K images" },
  request: { sku_label: "Request", displayMultiplier: 1000, unitLabel: "/K requests" },
  web_search: { sku_label: "Web Search", displayMultiplier: 1000, unitLabel: "/K searches" },
};

type DisplayRow = { kind: string; sku_label: string; price: string; displayMultiplier: number; unitLabel: string };

function unitRow(row: UnitRow): DisplayRow {
  return { kind: "unit", sku_label: row.sku_label, price: plain(row.price), displayMultiplier: row.displayMultiplier, unitLabel: row.unitLabel };
}

function tokenRow(label: string, price: string): DisplayRow {
  return { kind: "token", sku_label: label, price: plain(price), displayMultiplier: 1000000, unitLabel: "/M tokens" };
}

const TIER_TITLE = { flex: "Flex", priority: "Priority" } as const;
const TIERED_KEYS = ["prompt", "completion", "input_cache_read"];
const LONG_CONTEXT_SKU_KEYS = ["prompt", "completion", "input_cache_read"];

function thresholdLabel(tokens: number): string {
  return tokens % 1000 === 0 ? `${tokens / 1000}K` : String(tokens);
}

/** The four rendered views of a spec. */
export type RenderedPricing = {
  pricing: Record<string, unknown>;
  display_pricing: DisplayRow[];
  pricing_json: Record<string, string | number>;
  tiers?: Record<string, Record<string, string>> | null;
};

/**
 * @example renderPricing({ ns: "openai", flat: [["prompt", "0.000001"], ["completion", "0.000002"]], discount: 0, extra: [], overrides: null, tiers: undefined, units: [], forms: {}, noSku: [] })
 * // → { pricing: { prompt: "0.000001", completion: "0.000002", discount: 0, display_pricing: [...] },
 * //     pricing_json: { "openai:prompt_tokens": "0.000001", "openai:completion_tokens": "0.000002" }, ... }
 */
export function renderPricing(spec: PriceSpec): RenderedPricing {
  const flat = Object.fromEntries(spec.flat.map(([key, rate]) => [key, plain(rate)]));
  const placeholder = spec.units.length > 0;

  const display: DisplayRow[] = [];
  for (const [key, rate] of spec.flat) {
    if (placeholder && (key === "prompt" || key === "completion")) continue;
    if (TOKEN_LABELS[key]) display.push(tokenRow(TOKEN_LABELS[key], rate));
    else if (KILO_TOKEN_LABELS[key]) display.push({ ...tokenRow(KILO_TOKEN_LABELS[key], rate), displayMultiplier: 1000, unitLabel: "/K tokens" });
    else if (UNIT_LABELS[key]) display.push(unitRow({ ...UNIT_LABELS[key], price: rate }));
  }
  for (const row of spec.units) display.push(unitRow(row));
  for (const tier of spec.tiers ?? []) {
    for (const key of ["prompt", "completion"]) {
      display.push(tokenRow(`${TOKEN_LABELS[key]} (${TIER_TITLE[tier.name]})`, multiply(flat[key], tier.multiplier)));
    }
  }
  for (const row of spec.overrides ?? []) {
    for (const [key, rate] of row.rates) {
      if (key !== "prompt" && key !== "completion") continue;
      if (row.kind === "long_context") display.push(tokenRow(`${TOKEN_LABELS[key]} (>${thresholdLabel(row.min_prompt_tokens)})`, rate));
      else
        display.push({
          kind: "schedule",
          sku_label: `${TOKEN_LABELS[key]} (off-peak ${row.utc_start_time}-${row.utc_end_time} UTC)`,
          price: plain(rate),
          displayMultiplier: 1000000,
          unitLabel: "/M tokens",
        });
    }
  }

  const json: Record<string, string | number> = {};
  const put = (sku: string, rate: string) => {
    json[sku] = formatRate(rate, spec.forms[sku] ?? "plain");
  };
  for (const [key, rate] of spec.flat) {
    const sku = skuOf(spec.ns, key);
    if (sku && !spec.noSku.includes(key) && !(placeholder && (key === "prompt" || key === "completion"))) put(sku, rate);
  }
  for (const extra of spec.extra) {
    if ("rate" in extra) put(extra.sku, extra.rate);
    else json[extra.sku] = extra.raw;
  }
  for (const row of spec.overrides ?? []) {
    if (row.kind === "long_context") {
      const openai = spec.ns === "openai_responses";
      const thresholdSku = openai ? `${spec.ns}:high_context_threshold` : "long_context_threshold";
      json[thresholdSku] = spec.forms[thresholdSku] === "number" ? row.min_prompt_tokens : String(row.min_prompt_tokens);
      for (const [key, rate] of row.rates) {
        const suffix = skuSuffix(spec.ns, key);
        if (suffix && LONG_CONTEXT_SKU_KEYS.includes(key)) put(`${spec.ns}:${suffix}_${openai ? "high_context" : "long_context"}`, rate);
      }
    } else {
      for (const [key, rate] of row.rates) {
        const suffix = skuSuffix(spec.ns, key);
        if (suffix) put(`${spec.ns}:${suffix}_off_peak`, rate);
      }
      json.informational_off_peak_window_utc = `${row.utc_start_time}-${row.utc_end_time}`;
    }
  }
  for (const tier of spec.tiers ?? []) {
    json[`${tier.name}_tier_multiplier`] = tier.multiplierAsNumber ? Number(tier.multiplier) : tier.multiplier;
  }

  const pricing: Record<string, unknown> = { ...flat, discount: spec.discount };
  if (spec.overrides) {
    pricing.overrides = spec.overrides.map((row) => {
      const head = row.kind === "long_context" ? { min_prompt_tokens: row.min_prompt_tokens } : { utc_start_time: row.utc_start_time, utc_end_time: row.utc_end_time };
      return { ...head, ...Object.fromEntries(row.rates.map(([key, rate]) => [key, plain(rate)])) };
    });
  }
  pricing.display_pricing = display.map((row) => ({ ...row }));

  const order = spec.jsonOrder;
  const ordered = order
    ? Object.fromEntries(Object.entries(json).sort(([a], [b]) => rank(order, a) - rank(order, b)))
    : json;
  const rendered: RenderedPricing = { pricing, display_pricing: display, pricing_json: ordered };
  if (spec.tiers !== undefined) {
    rendered.tiers =
      spec.tiers === null
        ? null
        : Object.fromEntries(
            spec.tiers.map((tier) => [
              tier.name,
              {
                multiplier: tier.multiplier,
                ...Object.fromEntries(TIERED_KEYS.filter((key) => key in flat).map((key) => [key, multiply(flat[key], tier.multiplier)])),
              },
            ]),
          );
  }
  return rendered;
}

function rank(order: string[], key: string): number {
  const index = order.indexOf(key);
  return index === -1 ? order.length : index;
}

/** Sets one flat rate, keeping the key's position (or appending it). */
export function setFlat(spec: PriceSpec, key: string, rate: string): void {
  const row = spec.flat.find(([k]) => k === key);
  if (row) row[1] = rate;
  else spec.flat.push([key, rate]);
}
