/**
 * Convex validators for the entity rows, tied at compile time to the zod output types in
 * src/openrouter/schemas.ts, so the table shape cannot drift from what the transforms produce.
 *
 * Free-form upstream records (`features`, `reasoning_config`) are `v.any()` here: zod has already
 * checked them against Convex's key and value rules (src/openrouter/convexSafe.ts).
 */
import { v, type Infer } from "convex/values";
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
  description: nullableString,
  context_length: nullableNumber,
  input_modalities: v.array(v.string()),
  output_modalities: v.array(v.string()),
  group: nullableString,
  hf_slug: nullableString,
  instruct_type: nullableString,
  hidden: v.boolean(),
  warning_message: nullableString,
  created_at: nullableNumber,
  updated_at: nullableNumber,
  reasoning_config: v.any(),
  features: v.any(),
  variants: v.array(vModelVariant),
});

export const vEndpointContent = v.object({
  model_permaslug: v.string(),
  variant: v.string(),
  endpoint_id: v.string(),
  model_slug: v.string(),
  model_variant_slug: nullableString,
  name: v.string(),
  context_length: nullableNumber,
  provider_name: v.string(),
  provider_slug: nullableString,
  provider_display_name: nullableString,
  provider_model_id: nullableString,
  provider_group: nullableString,
  provider_region: nullableString,
  quantization: nullableString,
  is_free: v.boolean(),
  is_byok: v.boolean(),
  is_hidden: v.boolean(),
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
  supported_parameters: v.array(v.string()),
  supports_image_input: v.boolean(),
  supports_file_input: v.boolean(),
  data_policy: v.object({
    training: nullableBoolean,
    retains_prompts: nullableBoolean,
    retention_days: nullableNumber,
    requires_user_ids: nullableBoolean,
    terms_of_service_url: nullableString,
    privacy_policy_url: nullableString,
    data_policy_url: nullableString,
  }),
  pricing: v.object({
    prompt: v.number(),
    completion: v.number(),
    image: nullableNumber,
    request: nullableNumber,
    web_search: nullableNumber,
    internal_reasoning: nullableNumber,
    input_cache_read: nullableNumber,
    input_cache_write: nullableNumber,
    discount: nullableNumber,
  }),
  variable_pricings: v.array(
    v.object({ type: v.string(), threshold: v.union(v.string(), v.number(), v.null()), prices: v.record(v.string(), v.number()) }),
  ),
  features: v.any(),
  status: nullableNumber,
});

/** Bookkeeping every entity row carries besides its content. */
export const vEntityBookkeeping = v.object({
  content_hash: v.string(),
  first_seen_at: v.number(),
  changed_at: v.number(),
  unavailable_at: v.union(v.number(), v.null()),
});

/** A row to write: the content and its fingerprint. */
export const vModelWrite = v.object({ value: vModelContent, content_hash: v.string() });
export const vEndpointWrite = v.object({ value: vEndpointContent, content_hash: v.string() });
export const vEndpointKey = v.object({ model_permaslug: v.string(), variant: v.string(), endpoint_id: v.string() });

// Compile-time ties: each side must be assignable to the other.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const modelsMatch: Same<Omit<Infer<typeof vModelContent>, "features" | "reasoning_config">, Omit<OrModel, "features" | "reasoning_config">> = true;
const endpointsMatch: Same<Omit<Infer<typeof vEndpointContent>, "features">, Omit<OrEndpoint, "features">> = true;
void modelsMatch;
void endpointsMatch;

export type ModelContent = Infer<typeof vModelContent>;
export type EndpointContent = Infer<typeof vEndpointContent>;

export const vKindReport = v.object({ total: v.number(), insert: v.number(), update: v.number(), stable: v.number(), unavailable: v.number() });

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
  issues: v.number(),
  mutations: v.number(),
  archived: v.number(),
  duration_ms: v.number(),
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
