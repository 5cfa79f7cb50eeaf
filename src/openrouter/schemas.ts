/**
 * OpenRouter frontend-API records → the entity shapes this module stores.
 *
 * Owns: the zod schemas for one raw models-list entry (`ModelEntrySchema`) and one raw endpoint
 * record (`EndpointRecordSchema`), and the entity types they produce. Lenient to upstream drift
 * (unknown fields are ignored here and listed by the drift ledger, null and missing optionals
 * accepted) but every value kept is typed and storable by Convex, and every durable fact upstream
 * gives is kept. Absence has one spelling (null for text, `[]` for lists), instants one value
 * (epoch ms), rates one value (numbers, see rateCard.ts), so a re-spelling upstream is not a
 * change. Must not touch: I/O, Convex, the database.
 *
 * Entity shapes (also in docs/data-model.md, "Entities"):
 * - `OrModelEntry`: one models-list entry, i.e. one (slug, variant) pair. `consolidateVariants`
 *   folds these into one `OrModel` per slug.
 * - `OrEndpoint`: one provider endpoint of one model variant. Its primary key is
 *   (model_permaslug, variant, endpoint_id): the same upstream endpoint id is listed under several
 *   variants (e.g. `anthropic/claude-3.5-sonnet` standard and beta share one id).
 */
import { z } from "zod";
import { rateCardSchema, ratesSchema } from "./rateCard";
import {
  CONVEX_MAX_ARRAY_LENGTH,
  convexJsonObjectSchema,
  convexJsonSchema,
  refineConvexJson,
  textSchema,
  type ConvexJson,
} from "./convexSafe";

/** Optional text: `""`, null and a missing key all mean "none", stored as null. */
const nullableText = textSchema.nullish().transform((value) => (value === "" || value === undefined ? null : value));
/** An ISO 8601 date or date-time: `2025-03`, `2025-03-01`, `2025-03-01T00:00:00.000+00:00`. */
const ISO_DATE = /^(\d{4}-\d{2}(?:-\d{2})?)(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date (UTC when no zone is given), or null for any other text. */
export function isoDateMs(text: string): number | null {
  const match = ISO_DATE.exec(text.trim());
  if (!match) return null;
  const [, date, time, zone] = match;
  const ms = Date.parse(time === undefined ? date : `${date}T${time}${zone ?? "Z"}`);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * A date that upstream may spell several ways (`knowledge_cutoff`: "2025-03-01", or a timestamp):
 * epoch ms when it is an ISO 8601 date, so one instant is one value; other text as given; `""` →
 * null.
 */
const nullableDate = z
  .union([textSchema, z.number()])
  .nullish()
  .transform((value) => {
    if (value === "" || value === undefined || value === null) return null;
    if (typeof value === "number") return value;
    return isoDateMs(value) ?? value;
  });
const nullableNumber = z.number().nullish().transform((value) => value ?? null);
const nullableBoolean = z.boolean().nullish().transform((value) => value ?? null);
const flag = z.boolean().nullish().transform((value) => value ?? false);
const textList = z.array(textSchema).max(CONVEX_MAX_ARRAY_LENGTH).nullish().transform((value) => value ?? []);
/** A list whose items are kept as given (checked against Convex's rules); absent or null → []. */
const jsonList = z
  .array(z.unknown())
  .max(CONVEX_MAX_ARRAY_LENGTH)
  .nullish()
  .transform((value) => value ?? [])
  .superRefine(refineConvexJson)
  .transform((value) => value as ConvexJson[]);
/** A list whose shape upstream has not settled (voices, attestation types): as given; absent, null and `""` → []. */
const looseList = convexJsonSchema.nullish().transform((value): ConvexJson => (value === undefined || value === null || value === "" ? [] : value));
/** A free-form value kept as given; absent, null and `""` → null. */
const nullableJson = convexJsonSchema.nullish().transform((value) => (value === undefined || value === "" ? null : value));

/**
 * ISO timestamp (or epoch ms) → epoch ms, so one instant is one value: `…+00:00` and `…Z`, or
 * `.56227` and `.562` seconds, are the same stored number.
 */
const epochMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});
const nullableEpochMs = z
  .union([epochMs, z.literal("")])
  .nullish()
  .transform((value) => (value === "" || value === undefined ? null : value));

/** Router aliases (`~openai/gpt-latest`) are not models: they name another model and have no endpoints of their own. */
export function isAliasSlug(slug: string): boolean {
  return slug.startsWith("~");
}

// ---------------------------------------------------------------------------------------------
// Models list entries: GET /api/frontend/v1/catalog/models (2026) or /api/frontend/models (2025)
// → { data: ModelEntry[] }

