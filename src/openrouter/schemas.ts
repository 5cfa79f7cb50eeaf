/**
 * OpenRouter frontend-API records → the entity shapes this module stores.
 *
 * Owns: the zod schemas for one raw models-list entry (`ModelEntrySchema`) and one raw endpoint
 * record (`EndpointRecordSchema`), and the entity types they produce. Lenient to upstream drift
 * (unknown fields are ignored, null and missing optionals accepted) but every value kept is typed
 * and storable by Convex. Must not touch: I/O, Convex, the database.
 *
 * Entity shapes (also in README "Entities"):
 * - `OrModelEntry`: one models-list entry, i.e. one (slug, variant) pair. `consolidateVariants`
 *   folds these into one `OrModel` per slug.
 * - `OrEndpoint`: one provider endpoint of one model variant. Its primary key is
 *   (model_permaslug, variant, endpoint_id): the same upstream endpoint id is listed under several
 *   variants (e.g. `anthropic/claude-3.5-sonnet` standard and beta share one id).
 */
import { z } from "zod";
import {
  CONVEX_MAX_ARRAY_LENGTH,
  convexJsonObjectSchema,
  convexJsonSchema,
  textSchema,
  type ConvexJson,
} from "./convexSafe";

const nullableText = textSchema.nullish().transform((value) => value ?? null);
const nullableNumber = z.number().nullish().transform((value) => value ?? null);
const nullableBoolean = z.boolean().nullish().transform((value) => value ?? null);
const flag = z.boolean().nullish().transform((value) => value ?? false);
const textList = z.array(textSchema).max(CONVEX_MAX_ARRAY_LENGTH).nullish().transform((value) => value ?? []);

/** ISO timestamp (or epoch ms) → epoch ms. */
const epochMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: `not a timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});
const nullableEpochMs = epochMs.nullish().transform((value) => value ?? null);

/** Upstream prices are decimal strings per token ("0.0000015"); we store numbers. */
const price = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const amount = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(amount)) {
    ctx.addIssue({ code: "custom", message: `not a price: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return amount;
});
const nullablePrice = price.nullish().transform((value) => value ?? null);

// ---------------------------------------------------------------------------------------------
// Models list entries: GET /api/frontend/models → { data: ModelEntry[] }

export const ModelEntrySchema = z
  .object({
    slug: textSchema.min(1),
    permaslug: textSchema.min(1),
    name: textSchema,
    short_name: nullableText,
    author: nullableText,
    description: nullableText,
    context_length: nullableNumber,
    input_modalities: textList,
    output_modalities: textList,
    group: nullableText,
    hf_slug: nullableText,
    instruct_type: nullableText,
    hidden: flag,
    warning_message: nullableText,
    created_at: nullableEpochMs,
    updated_at: nullableEpochMs,
    reasoning_config: convexJsonSchema.nullish().transform((value) => value ?? null),
    features: convexJsonObjectSchema,
    endpoint: z
      .object({ id: textSchema.min(1), variant: textSchema.min(1) })
      .nullish()
      .transform((value) => value ?? null),
  })
  .transform(({ endpoint, ...model }) => ({
    ...model,
    /** The variant this entry lists, or null when it has no active endpoint. */
    variant: endpoint?.variant ?? null,
    endpoint_id: endpoint?.id ?? null,
  }));

export type OrModelEntry = z.output<typeof ModelEntrySchema>;

/** One variant of a consolidated model, as listed on the model row. */
export type OrModelVariant = {
  variant: string;
  permaslug: string;
  name: string;
  context_length: number | null;
  endpoint_id: string;
};

/** One row per model slug. */
export type OrModel = Omit<OrModelEntry, "variant" | "endpoint_id"> & { variants: OrModelVariant[] };

// ---------------------------------------------------------------------------------------------
// Endpoint lists: GET /api/frontend/stats/endpoint?permaslug=…&variant=… → { data: EndpointRecord[] }

