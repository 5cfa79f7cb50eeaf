/**
 * Run health: whether a run's data can be trusted as a picture of the catalogue, and every reason
 * it cannot.
 *
 * Owns: the rule, in proportion. A run is unhealthy when it saw no models or no endpoints, when
 * more than `maxFailedListShare` of its endpoint lists failed to fetch, when more than
 * `maxInvalidShare` of the models entries or of the endpoint records failed validation, when a
 * models entry without a readable slug kept every model from removal, or when the share guard
 * withheld removals. Every reason that applies is listed. Pure: no I/O.
 *
 * The defaults come from the data (docs/operations.md, "Health rules"): an ordinary hour fails no list and
 * validates every record (the real May 2025 recording and the 2026 recordings: 0 of 318 and 0 of
 * 326 lists failed, 0 invalid records), and a single flaky list is 0.3% of them; what a real outage or a
 * real schema change looks like is nearly everything at once (286 of 318 lists failing is 90%;
 * `pricing` renamed in 317 of 318 lists makes nearly every endpoint record invalid). 10% of lists
 * and 5% of records sit far from both.
 */
import type { StandardCounts } from "./standard";

export type HealthLimits = {
  /** Largest share of endpoint lists that may fail to fetch in a healthy run. */
  maxFailedListShare: number;
  /** Largest share of models entries, or of endpoint records, that may fail validation in a healthy run. */
  maxInvalidShare: number;
};

export const DEFAULT_HEALTH_LIMITS: HealthLimits = { maxFailedListShare: 0.1, maxInvalidShare: 0.05 };

export const HEALTHY = "healthy";

export type HealthFacts = {
  counts: Pick<StandardCounts, "models" | "endpoints" | "variants" | "fetch_errors" | "checked" | "invalid">;
  /** Why the share guard withheld removals, or null. */
  withheld: string | null;
  /** Models entries whose slug could not be read. */
  keylessModelIssues: number;
  limits?: Partial<HealthLimits>;
};

/**
 * @example healthReasons({ counts: { models: 400, endpoints: 0, … }, withheld: null, keylessModelIssues: 0 })
 * // → ["0 endpoints"]
 */
export function healthReasons({ counts, withheld, keylessModelIssues, limits }: HealthFacts): string[] {
  const { maxFailedListShare, maxInvalidShare } = { ...DEFAULT_HEALTH_LIMITS, ...limits };
  const reasons: string[] = [];
  if (counts.models === 0) reasons.push("0 models");
  else if (counts.endpoints === 0) reasons.push("0 endpoints");
  const over = (part: number, whole: number, limit: number) => whole > 0 && part / whole > limit;
  if (over(counts.fetch_errors, counts.variants, maxFailedListShare)) {
    reasons.push(`${counts.fetch_errors} of ${counts.variants} endpoint lists failed to fetch (${percent(counts.fetch_errors / counts.variants)}, limit ${percent(maxFailedListShare)})`);
  }
  for (const [what, invalid, checked] of [
    ["models entries", counts.invalid.models, counts.checked.models],
    ["endpoint records", counts.invalid.endpoints, counts.checked.endpoints],
  ] as const) {
    if (over(invalid, checked, maxInvalidShare)) {
      reasons.push(`${invalid} of ${checked} ${what} failed validation (${percent(invalid / checked)}, limit ${percent(maxInvalidShare)})`);
    }
  }
  if (keylessModelIssues > 0) {
    reasons.push(`${keylessModelIssues} models ${keylessModelIssues === 1 ? "entry" : "entries"} without a readable slug: no model marked unavailable this run`);
  }
  if (withheld) reasons.push(withheld);
  return reasons;
}

/** "healthy", or "unhealthy: " and every reason. */
export function healthLine(reasons: readonly string[]): string {
  return reasons.length === 0 ? HEALTHY : `unhealthy: ${reasons.join("; ")}`;
}

export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