/**
 * The entry's embedded endpoint, as `catalogueSources` prunes it while parsing: its id and
 * variant (to fetch its list), and the model it really serves (an alias's target).
 */
const EmbeddedEndpointSchema = z
  .object({
    id: textSchema.min(1),
    variant: textSchema.min(1),
    model_variant_slug: nullableText,
    model_slug: nullableText,
  })
  .nullish()
  .transform((value) => value ?? null);

/** The fields of a models-list entry that are read; every other field is left out (and ledgered). */
export const ModelEntryFields = z.object({
  slug: textSchema.min(1),
  permaslug: textSchema.min(1),
  name: textSchema,
  short_name: nullableText,
  author: nullableText,
  author_display_name: nullableText,
  description: nullableText,
  context_length: nullableNumber,
  input_modalities: textList,
  output_modalities: textList,
  has_text_output: nullableBoolean,
  group: nullableText,
  hf_slug: nullableText,
  instruct_type: nullableText,
  model_version_group_id: nullableText,
  hidden: flag,
  is_private: flag,
  warning_message: nullableText,
  promotion_message: nullableText,
  routing_error_message: nullableText,
  created_at: nullableEpochMs,
  updated_at: nullableEpochMs,
  hf_updated_at: nullableEpochMs,
  knowledge_cutoff: nullableDate,
  supports_reasoning: nullableBoolean,
  reasoning_config: nullableJson,
  features: convexJsonObjectSchema,
  default_parameters: nullableJson,
  default_order: jsonList,
  default_stops: jsonList,
  default_system: nullableText,
  router: nullableJson,
  limit_rpm: nullableNumber,
  limit_rpd: nullableNumber,
  supported_tts_voices: looseList,
  is_trainable_text: nullableBoolean,
  is_trainable_image: nullableBoolean,
  required_attestation_types: looseList,
  endpoint: EmbeddedEndpointSchema,
});

export const ModelEntrySchema = ModelEntryFields.transform(({ endpoint, ...model }) => {
  const is_alias = isAliasSlug(model.slug);
  return {
    ...model,
    is_alias,
    /** The model an alias routes to, where its entry says (its embedded endpoint's model). */
    alias_target: is_alias ? (endpoint?.model_variant_slug ?? endpoint?.model_slug ?? null) : null,
    /** The variant this entry lists, or null when it has no endpoint now (or is an alias). */
    variant: is_alias ? null : (endpoint?.variant ?? null),
    endpoint_id: is_alias ? null : (endpoint?.id ?? null),
  };
});

export type OrModelEntry = z.output<typeof ModelEntrySchema>;

/** One variant of a consolidated model, as listed on the model row. */
export type OrModelVariant = {
  variant: string;
  permaslug: string;
  name: string;
  context_length: number | null;
  endpoint_id: string;
};

/**
 * One row per model slug. A model is available while it has at least one variant with an
 * endpoint (`modelIsAvailable`); an alias while it is listed.
 */
export type OrModel = Omit<OrModelEntry, "variant" | "endpoint_id"> & { variants: OrModelVariant[] };

