/**
 * Convex validators for the entity rows, tied at compile time to the zod output types in
 * src/openrouter/schemas.ts, so the table shape cannot drift from what the transforms produce.
 *
 * Free-form upstream values (`features`, `reasoning_config`, `default_*`, `router`, the rate cards,
 * `supported_*_parameters`…) are `v.any()` here: zod has already checked them against Convex's key
 * and value rules (src/openrouter/convexSafe.ts).
 */
import { v, type GenericValidator, type Infer } from "convex/values";
import { literals, nullable } from "convex-helpers/validators";
import type { OrEndpoint, OrModel } from "../../src/openrouter/schemas";
import type { RunMetrics } from "../../src/pipeline/runMetrics";

const nullableString = nullable(v.string());
const nullableNumber = nullable(v.number());
const nullableBoolean = nullable(v.boolean());

export const vModelVariant = v.object({
  variant: v.string(),
  permaslug: v.string(),
  name: v.string(),
  context_length: nullableNumber,
  endpoint_id: v.string(),
});

export const vModelContent = v.object({
  slug: v.string(),
  permaslug: v.string(),
  name: v.string(),
  short_name: nullableString,
  author: nullableString,
  author_display_name: nullableString,
  description: nullableString,
  context_length: nullableNumber,
  input_modalities: v.array(v.string()),
  output_modalities: v.array(v.string()),
  has_text_output: nullableBoolean,
  group: nullableString,
  hf_slug: nullableString,
  instruct_type: nullableString,
  model_version_group_id: nullableString,
  hidden: v.boolean(),
  is_private: v.boolean(),
  warning_message: nullableString,
  promotion_message: nullableString,
  routing_error_message: nullableString,
  created_at: nullableNumber,
  updated_at: nullableNumber,
  hf_updated_at: nullableNumber,
  /** Epoch ms when upstream's value reads as a date, else the text as given. */
  knowledge_cutoff: v.union(v.string(), v.number(), v.null()),
  supports_reasoning: nullableBoolean,
  reasoning_config: v.any(),
  features: v.any(),
  default_parameters: v.any(),
  default_order: v.array(v.any()),
  default_stops: v.array(v.any()),
  default_system: nullableString,
  router: v.any(),
  limit_rpm: nullableNumber,
  limit_rpd: nullableNumber,
  supported_tts_voices: v.any(),
  is_trainable_text: nullableBoolean,
  is_trainable_image: nullableBoolean,
  required_attestation_types: v.any(),
  /** A router alias (`~…` slug): no endpoints of its own, never requested. */
  is_alias: v.boolean(),
  /** The model an alias routes to, where its entry says; null for models. */
  alias_target: nullableString,
  variants: v.array(vModelVariant),
});

const dataPolicyFields = {
  training: nullableBoolean,
  training_openrouter: nullableBoolean,
  retains_prompts: nullableBoolean,
  retention_days: nullableNumber,
  requires_user_ids: nullableBoolean,
  can_publish: nullableBoolean,
  terms_of_service_url: nullableString,
  privacy_policy_url: nullableString,
  data_policy_url: nullableString,
};
const vDataPolicy = v.object(dataPolicyFields);

/**
 * Rate cards are open records (every key upstream sends, decimal strings parsed to numbers,
 * anything else as given): `v.any()` inside, checked by zod against Convex's rules before.
 */
const vRateCard = v.record(v.string(), v.any());

export const vEndpointContent = v.object({
  model_permaslug: v.string(),
  variant: v.string(),
  endpoint_id: v.string(),
  model_slug: v.string(),
  model_variant_slug: nullableString,
  model_variant_permaslug: nullableString,
  name: v.string(),
  context_length: nullableNumber,
  provider_name: v.string(),
  /** The endpoint's own targeting key (`azure/eu`); `provider_info_slug` is its provider record's slug (`azure`). */
  provider_slug: nullableString,
  provider_info_slug: nullableString,
  provider_display_name: nullableString,
  provider_model_id: nullableString,
  provider_group: nullableString,
  provider_region: nullableString,
  quantization: nullableString,
  is_free: v.boolean(),
  is_byok: v.boolean(),
  is_byok_only: v.boolean(),
  is_hidden: v.boolean(),
  is_private: v.boolean(),
  is_deranked: v.boolean(),
  is_disabled: v.boolean(),
  can_abort: v.boolean(),
  moderation_required: v.boolean(),
  supports_tool_parameters: v.boolean(),
  supports_reasoning: v.boolean(),
  supports_multipart: v.boolean(),
  has_completions: v.boolean(),
  has_chat_completions: v.boolean(),
  max_prompt_tokens: nullableNumber,
  max_completion_tokens: nullableNumber,
  output_tokens: nullableNumber,
  max_prompt_images: nullableNumber,
  max_tokens_per_image: nullableNumber,
  limit_rpm: nullableNumber,
  limit_rpd: nullableNumber,
  limit_rpm_cf: nullableNumber,
  capacity_tpm: nullableNumber,
  supported_parameters: v.array(v.string()),
  excluded_parameters: v.array(v.string()),
  allowed_passthrough_parameters: v.array(v.string()),
  supported_image_parameters: v.any(),
  supported_video_parameters: v.any(),
  supports_image_input: v.boolean(),
  supports_file_input: v.boolean(),
  data_policy: vDataPolicy,
  /** The flat rates (`prompt`, `completion`, `web_search`, …, `discount`) and `overrides`; no `display_pricing`. */
  pricing: vRateCard,
  /** The detailed rate card, SKU → rate; null when upstream sends none (before 2025-12-22). */
  pricing_json: nullable(vRateCard),
  pricing_version_id: nullableString,
  /** Service tiers (flex, priority…) as given, rates parsed; null when absent. */
  tiers: v.any(),
  /** May 2025 prompt-threshold tiers, as given with rates parsed; [] since upstream dropped them. */
  variable_pricings: v.array(vRateCard),
  features: v.any(),
  deprecation_date: nullableNumber,
  created_at: nullableNumber,
});