const PricingSchema = z.object({
  prompt: price,
  completion: price,
  image: nullablePrice,
  request: nullablePrice,
  web_search: nullablePrice,
  internal_reasoning: nullablePrice,
  input_cache_read: nullablePrice,
  input_cache_write: nullablePrice,
  discount: nullableNumber,
});

/** A tiered price, e.g. `{type: "prompt-threshold", threshold: 200000, prompt: "0.0000025", …}`. */
const VariablePricingSchema = z
  .object({ type: textSchema, threshold: z.union([textSchema, z.number()]).nullish() })
  .catchall(z.unknown())
  .transform(({ type, threshold, ...rest }, ctx) => {
    const prices: Record<string, number> = {};
    for (const [name, value] of Object.entries(rest)) {
      const parsed = price.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: `variable price ${JSON.stringify(name)} is not a price`, path: [name] });
        return z.NEVER;
      }
      prices[name] = parsed.data;
    }
    return { type, threshold: threshold ?? null, prices };
  })
  .superRefine(({ prices }, ctx) => {
    // The price names become object keys in the stored row.
    const keyCheck = convexJsonObjectSchema.safeParse(prices);
    if (!keyCheck.success) for (const issue of keyCheck.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: ["prices", ...issue.path] as (string | number)[] });
  });

const DataPolicySchema = z
  .object({
    training: nullableBoolean,
    retainsPrompts: nullableBoolean,
    retentionDays: nullableNumber,
    requiresUserIDs: nullableBoolean,
    termsOfServiceURL: nullableText,
    privacyPolicyURL: nullableText,
    dataPolicyUrl: nullableText,
  })
  .nullish()
  .transform((policy) => ({
    training: policy?.training ?? null,
    retains_prompts: policy?.retainsPrompts ?? null,
    retention_days: policy?.retentionDays ?? null,
    requires_user_ids: policy?.requiresUserIDs ?? null,
    terms_of_service_url: policy?.termsOfServiceURL ?? null,
    privacy_policy_url: policy?.privacyPolicyURL ?? null,
    data_policy_url: policy?.dataPolicyUrl ?? null,
  }));

/**
 * One endpoint record. The request's (permaslug, variant) is not part of the record's identity
 * upstream, so `toEndpoint` adds it: the row key is (model_permaslug, variant, endpoint_id).
 */
export const EndpointRecordSchema = z.object({
  id: textSchema.min(1),
  name: textSchema,
  context_length: nullableNumber,
  model: z
    .object({ slug: textSchema.min(1), input_modalities: textList })
    .transform(({ slug, input_modalities }) => ({ slug, input_modalities })),
  model_variant_slug: nullableText,
  provider_name: textSchema,
  provider_display_name: nullableText,
  provider_model_id: nullableText,
  provider_group: nullableText,
  provider_region: nullableText,
  provider_info: z.object({ slug: nullableText }).nullish().transform((info) => info ?? { slug: null }),
  quantization: nullableText,
  variant: nullableText,
  is_free: flag,
  is_byok: flag,
  is_hidden: flag,
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
  supported_parameters: textList,
  data_policy: DataPolicySchema,
  pricing: PricingSchema,
  variable_pricings: z
    .array(VariablePricingSchema)
    .max(CONVEX_MAX_ARRAY_LENGTH)
    .nullish()
    .transform((value) => value ?? []),
  features: convexJsonObjectSchema,
  status: nullableNumber,
});

export type EndpointRecord = z.output<typeof EndpointRecordSchema>;

/** The request an endpoint list answers: one model variant. */
export type VariantRequest = { permaslug: string; variant: string };

/** The stored endpoint shape. Volatile upstream stats (latency, throughput) are deliberately not kept. */
export function toEndpoint(record: EndpointRecord, request: VariantRequest) {
  // The record's own `variant` is dropped: the request's is the one the row is keyed under.
  const { id, model, provider_info, max_completion_tokens, variant: _recordVariant, ...rest } = record;
  return {
    model_permaslug: request.permaslug,
    variant: request.variant,
    endpoint_id: id,
    model_slug: model.slug,
    ...rest,
    provider_slug: provider_info.slug,
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
