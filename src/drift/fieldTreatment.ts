/**
 * What this module does with each upstream field path: the drift ledger's `treatment` column.
 *
 * Owns: one classification of every path a models entry or an endpoint record can carry, derived
 * from the zod schemas (what they read is stored) plus the deliberate exclusions docs/data-model.md lists
 * (telemetry, presentation, internal wiring, embedded copies). A path nobody has classified is
 * `unmapped`: the upstream sent something this module does not know. Must not touch: I/O, Convex.
 */
import { EndpointRecordSchema, ModelEntryFields } from "../openrouter/schemas";

export type FieldScope = "model" | "endpoint";

/**
 * - `stored`: kept on the entity row (as given, or normalised: numbers, epoch ms, one null).
 * - `partly stored`: an embedded copy of which only a part is kept (endpoint `model`, `provider_info`).
 * - `used`: read to drive the run, not kept as such (a models entry's `endpoint`).
 * - `telemetry`: changes between any two observations; never stored, never in the content hash.
 * - `presentation`, `internal`, `embedded copy`: deliberately left out (docs/data-model.md, "What is not stored, and why").
 * - `unmapped`: unknown to this module.
 */
export type FieldTreatment = "stored" | "partly stored" | "used" | "telemetry" | "presentation" | "internal" | "embedded copy" | "unmapped";

/** Whether the module keeps what the path holds. */
export function isMapped(treatment: FieldTreatment): boolean {
  return treatment === "stored" || treatment === "partly stored" || treatment === "used";
}

/** Volatile upstream observations inside endpoint records (UPSTREAM-2026.md "Telemetry"). */
export const TELEMETRY_FIELDS = ["stats", "statsByTier", "status", "status_heuristics", "status_heuristics_5m", "status_heuristics_1d", "routing_heuristics_by_tier"] as const;

/** Containers whose whole content is walked by the census, and kept as given where stored. */
export const CENSUS_CONTAINERS: Record<FieldScope, readonly string[]> = {
  model: ["features", "reasoning_config"],
  endpoint: ["pricing", "pricing_json", "tiers", "features", "data_policy", "provider_info"],
};

/** Sub-keys of `data_policy` that the endpoint row keeps (renamed to snake_case). */
const DATA_POLICY_KEYS = new Set(["training", "trainingOpenRouter", "retainsPrompts", "retentionDays", "requiresUserIDs", "canPublish", "termsOfServiceURL", "privacyPolicyURL", "dataPolicyUrl"]);

const MODEL_STORED = new Set(Object.keys(ModelEntryFields.shape).filter((key) => key !== "endpoint"));
// A record's own `variant` is read but not kept: the row is keyed by the variant its list was requested for.
const ENDPOINT_STORED = new Set(Object.keys(EndpointRecordSchema.shape).filter((key) => key !== "model" && key !== "provider_info" && key !== "variant"));

const MODEL_LEFT_OUT: Record<string, FieldTreatment> = {
  endpoint: "used",
  quick_start_example_type: "presentation",
  preview_audio: "presentation",
  preview_thumbnail_url: "presentation",
};

const ENDPOINT_LEFT_OUT: Record<string, FieldTreatment> = {
  ...Object.fromEntries(TELEMETRY_FIELDS.map((field) => [field, "telemetry" as const])),
  display_pricing: "presentation",
  adapter_name: "internal",
  model: "partly stored",
  provider_info: "partly stored",
  variant: "used",
};

/**
 * The treatment of one path, given as its segments (`["pricing", "overrides", "[]", "prompt"]`).
 *
 * @example fieldTreatment("endpoint", ["pricing_json", "openai:prompt_tokens"]) === "stored"
 * @example fieldTreatment("endpoint", ["status"]) === "telemetry"
 */
export function fieldTreatment(scope: FieldScope, segments: readonly string[]): FieldTreatment {
  const [top, sub] = segments;
  if (scope === "model") {
    if (MODEL_STORED.has(top)) return "stored";
    return MODEL_LEFT_OUT[top] ?? "unmapped";
  }
  if (top === "data_policy" && sub !== undefined) return DATA_POLICY_KEYS.has(sub) ? "stored" : "unmapped";
  if (top === "provider_info" && sub !== undefined) return sub === "slug" && segments.length === 2 ? "stored" : "embedded copy";
  if (ENDPOINT_STORED.has(top)) return "stored";
  return ENDPOINT_LEFT_OUT[top] ?? "unmapped";
}