/**
 * Fields that arrived with the 2026 upstream shape. A deployment's tables may hold rows written
 * before them, and Convex checks every stored document against the schema on deploy, so the
 * tables declare them optional. Every write goes through the content validators above, which
 * require them: a row gains them the next time it is written (every row still listed upstream,
 * on the first run after upgrading, since its content hash changes with the shape; a row gone
 * upstream keeps its old shape until it returns).
 */
const MODEL_FIELDS_ADDED_2026 = [
  "author_display_name", "has_text_output", "model_version_group_id", "is_private", "promotion_message", "routing_error_message",
  "hf_updated_at", "knowledge_cutoff", "supports_reasoning", "default_parameters", "default_order", "default_stops", "default_system",
  "router", "limit_rpm", "limit_rpd", "supported_tts_voices", "is_trainable_text", "is_trainable_image", "required_attestation_types",
  "is_alias", "alias_target",
] as const satisfies readonly (keyof typeof vModelContent.fields)[];
const ENDPOINT_FIELDS_ADDED_2026 = [
  "model_variant_permaslug", "provider_info_slug", "is_byok_only", "is_private", "limit_rpm_cf", "capacity_tpm", "excluded_parameters",
  "allowed_passthrough_parameters", "supported_image_parameters", "supported_video_parameters", "pricing_json", "pricing_version_id",
  "tiers", "deprecation_date", "created_at",
] as const satisfies readonly (keyof typeof vEndpointContent.fields)[];

type Grown<F extends Record<string, GenericValidator>, Added extends keyof F> = {
  [K in keyof F]: K extends Added ? VOptional<F[K]> : F[K];
};
type VOptional<V extends GenericValidator> = ReturnType<typeof v.optional<V>>;

function grown<F extends Record<string, GenericValidator>, Added extends keyof F>(fields: F, added: readonly Added[]): Grown<F, Added> {
  const result: Record<string, GenericValidator> = { ...fields };
  for (const key of added) result[key as string] = v.optional(fields[key]);
  return result as Grown<F, Added>;
}

/** `or_models` content as the table declares it (see `MODEL_FIELDS_ADDED_2026`). */
export const modelTableFields = grown(vModelContent.fields, MODEL_FIELDS_ADDED_2026);

/** `or_endpoints` content as the table declares it, plus `status`, which rows written before telemetry was left out still carry. */
export const endpointTableFields = {
  ...grown(vEndpointContent.fields, ENDPOINT_FIELDS_ADDED_2026),
  data_policy: v.object(grown(dataPolicyFields, ["training_openrouter", "can_publish"] as const)),
  /** Legacy: telemetry stored before 2026; never written now, dropped when the row is next written. */
  status: v.optional(v.any()),
};

/** Bookkeeping every entity row carries besides its content. */
export const vEntityBookkeeping = v.object({
  content_hash: v.string(),
  first_seen_at: v.number(),
  changed_at: v.number(),
  unavailable_at: v.union(v.number(), v.null()),
  /** Why the row was marked unavailable (see `UNAVAILABLE_REASONS` in convex/lib/entityRows.ts); absent while available and on rows marked before reasons were kept. */
  unavailable_reason: v.optional(v.string()),
  /** When the row last came back after being marked unavailable; absent if it never did. */
  returned_at: v.optional(v.number()),
});

/** A row to write: the content, its fingerprint, and whether the entity is available (a model with no endpoint now is not). */
export const vModelWrite = v.object({ value: vModelContent, content_hash: v.string(), available: v.boolean() });
export const vEndpointWrite = v.object({ value: vEndpointContent, content_hash: v.string() });
export const vEndpointKey = v.object({ model_permaslug: v.string(), variant: v.string(), endpoint_id: v.string() });

