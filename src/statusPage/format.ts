/**
 * format: the status page's figures in words: instants in UTC, how long ago, durations, and a
 * rate-card value in its unit.
 *
 * Owns: the unit a rate's path implies (docs/data-model.md, "The rate card": OpenRouter's normalised token
 * rates are USD per token, shown per million tokens; image, request and search rates are USD each;
 * `pricing_json` SKUs ending in `_tokens` are per token; anything else is shown as upstream sent
 * it), and which rate-card numbers are not prices at all. Must not touch: markup, Convex.
 * Web-standard APIs only.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * An instant in UTC to the minute.
 *
 * @example utcText(Date.UTC(2026, 6, 24, 12, 5)) // → "2026-07-24 12:05 UTC"
 */
export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * How long before `now` an instant was, in the largest whole unit (in the future: "in …").
 *
 * @example agoText(now - 3 * 3_600_000, now) // → "3 h ago"
 */
export function agoText(ms: number, now: number): string {
  const elapsed = now - ms;
  const span = Math.abs(elapsed);
  if (span < MINUTE_MS) return "just now";
  const amount = span < HOUR_MS ? `${Math.floor(span / MINUTE_MS)} min` : span < DAY_MS ? `${Math.floor(span / HOUR_MS)} h` : plural(Math.floor(span / DAY_MS), "day");
  return elapsed >= 0 ? `${amount} ago` : `in ${amount}`;
}

/**
 * A duration: milliseconds under a second, seconds to one decimal under a minute, then minutes and seconds.
 *
 * @example durationText(2274) // → "2.3 s"
 */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < MINUTE_MS) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * A count with its noun, plural unless one.
 *
 * @example plural(3, "endpoint") // → "3 endpoints"
 */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The unit a rate is shown in: `scale` turns the stored value into it; `usd` when the value is in US dollars. */
export type RateUnit = { label: string; scale: number; usd: boolean };

/** OpenRouter's normalised per-token rates (docs/data-model.md, "The rate card"). */
const TOKEN_RATES = new Set([
  "prompt",
  "completion",
  "input_cache_read",
  "input_cache_write",
  "input_cache_write_1h",
  "internal_reasoning",
  "audio",
  "audio_output",
  "input_audio_cache",
  "image_token",
]);
const EACH_RATES: Record<string, string> = { image: "image", image_output: "image", request: "request", web_search: "search" };

/** Rate-card numbers that are not prices: multipliers, thresholds in tokens, a discount share. */
const NOT_PRICES = /(?:^|[.:_])(?:displayMultiplier|min_prompt_tokens|long_context_threshold|tier_multiplier|discount)$/;

/**
 * The last name in a rate's path: `pricing.overrides[0].prompt` → `prompt`, `pricing_json.openai:prompt_tokens` → `prompt_tokens`.
 */
function lastName(path: string): string {
  return path
    .split(/[.:]/)
    .pop()!
    .replace(/\[\d+\]$/, "");
}

/**
 * The unit a rate's path implies.
 *
 * @example rateUnit("pricing.prompt") // → { label: "1M tokens", scale: 1e6, usd: true }
 * @example rateUnit("pricing_json.bfl:upstream_cost_cents") // → { label: "", scale: 1, usd: false }
 */
export function rateUnit(path: string): RateUnit {
  const name = lastName(path);
  const normalised = path.startsWith("pricing.") || path.startsWith("tiers") || path.startsWith("variable_pricings");
  if ((normalised && TOKEN_RATES.has(name)) || (path.startsWith("pricing_json.") && /_tokens(?:_|$)/.test(name))) {
    return { label: "1M tokens", scale: 1e6, usd: true };
  }
  if (normalised && name in EACH_RATES) return { label: EACH_RATES[name], scale: 1, usd: true };
  return { label: "", scale: 1, usd: false };
}

/**
 * Whether a rate-card path holds a price (not a multiplier, a token threshold or a discount).
 *
 * @example isPricePath("pricing.overrides[0].min_prompt_tokens") // → false
 */
export function isPricePath(path: string): boolean {
  return !NOT_PRICES.test(path);
}

/**
 * A number with at most four significant digits, in plain decimals.
 *
 * @example amountText(0.27) // → "0.27"
 * @example amountText(1234567) // → "1234567"
 */
export function amountText(value: number): string {
  if (value === 0) return "0";
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  const rounded = Number(value.toPrecision(4));
  return rounded
    .toFixed(Math.max(0, Math.min(12, 3 - Math.floor(Math.log10(Math.abs(rounded))))))
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
}

/**
 * A rate's amount in its unit, without the unit's name: `$` when it is US dollars.
 *
 * @example amountIn(2.7e-7, rateUnit("pricing.prompt")) // → "$0.27"
 */
export function amountIn(value: number, unit: RateUnit): string {
  const amount = amountText(value * unit.scale);
  return unit.usd ? `$${amount}` : amount;
}

/**
 * A rate in its unit.
 *
 * @example rateText(2.7e-7, rateUnit("pricing.prompt")) // → "$0.27 / 1M tokens"
 * @example rateText(3.5, rateUnit("pricing_json.bfl:upstream_cost_cents")) // → "3.5"
 */
export function rateText(value: number, unit: RateUnit): string {
  const amount = amountIn(value, unit);
  return unit.label ? `${amount} / ${unit.label}` : amount;
}
