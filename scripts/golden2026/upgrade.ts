/**
 * May 2025 records → the 2026 field set.
 *
 * Owns: `upgradeModel` (a models-list entry or an embedded model copy) and `upgradeEndpoint` (one
 * endpoint record, split into its durable `core` and its `PriceSpec`). Every May value is kept as
 * it was (names, ids, slugs, context lengths, the `(free)` name suffixes, odd data-policy shapes);
 * fields that did not exist in May are added with values drawn per slug or per endpoint id, so
 * every copy of one model or one endpoint agrees. Field names, order and value styles follow
 * catalog-sample-2025-11.json and orca's notes/data-example.md; fields the sample lacks are placed
 * where a 2026 client's struct lists them. Removed in 2026 and dropped here: `max_prompt_images`,
 * `variable_pricings` (folded into `pricing.overrides` and `pricing_json`), `provider_group`,
 * `features.supports_document_url`. Node-only, never shipped.
 */
import { formsFor, multiply, type RateForm } from "./decimal";
import { BASE_DEPRECATIONS, EXTRA_OVERRIDES, TIERS, endpointTag } from "./plan";
import { renderPricing, type OverrideSpec, type PriceSpec } from "./pricing";
import { rngFor, type Rng } from "./rng";
import type { Obj } from "./telemetry";

export type EndpointState = { core: Obj; spec: PriceSpec };

export const clone = <T>(value: T): T => structuredClone(value);

// ---------------------------------------------------------------------------------------------
// Models

/** Everything added to a model in 2026 that must agree across all copies of one slug. */
export type SlugFacts = {
  authorDisplayName: string;
  supportsReasoning: boolean;
  reasoningConfig: Obj;
  chatTemplateConfig: Obj | undefined;
  promotion: string | null;
  routingError: string | null;
  defaultParameters: Obj;
  defaultOrder: string[];
  quickStart: string | null;
  trainableText: boolean | null;
  knowledgeCutoff: string | null;
  ttsVoices?: string[];
};

const AUTHOR_NAMES: Record<string, string> = {
  qwen: "Qwen",
  "meta-llama": "Meta",
  mistralai: "Mistral",
  openai: "OpenAI",
  google: "Google",
  deepseek: "DeepSeek",
  anthropic: "Anthropic",
  "x-ai": "xAI",
  nousresearch: "Nous",
  cognitivecomputations: "Cognitive Computations",
};