// Compile-time ties: each side must be assignable to the other. Free-form fields (`v.any()`) are left out of the tie.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ModelFreeForm = "features" | "reasoning_config" | "default_parameters" | "default_order" | "default_stops" | "router" | "supported_tts_voices" | "required_attestation_types";
type EndpointFreeForm = "features" | "pricing" | "pricing_json" | "tiers" | "variable_pricings" | "supported_image_parameters" | "supported_video_parameters";
const modelsMatch: Same<Omit<Infer<typeof vModelContent>, ModelFreeForm>, Omit<OrModel, ModelFreeForm>> = true;
const endpointsMatch: Same<Omit<Infer<typeof vEndpointContent>, EndpointFreeForm>, Omit<OrEndpoint, EndpointFreeForm>> = true;
// Every field of the content is in the validator and the other way round, free-form ones included.
const modelKeysMatch: Same<keyof Infer<typeof vModelContent>, keyof OrModel> = true;
const endpointKeysMatch: Same<keyof Infer<typeof vEndpointContent>, keyof OrEndpoint> = true;
void modelKeysMatch;
void endpointKeysMatch;
void modelsMatch;
void endpointsMatch;

export type ModelContent = Infer<typeof vModelContent>;
export type EndpointContent = Infer<typeof vEndpointContent>;

export const vKindReport = v.object({
  total: v.number(),
  insert: v.number(),
  update: v.number(),
  stable: v.number(),
  unavailable: v.number(),
  /** Of `unavailable`: rows whose upstream id reappeared under another key in the same run (moves, outside the share guard). */
  moved: v.optional(v.number()),
});

/** Removals the share guard withheld in a run: counts, a bounded sample of keys, and whether a person accepted them. */
export const vWithheld = v.object({
  reason: v.string(),
  models: v.number(),
  endpoints: v.number(),
  /** Up to 20 keys: model slugs, and endpoints as `permaslug [variant] endpoint_id`. */
  sample: v.array(v.string()),
  /** Set by `removals.acceptWithheld` when it starts, until it is done: a second call is refused meanwhile. */
  accepting_since: v.optional(v.number()),
  /** Set by `removals.acceptWithheld` when the withheld rows were marked unavailable. */
  accepted_at: v.optional(v.number()),
  accepted_rows: v.optional(v.number()),
});

/** What a run's report says about the upstream's fields. */
export const vFieldsReport = v.object({
  /** Distinct paths the run saw. */
  seen: v.number(),
  /** Paths never seen before (none on the ledger's first run, which sets the baseline). */
  new: v.number(),
  /** Present paths the run did not see. */
  gone: v.number(),
  /** Up to 20 of the new paths, `scope:path`. */
  new_fields: v.array(v.string()),
  /** The run started the ledger: every path is baseline, none is new. */
  baseline: v.boolean(),
  /** Whether the run wrote the ledger (only when the set of paths changed, in remote runs that write). */
  written: v.boolean(),
});
/** What `snapshots_v2.runDemo` and `run` return: a compact account of one run. */
export const vSnapshotReport = v.object({
  run_id: v.id("snapshot_runs"),
  status: literals("ok", "failed", "skipped"),
  ok: v.boolean(),
  health: v.string(),
  snapshot_at: v.number(),
  source: literals("remote", "archive"),
  output: literals("convex", "dry-run", "both"),
  models: vKindReport,
  endpoints: vKindReport,
  /** Endpoint lists that answered 404 or were empty: variants with no endpoints now. */
  empty_lists: v.number(),
  /** `validation_issues` plus `failed_fetches`. */
  issues: v.number(),
  /** Records upstream sent that failed validation. */
  validation_issues: v.number(),
  /** Endpoint lists that could not be fetched, retries spent. */
  failed_fetches: v.number(),
  mutations: v.number(),
  /** Change rows written (`or_changes`): one per real change of an entity. */
  events: v.number(),
  archived: v.number(),
  duration_ms: v.number(),
  /** Fields seen upstream against the drift ledger; absent when the run got no models list. */
  fields: v.optional(vFieldsReport),
  /** A backfill: why the run left the entity tables alone (a newer run already wrote them). */
  entities_skipped: v.optional(v.string()),
  error: v.optional(v.string()),
});

const vWriterCounts = v.object({ insert: v.number(), update: v.number(), stable: v.number(), unavailable: v.number() });

/** `snapshot_runs.metrics`, the shape `summarizeRunMetrics` produces. */
export const vRunMetrics = v.object({
  pipelines: v.optional(v.record(v.string(), v.object({ models: v.number(), endpoints: v.number(), errors: v.number() }))),
  writers: v.optional(v.record(v.string(), vWriterCounts)),
  errors: v.optional(v.number()),
});
const runMetricsMatch: Same<Infer<typeof vRunMetrics>, RunMetrics> = true;
void runMetricsMatch;