/** Availability is having endpoints: the catalogue also lists retired models, with `endpoint: null`. */
export function modelIsAvailable(model: Pick<OrModel, "is_alias"> & { variants: readonly unknown[] }): boolean {
  return model.is_alias || model.variants.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Endpoint lists: GET /api/frontend/v1/stats/endpoint?permaslug=…&variant=… (2026) or
// /api/frontend/stats/endpoint?… (2025) → { data: EndpointRecord[] }

const DataPolicySchema = z
  .object({
    training: nullableBoolean,
    trainingOpenRouter: nullableBoolean,
    retainsPrompts: nullableBoolean,
    retentionDays: nullableNumber,
    requiresUserIDs: nullableBoolean,
    canPublish: nullableBoolean,
    termsOfServiceURL: nullableText,
    privacyPolicyURL: nullableText,
    dataPolicyUrl: nullableText,
  })
  .nullish()
  .transform((policy) => ({
    training: policy?.training ?? null,
    training_openrouter: policy?.trainingOpenRouter ?? null,
    retains_prompts: policy?.retainsPrompts ?? null,
    retention_days: policy?.retentionDays ?? null,
    requires_user_ids: policy?.requiresUserIDs ?? null,
    can_publish: policy?.canPublish ?? null,
    terms_of_service_url: policy?.termsOfServiceURL ?? null,
    privacy_policy_url: policy?.privacyPolicyURL ?? null,
    data_policy_url: policy?.dataPolicyUrl ?? null,
  }));

/**
 * One endpoint record. The request's (permaslug, variant) is not part of the record's identity
 * upstream, so `toEndpoint` adds it: the row key is (model_permaslug, variant, endpoint_id).
 *
 * Only what is listed here is stored. Deliberately left out (docs/data-model.md, "What is not stored, and why"):
 * telemetry (`stats`, `statsByTier`, `status`, `status_heuristics*`, `routing_heuristics_by_tier`),
 * the root `display_pricing` (presentation, and a duplicate of the copy `pricing` keeps), internal
 * wiring (`adapter_name`), and the embedded copies (`model` but its slug and input modalities,
 * `provider_info` but its slug).
 */
export const EndpointRecordSchema = z.object({
  id: textSchema.min(1),
  name: textSchema,
  context_length: nullableNumber,
  model: z
    .object({ slug: textSchema.min(1), input_modalities: textList })
    .transform(({ slug, input_modalities }) => ({ slug, input_modalities })),
  model_variant_slug: nullableText,
  model_variant_permaslug: nullableText,
  provider_name: textSchema,
  provider_display_name: nullableText,
  provider_slug: nullableText,
  provider_model_id: nullableText,
  provider_group: nullableText,
  provider_region: nullableText,
  provider_info: z.object({ slug: nullableText }).nullish().transform((info) => info ?? { slug: null }),
  quantization: nullableText,
  variant: nullableText,
  is_free: flag,
  is_byok: flag,
  is_byok_only: flag,
  is_hidden: flag,
  is_private: flag,
  is_deranked: flag,
  is_disabled: flag,
  can_abort: flag,
  moderation_required: flag,
  supports_tool_parameters: flag,
  supports_reasoning: flag,
  supports_multipart: flag,
  has_completions: flag,
  has_chat_completions: flag,
  max_prompt_tokens: nullableNumber,
  max_completion_tokens: nullableNumber,
  max_prompt_images: nullableNumber,
  max_tokens_per_image: nullableNumber,
  limit_rpm: nullableNumber,
  limit_rpd: nullableNumber,
  limit_rpm_cf: nullableNumber,
  capacity_tpm: nullableNumber,
  supported_parameters: textList,
  excluded_parameters: textList,
  allowed_passthrough_parameters: textList,
  supported_image_parameters: nullableJson,
  supported_video_parameters: nullableJson,
  data_policy: DataPolicySchema,
  pricing: rateCardSchema,
  pricing_json: rateCardSchema.nullish().transform((value) => value ?? null),
  pricing_version_id: nullableText,
  tiers: ratesSchema,
  /** May 2025 prompt-threshold tiers; gone upstream since 2026-04-17 (`pricing.overrides` replaced them). */
  variable_pricings: z
    .array(rateCardSchema)
    .max(CONVEX_MAX_ARRAY_LENGTH)
    .nullish()
    .transform((value) => value ?? []),
  features: convexJsonObjectSchema,
  deprecation_date: nullableEpochMs,
  created_at: nullableEpochMs,
});

export type EndpointRecord = z.output<typeof EndpointRecordSchema>;

/** The request an endpoint list answers: one model variant. */
export type VariantRequest = { permaslug: string; variant: string };

/** The stored endpoint shape. */
export function toEndpoint(record: EndpointRecord, request: VariantRequest) {
  // The record's own `variant` is dropped: the request's is the one the row is keyed under.
  const { id, model, provider_info, max_completion_tokens, variant: _recordVariant, ...rest } = record;
  return {
    model_permaslug: request.permaslug,
    variant: request.variant,
    endpoint_id: id,
    model_slug: model.slug,
    ...rest,
    /** `provider_info.slug`: the provider record; `provider_slug` is the endpoint's own targeting key (`azure/eu`). */
    provider_info_slug: provider_info.slug,
    max_completion_tokens,
    // Upstream leaves max_completion_tokens empty when the whole context may be used for output.
    output_tokens: max_completion_tokens || rest.context_length,
    supports_image_input: model.input_modalities.includes("image"),
    supports_file_input: model.input_modalities.includes("file"),
  };
}

export type OrEndpoint = ReturnType<typeof toEndpoint>;

/** The endpoint primary key as one string, for in-memory maps. */
export function endpointKey(endpoint: Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id">): string {
  return JSON.stringify([endpoint.model_permaslug, endpoint.variant, endpoint.endpoint_id]);
}

/** The variant an endpoint belongs to, as one string. */
export function variantKey(request: VariantRequest): string {
  return JSON.stringify([request.permaslug, request.variant]);
}

export type { ConvexJson };