function authorDisplayName(author: string, baseName: string): string {
  const colon = baseName.indexOf(": ");
  if (colon > 0) return baseName.slice(0, colon);
  return AUTHOR_NAMES[author] ?? author.split(/[-_]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(" ");
}

/** Reasoning-config keys added since 2025 (orca docs/openrouter/models.md), by model family. */
function reasoningExtras(slug: string, tokens: boolean): Obj {
  if (/^openai\/(o\d|codex)/.test(slug)) {
    return {
      is_mandatory_reasoning: true,
      supports_reasoning_effort: true,
      supported_reasoning_efforts: ["low", "medium", "high"],
      default_reasoning_effort: slug.endsWith("-high") ? "high" : "medium",
    };
  }
  if (slug.startsWith("openai/gpt-5")) {
    return { supports_reasoning_effort: true, supported_reasoning_efforts: ["none", "low", "medium", "high"], default_reasoning_effort: "none" };
  }
  if (slug.startsWith("x-ai/grok-3-mini")) {
    return { is_mandatory_reasoning: true, supports_reasoning_effort: true, supported_reasoning_efforts: ["low", "high"], default_reasoning_effort: "low" };
  }
  if (slug.startsWith("anthropic/claude-3.7")) {
    return { supports_reasoning_effort: true, supported_reasoning_efforts: ["low", "medium", "high"], supports_reasoning_max_tokens: true, default_reasoning_enabled: false };
  }
  if (slug.startsWith("google/gemini-2.5")) {
    return { supports_reasoning_effort: true, supported_reasoning_efforts: ["low", "medium", "high"], default_reasoning_effort: null, supports_reasoning_max_tokens: true, default_reasoning_enabled: true };
  }
  if (tokens) {
    return { is_mandatory_reasoning: !slug.startsWith("qwen/qwen3"), supports_reasoning_effort: false, supported_reasoning_efforts: null, reasoning_return_mechanism: "think_tags" };
  }
  return { supports_reasoning_effort: false, supported_reasoning_efforts: null };
}

const TUNED_SAMPLING = /deepseek-r1|qwen3|qwq|phi-4-reasoning/;
const OPEN_WEIGHT_AUTHORS = new Set(["meta-llama", "qwen", "mistralai", "google", "nousresearch", "microsoft", "thudm", "deepseek"]);
const DEFAULT_ORDERS: Record<string, string[]> = {
  "meta-llama/llama-4-scout": ["lambda", "deepinfra", "groq"],
  "deepseek/deepseek-chat-v3-0324": ["deepinfra"],
  "anthropic/claude-3.7-sonnet": ["anthropic", "google-vertex"],
};

/** Knowledge cutoffs fixed by hand so the next-day change (null → date) starts from null. */
export const FIXED_KNOWLEDGE_CUTOFF: Record<string, string | null> = {
  "mistralai/mistral-medium-3": null,
  "openai/o3": "2024-06-01",
  "openai/gpt-4.1": "2024-06-01",
  "anthropic/claude-3.7-sonnet": "2024-10-01",
  "google/gemini-2.5-flash-preview": "2025-01-01",
};

function monthsBefore(iso: string, months: number): string {
  const date = new Date(Date.parse(iso));
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() - months;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}-01`;
}

/**
 * The 2026 additions for one slug.
 *
 * @example slugFacts({ slug: "openai/o3", author: "openai", baseName: "OpenAI: o3", tokens: null, reasoning: true, createdAt: "2025-04-16T…" })
 */
export function slugFacts(info: { slug: string; author: string; baseName: string; tokens: Obj | null; reasoning: boolean; createdAt: string; ttsVoices?: string[] }): SlugFacts {
  const rng = rngFor("slug-facts", info.slug);
  const supportsReasoning = info.tokens !== null || info.reasoning;
  const reasoningConfig: Obj = {
    start_token: info.tokens?.start_token ?? null,
    end_token: info.tokens?.end_token ?? null,
    system_prompt: null,
    ...(supportsReasoning ? reasoningExtras(info.slug, info.tokens !== null) : {}),
  };
  const chatRoll = rng.next();
  const chatTemplateConfig = chatRoll < 0.05 ? { should_hoist_and_merge_system_messages: true } : chatRoll < 0.45 ? {} : undefined;
  const promotion = rng.chance(0.55) ? "" : null;
  const routingError = rng.chance(0.25) ? "" : null;
  const paramsRoll = rng.next();
  const defaultParameters = TUNED_SAMPLING.test(info.slug)
    ? { temperature: 0.6, top_p: 0.95, frequency_penalty: null }
    : paramsRoll < 0.45
      ? {}
      : { temperature: null, top_p: null, frequency_penalty: null };
  const trainableText = OPEN_WEIGHT_AUTHORS.has(info.author) && rng.chance(0.15) ? true : null;
  const cutoffRoll = rng.next();
  const knowledgeCutoff =
    info.slug in FIXED_KNOWLEDGE_CUTOFF ? FIXED_KNOWLEDGE_CUTOFF[info.slug] : cutoffRoll < 0.4 ? monthsBefore(info.createdAt, rng.int(3, 12)) : null;
  return {
    authorDisplayName: authorDisplayName(info.author, info.baseName),
    supportsReasoning,
    reasoningConfig,
    chatTemplateConfig,
    promotion,
    routingError,
    defaultParameters,
    defaultOrder: DEFAULT_ORDERS[info.slug] ?? [],
    quickStart: supportsReasoning ? "reasoning" : null,
    trainableText,
    knowledgeCutoff,
    ttsVoices: info.ttsVoices,
  };
}

/**
 * A May 2025 model object (a models-list entry without its `endpoint`, or an embedded copy) in
 * the 2026 field set and order.
 */
export function upgradeModel(m: Obj, facts: SlugFacts): Obj {
  const out: Obj = {
    slug: m.slug,
    hf_slug: m.hf_slug,
    updated_at: m.updated_at,
    created_at: m.created_at,
    hf_updated_at: m.hf_updated_at,
    name: m.name,
    short_name: m.short_name,
    author: m.author,
    author_display_name: facts.authorDisplayName,
    description: m.description,
    model_version_group_id: m.model_version_group_id,
    context_length: m.context_length,
    input_modalities: clone(m.input_modalities),
    output_modalities: clone(m.output_modalities),
    has_text_output: m.has_text_output,
    group: m.group,
    instruct_type: m.instruct_type,
    default_system: m.default_system,
    default_stops: clone(m.default_stops),
    hidden: m.hidden,
    router: m.router,
    warning_message: m.warning_message,
    promotion_message: facts.promotion,
    routing_error_message: facts.routingError,
    is_private: false,
    permaslug: m.permaslug,
    supports_reasoning: facts.supportsReasoning,
    reasoning_config: clone(facts.reasoningConfig),
    // One real May 2025 entry (google/gemini-2.5-pro-exp-03-25) has `features: null`: kept.
    features:
      m.features === null
        ? null
        : { reasoning_config: clone(facts.reasoningConfig), ...(facts.chatTemplateConfig ? { chat_template_config: clone(facts.chatTemplateConfig) } : {}) },
    default_parameters: clone(facts.defaultParameters),
    default_order: [...facts.defaultOrder],
    quick_start_example_type: facts.quickStart,
    is_trainable_text: facts.trainableText,
    is_trainable_image: null,
    knowledge_cutoff: facts.knowledgeCutoff,
  };
  if (facts.ttsVoices) out.supported_tts_voices = [...facts.ttsVoices];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Providers

type ProviderWiring = { adapter: string; providerAdapter: string; ns: string; strategy: string };

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** Adapter names and pricing namespace (guessed from the Nov 2025 sample's two providers). */
export function wiringOf(providerSlug: string, providerName: string, modelAuthor: string): ProviderWiring {
  const claude = modelAuthor === "anthropic";
  switch (providerSlug) {
    case "openai":
      return { adapter: "OpenAIResponsesAdapter", providerAdapter: "OpenAIResponsesAdapter", ns: "openai_responses", strategy: "openai_responses" };
    case "anthropic":
      return { adapter: "AnthropicAdapter", providerAdapter: "AnthropicAdapter", ns: "anthropic", strategy: "anthropic" };
    case "amazon-bedrock":
      return {
        adapter: claude ? "AmazonBedrockInvokeAnthropicAdapter" : "AmazonBedrockConverseAdapter",
        providerAdapter: "AmazonBedrockConverseAdapter",
        ns: claude ? "anthropic" : "bedrock",
        strategy: "anthropic",
      };
    case "google-vertex":
      return { adapter: claude ? "GoogleVertexAnthropicAdapter" : "GoogleVertexAdapter", providerAdapter: "GoogleVertexAdapter", ns: claude ? "anthropic" : "google", strategy: "google" };
    case "google-ai-studio":
      return { adapter: "GoogleAIStudioAdapter", providerAdapter: "GoogleAIStudioAdapter", ns: "google", strategy: "google" };
    case "perplexity":
    case "xai":
    case "mistral":
    case "cohere":
      return { adapter: `${pascal(providerName)}Adapter`, providerAdapter: `${pascal(providerName)}Adapter`, ns: providerSlug, strategy: providerSlug };
    default:
      return { adapter: `${pascal(providerName)}Adapter`, providerAdapter: `${pascal(providerName)}Adapter`, ns: "openai", strategy: "openai" };
  }
}

/** A 2026 data policy from May's fields: training, retention and URLs kept, presence included. */
export function upgradeDataPolicy(policy: Obj, options: { free: boolean; canPublish: boolean }): Obj {
  const training = policy.training ?? policy.paidModels?.training ?? false;
  const retains = policy.retainsPrompts ?? policy.paidModels?.retainsPrompts ?? false;
  const retention = policy.retentionDays ?? policy.paidModels?.retentionDays;
  const out: Obj = {
    training,
    trainingOpenRouter: training && options.free,
    retainsPrompts: retains,
  };
  if (retention !== undefined) out.retentionDays = retention;
  out.canPublish = options.canPublish;
  if (policy.termsOfServiceURL !== undefined) out.termsOfServiceURL = policy.termsOfServiceURL;
  if (policy.privacyPolicyURL !== undefined) out.privacyPolicyURL = policy.privacyPolicyURL;
  if (policy.requiresUserIDs !== undefined) out.requiresUserIDs = policy.requiresUserIDs;
  return out;
}

export function upgradeProviderInfo(p: Obj, wiring: ProviderWiring): Obj {
  const out: Obj = { name: p.name, displayName: p.displayName, slug: p.slug, baseUrl: p.baseUrl };
  out.dataPolicy = upgradeDataPolicy(p.dataPolicy ?? {}, { free: false, canPublish: false });
  if (p.headquarters !== undefined) out.headquarters = p.headquarters;
  out.regionOverrides = {};
  out.hasChatCompletions = p.hasChatCompletions;
  out.hasCompletions = p.hasCompletions;
  out.isAbortable = p.isAbortable;
  out.moderationRequired = p.moderationRequired;
  out.editors = clone(p.editors ?? []);
  out.owners = clone(p.owners ?? []);
  out.adapterName = wiring.providerAdapter;
  if (p.isMultipartSupported !== undefined) out.isMultipartSupported = p.isMultipartSupported;
  out.statusPageUrl = p.statusPageUrl ?? null;
  out.byokEnabled = p.byokEnabled;
  out.icon = p.icon?.invertRequired ? { url: p.icon.url, className: "invert-0 dark:invert" } : { url: p.icon?.url ?? "" };
  out.ignoredProviderModels = [];
  out.sendClientIp = false;
  out.pricingStrategy = wiring.strategy;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Endpoints

const REAL_QUANTS = new Set(["fp8", "bf16", "fp16", "fp6", "int4"]);
const SUFFIXED_PROVIDERS = new Set(["novita", "deepinfra", "parasail", "lambda", "gmicloud", "nebius", "chutes", "together"]);

function providerSlugOf(r: Obj, rng: Rng): string {
  const slug: string = r.provider_info.slug;
  if (slug === "azure") return rng.chance(0.5) ? "azure/eu" : "azure";
  if (slug === "google-vertex" && rng.chance(0.4)) return "google-vertex/global";
  if (REAL_QUANTS.has(r.quantization) && SUFFIXED_PROVIDERS.has(slug) && rng.chance(0.55)) return `${slug}/${r.quantization}`;
  return slug;
}

function toolChoice(supportsTools: boolean): Obj {
  return { literal_none: true, literal_auto: true, literal_required: supportsTools, type_function: supportsTools };
}

const NATIVE_SEARCH = /search|sonar|perplexity\/r1|online|gpt-4\.1|gpt-4o/;

function endpointFeatures(r: Obj, ns: string, facts: SlugFacts, rng: Rng): Obj {
  const f: Obj = {};
  const slug: string = r.model.slug;
  if (ns === "openai_responses" || ns === "google" || ns === "xai" || slug.startsWith("deepseek/")) f.supports_implicit_caching = rng.chance(0.85);
  if (ns === "openai_responses" || ns === "google" || (ns === "anthropic" && rng.chance(0.5))) f.supports_file_urls = true;
  if (NATIVE_SEARCH.test(slug) && (ns === "openai_responses" || ns === "perplexity")) f.supports_native_web_search = true;
  f.supports_tool_choice = toolChoice(Boolean(r.supports_tool_parameters));
  if (r.features?.supported_parameters !== undefined) f.supported_parameters = clone(r.features.supported_parameters);
  if (r.supports_reasoning) {
    f.is_mandatory_reasoning = facts.reasoningConfig.is_mandatory_reasoning === true;
    if (facts.reasoningConfig.reasoning_return_mechanism && rng.chance(0.5)) f.reasoning_return_mechanism = facts.reasoningConfig.reasoning_return_mechanism;
  }
  if (ns === "google" || ns === "openai_responses") f.supports_input_audio = ns === "google";
  if (r.is_free) f.disable_free_endpoint_limits = false;
  if (r.supports_multipart && rng.chance(0.3)) f.supports_multipart = true;
  return f;
}

const EMPTY_VIDEO_PARAMETERS = {
  supported_resolutions: [],
  supported_aspect_ratios: [],
  supported_sizes: [],
  supported_durations: [],
  supported_frame_images: [],
  generate_audio: null,
  seed: null,
};

const PASSTHROUGH: Record<string, string[]> = {
  perplexity: ["search_domain_filter", "search_recency_filter", "return_images", "return_related_questions"],
  mistral: ["safe_prompt"],
  cohere: ["citation_options"],
};

const EXCLUDABLE = ["logit_bias", "top_logprobs", "logprobs", "min_p", "repetition_penalty", "top_a"];

/** Pricing forms for one endpoint: most SKUs in one house style, some in another. */
export function formsForSkus(skus: [string, string][], rng: Rng): Record<string, RateForm> {
  const house = rng.pick<RateForm>(["number", "plain", "sci", "micro", "plain", "number"]);
  const forms: Record<string, RateForm> = {};
  for (const [sku, rate] of skus) {
    const allowed = formsFor(rate);
    forms[sku] = rng.chance(0.7) && allowed.includes(house) ? house : rng.pick(allowed);
  }
  return forms;
}

/** Draws a spelling for every rate SKU the spec renders (thresholds: a number or a string). */
export function drawForms(spec: PriceSpec, rng: Rng): Record<string, RateForm> {
  const json = renderPricing({ ...spec, forms: {} }).pricing_json;
  const rates = Object.entries(json).filter((entry): entry is [string, string] => typeof entry[1] === "string" && /^[0-9.]+$/.test(entry[1]));
  const forms = formsForSkus(rates, rng);
  for (const name of Object.keys(json)) if (name.endsWith("context_threshold")) forms[name] = rng.chance(0.5) ? "number" : "plain";
  return forms;
}

function priceSpecOf(r: Obj, ns: string, rng: Rng): PriceSpec {
  const flat: [string, string][] = [];
  for (const [key, value] of Object.entries(r.pricing as Obj)) {
    if (key === "discount") continue;
    if (key === "prompt" || key === "completion" || Number(value) !== 0) flat.push([key, String(value)]);
  }
  const flatMap = Object.fromEntries(flat);
  // 2026 rate keys the May data did not carry, where the provider bills them.
  if (ns === "anthropic" && flatMap.input_cache_write) flat.push(["input_cache_write_1h", multiply(flatMap.prompt, "2")]);
  if (r.model.slug === "google/gemini-2.0-flash-001") flat.push(["audio", "0.0000007"], ["input_audio_cache", "0.000000175"]);
  if (r.model_variant_slug === "google/gemini-2.5-flash-preview:thinking") flat.push(["internal_reasoning", flatMap.completion]);

  const extra: PriceSpec["extra"] = [];
  const overrides: OverrideSpec[] = [];
  for (const row of (r.variable_pricings ?? []) as Obj[]) {
    if (row.type === "search-threshold") extra.push({ sku: `${ns}:web_search_calls_${row.threshold}_context`, rate: String(row.request) });
    if (row.type === "prompt-threshold") {
      const rates: [string, string][] = [
        ["prompt", String(row.prompt)],
        ["completion", String(row.completions)],
      ];
      if (row.input_cache_read !== undefined) rates.push(["input_cache_read", String(row.input_cache_read)]);
      if (row.input_cache_write !== undefined) rates.push(["input_cache_write", String(row.input_cache_write)]);
      overrides.push({ kind: "long_context", min_prompt_tokens: Number(row.threshold), rates });
    }
  }
  const tag = endpointTag(r);
  if (EXTRA_OVERRIDES[tag]) overrides.push(EXTRA_OVERRIDES[tag](flatMap));

  const tiers = TIERS[tag] ? structuredClone(TIERS[tag]) : ns === "openai_responses" || ns === "anthropic" ? (rng.chance(0.5) ? null : undefined) : undefined;
  const spec: PriceSpec = {
    ns,
    flat,
    discount: Number(r.pricing.discount ?? 0),
    extra,
    overrides: overrides.length > 0 ? overrides : null,
    tiers,
    units: [],
    forms: {},
    noSku: ns === "google" ? ["input_cache_write"] : [],
  };
  spec.forms = drawForms(spec, rng);
  return spec;
}

/** The created_at of an endpoint listed in May 2025: after its model, before the recording. */
function createdAtOf(r: Obj, rng: Rng): string {
  const model = Date.parse(r.model.created_at);
  const latest = Date.parse("2025-05-19T23:00:00Z");
  const at = Math.min(latest, model + rng.int(5 * 60_000, 20 * 86_400_000));
  return new Date(Math.max(model, at) + rng.int(0, 999)).toISOString();
}

/**
 * One May 2025 endpoint record in the 2026 field set: the durable core (keys in final order,
 * price fields as placeholders filled by `renderPricing`) and its price spec.
 */
export function upgradeEndpoint(r: Obj, facts: SlugFacts): EndpointState {
  const rng = rngFor("endpoint", r.id);
  const wiring = wiringOf(r.provider_info.slug, r.provider_name, r.model.author);
  const spec = priceSpecOf(r, wiring.ns, rng);
  const supported: string[] = r.supported_parameters;
  const excluded = rng.chance(0.12) ? rng.sample(EXCLUDABLE.filter((p) => !supported.includes(p)), rng.int(1, 2)) : [];
  const vision = (r.model.input_modalities as string[]).includes("image");
  const core: Obj = {
    id: r.id,
    name: r.name,
    context_length: r.context_length,
    model: upgradeModel(r.model, facts),
    model_variant_slug: r.model_variant_slug,
    model_variant_permaslug: r.model_variant_permaslug,
    adapter_name: wiring.adapter,
    provider_name: r.provider_name,
    provider_info: upgradeProviderInfo(r.provider_info, wiring),
    provider_display_name: r.provider_display_name,
    provider_slug: providerSlugOf(r, rng),
    provider_model_id: r.provider_model_id,
    quantization: r.quantization ?? "unknown",
    variant: r.variant,
    is_free: r.is_free,
    can_abort: r.can_abort,
    max_prompt_tokens: r.max_prompt_tokens,
    max_completion_tokens: r.max_completion_tokens,
    max_tokens_per_image: r.max_tokens_per_image,
    supported_parameters: clone(supported),
    excluded_parameters: excluded,
    is_byok: r.is_byok,
    is_byok_only: /bringing your own API key/.test(r.model.warning_message ?? ""),
    moderation_required: r.moderation_required,
    data_policy: upgradeDataPolicy(r.data_policy, { free: r.is_free, canPublish: r.is_free && rng.chance(0.3) }),
    pricing: null,
    display_pricing: null,
    pricing_json: null,
    pricing_version_id: rng.uuid(),
  };
  if (spec.tiers !== undefined) core.tiers = null;
  Object.assign(core, {
    is_hidden: r.is_hidden,
    is_private: false,
    is_deranked: r.is_deranked,
    is_disabled: r.is_disabled,
    supports_tool_parameters: r.supports_tool_parameters,
    supports_reasoning: r.supports_reasoning,
    supports_multipart: r.supports_multipart,
    limit_rpm: r.limit_rpm,
    limit_rpd: r.limit_rpd,
    limit_rpm_cf: r.limit_rpm_cf ?? null,
    has_completions: r.has_completions,
    has_chat_completions: r.has_chat_completions,
    features: endpointFeatures(r, wiring.ns, facts, rng),
    supported_image_parameters: vision && wiring.ns === "openai_responses" && rng.chance(0.3) ? { supported_detail_levels: ["low", "high", "auto"] } : null,
    supported_video_parameters: rng.chance(0.08) ? clone(EMPTY_VIDEO_PARAMETERS) : null,
    allowed_passthrough_parameters: clone(PASSTHROUGH[wiring.ns] ?? []),
    capacity_tpm: rng.chance(0.15) ? rng.pick([500000, 1000000, 2000000, 4000000, 10000000]) : null,
    provider_region: r.provider_region,
    deprecation_date: BASE_DEPRECATIONS[endpointTag(r)] ?? null,
    created_at: createdAtOf(r, rng),
  });
  return { core, spec };
}
