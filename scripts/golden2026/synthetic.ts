/**
 * The clearly synthetic parts of the golden2026 catalogue.
 *
 * Owns: building records that the May 2025 recording does not have, always through the same
 * upgrade path as the real ones (a May-shaped record → `upgradeModel` / `upgradeEndpoint`), so
 * they carry the identical 2026 field set: ~100 retired catalogue entries (`endpoint: null`,
 * UPSTREAM-2026.md "The catalogue"), three router aliases ("Slugs that begin with `~`"), the
 * non-text models whose real rates live only in `pricing_json` (image, speech, video,
 * transcription: "Pricing", orca modalities.md), and the new endpoints and model of the next-day
 * recording. Every synthetic description says it is synthetic. Node-only, never shipped.
 */
import { ALIASES } from "./plan";
import type { PriceSpec, UnitRow } from "./pricing";
import { rngFor } from "./rng";
import type { Obj } from "./telemetry";
import { clone, drawForms, slugFacts, upgradeEndpoint, upgradeModel } from "./upgrade";
import { MAY_MODELS_PATH, listKeyOf, type EntryState, type ListState, type World } from "./world";

const SYNTHETIC = "(Synthetic golden2026 record.)";

/** A May-2025-shaped model, so synthetic models go through `upgradeModel` like real ones. */
function mayModel(m: {
  slug: string;
  permaslug?: string;
  name: string;
  short_name: string;
  author: string;
  description: string;
  created_at: string;
  updated_at?: string;
  context_length: number;
  input_modalities: string[];
  output_modalities: string[];
  group: string;
  hf_slug?: string | null;
}): Obj {
  return {
    slug: m.slug,
    hf_slug: m.hf_slug ?? null,
    updated_at: m.updated_at ?? m.created_at,
    created_at: m.created_at,
    hf_updated_at: null,
    name: m.name,
    short_name: m.short_name,
    author: m.author,
    description: m.description,
    model_version_group_id: null,
    context_length: m.context_length,
    input_modalities: m.input_modalities,
    output_modalities: m.output_modalities,
    has_text_output: m.output_modalities.includes("text"),
    group: m.group,
    instruct_type: null,
    default_system: null,
    default_stops: [],
    hidden: false,
    router: null,
    warning_message: null,
    permaslug: m.permaslug ?? m.slug,
    reasoning_config: null,
    features: {},
  };
}

function registerModel(world: World, may: Obj, ttsVoices?: string[]): Obj {
  const facts = slugFacts({ slug: may.slug, author: may.author, baseName: may.name, tokens: null, reasoning: false, createdAt: may.created_at, ttsVoices });
  world.facts.set(may.slug, facts);
  return upgradeModel(may, facts);
}

/** The May-shaped provider record of a provider that the May recording lists. */
export function mayProvider(may: Record<string, Obj>, slug: string): Obj {
  for (const [key, body] of Object.entries(may)) {
    if (key === MAY_MODELS_PATH) continue;
    for (const r of body.data as Obj[]) if (r.provider_info.slug === slug) return clone(r.provider_info);
  }
  throw new Error(`no provider ${slug} in the May recording`);
}

/** A provider record for a provider the May recording does not list. */
export function newProvider(name: string, slug: string, options: { headquarters: string; url: string }): Obj {
  return {
    name,
    displayName: name,
    slug,
    baseUrl: "url",
    dataPolicy: { termsOfServiceURL: `${options.url}/terms`, privacyPolicyURL: `${options.url}/privacy`, paidModels: { training: false, retainsPrompts: false } },
    headquarters: options.headquarters,
    hasChatCompletions: true,
    hasCompletions: false,
    isAbortable: true,
    moderationRequired: false,
    editors: [],
    owners: [],
    isMultipartSupported: true,
    statusPageUrl: null,
    byokEnabled: true,
    icon: { url: `${options.url}/favicon.ico` },
  };
}

/** A May-2025-shaped endpoint record around `model`, for `upgradeEndpoint`. */
export function mayEndpoint(e: {
  id: string;
  model: Obj;
  variant: string;
  provider: Obj;
  providerModelId: string;
  quantization?: string | null;
  prompt: string;
  completion: string;
  supportedParameters: string[];
  supportsTools?: boolean;
  maxCompletionTokens?: number | null;
  contextLength: number;
}): Obj {
  const variantSuffix = e.variant === "standard" ? "" : `:${e.variant}`;
  const free = e.variant === "free";
  return {
    id: e.id,
    name: `${e.provider.name} | ${e.model.permaslug}${variantSuffix}`,
    context_length: e.contextLength,
    model: e.model,
    model_variant_slug: `${e.model.slug}${variantSuffix}`,
    model_variant_permaslug: `${e.model.permaslug}${variantSuffix}`,
    provider_name: e.provider.name,
    provider_info: e.provider,
    provider_display_name: e.provider.displayName,
    provider_model_id: e.providerModelId,
    quantization: e.quantization ?? null,
    variant: e.variant,
    is_free: free,
    can_abort: true,
    max_prompt_tokens: null,
    max_completion_tokens: e.maxCompletionTokens ?? null,
    max_tokens_per_image: null,
    supported_parameters: e.supportedParameters,
    is_byok: false,
    moderation_required: false,
    data_policy: { ...clone(e.provider.dataPolicy), training: free, retainsPrompts: free },
    pricing: { prompt: e.prompt, completion: e.completion, discount: 0 },
    variable_pricings: [],
    is_hidden: false,
    is_deranked: false,
    is_disabled: false,
    supports_tool_parameters: e.supportsTools ?? false,
    supports_reasoning: false,
    supports_multipart: true,
    limit_rpm: null,
    limit_rpd: null,
    has_completions: false,
    has_chat_completions: true,
    features: {},
    provider_region: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Retired entries

const RETIRED_AUTHORS: [string, string, string][] = [
  ["openai", "OpenAI", "GPT"],
  ["anthropic", "Anthropic", "Claude"],
  ["google", "Google", "Gemini"],
  ["meta-llama", "Meta", "Llama3"],
  ["mistralai", "Mistral", "Mistral"],
  ["cohere", "Cohere", "Cohere"],
  ["qwen", "Qwen", "Qwen"],
  ["deepseek", "DeepSeek", "DeepSeek"],
  ["microsoft", "Microsoft", "Other"],
  ["nousresearch", "Nous", "Llama3"],
  ["01-ai", "01.AI", "Yi"],
  ["ai21", "AI21", "Other"],
  ["x-ai", "xAI", "Grok"],
  ["nvidia", "NVIDIA", "Llama3"],
  ["thudm", "THUDM", "Other"],
  ["amazon", "Amazon", "Nova"],
];
const RETIRED_FAMILIES = ["instruct", "chat", "coder", "vision", "base", "mini", "turbo", "large", "online", "preview"];
const RETIRED_SIZES = ["3b", "7b", "8b", "13b", "14b", "34b", "70b", "72b", "8x7b", "122b"];

/** ~100 retired models: listed, `endpoint: null`, no endpoint list (their stats request 404s). */
export function retiredEntries(world: World, count: number): EntryState[] {
  const taken = new Set(world.entries.map((entry) => entry.model.slug));
  const out: EntryState[] = [];
  for (let i = 0; out.length < count; i++) {
    const rng = rngFor("retired", i);
    const [author, display, group] = rng.pick(RETIRED_AUTHORS);
    const family = rng.pick(RETIRED_FAMILIES);
    const size = rng.pick(RETIRED_SIZES);
    const tag = String(2300 + rng.int(1, 12) + 100 * rng.int(0, 1)).padStart(4, "0");
    const slug = `${author}/legacy-${family}-${size}-${tag}`;
    if (taken.has(slug)) continue;
    taken.add(slug);
    const created = Date.parse("2023-06-01T00:00:00Z") + rng.int(0, 640) * 86_400_000 + rng.int(0, 86_399_999);
    const updated = created + rng.int(1, 300) * 86_400_000 + rng.int(0, 86_399_999);
    const micro = () => String(rng.int(0, 999999)).padStart(6, "0");
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.${micro()}+00:00`;
    const title = `Legacy ${family.charAt(0).toUpperCase()}${family.slice(1)} ${size.toUpperCase()} (${tag})`;
    const model = registerModel(
      world,
      mayModel({
        slug,
        permaslug: rng.chance(0.3) ? `${slug}-${tag}` : slug,
        name: `${display}: ${title}`,
        short_name: title,
        author,
        description: `A retired ${family} model, still listed in the catalogue with no endpoints. ${SYNTHETIC}`,
        created_at: iso(created),
        updated_at: iso(updated),
        context_length: rng.pick([4096, 8192, 16384, 32768, 131072]),
        input_modalities: family === "vision" ? ["text", "image"] : ["text"],
        output_modalities: ["text"],
        group,
        hf_slug: rng.pick([null, "", null]),
      }),
    );
    out.push({ model, top: null });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Aliases

/** The three router aliases; each embeds its target variant's top endpoint. */
export function aliasEntries(world: World): EntryState[] {
  return ALIASES.map((alias) => {
    const listKey = listKeyOf(alias.target.permaslug, alias.target.variant);
    const targetEntry = world.entries.find((entry) => entry.top?.listKey === listKey);
    if (!targetEntry?.top) throw new Error(`alias target ${listKey} has no catalogue entry`);
    const target = targetEntry.model;
    const model = registerModel(
      world,
      mayModel({
        slug: alias.slug,
        name: alias.name,
        short_name: alias.short_name,
        author: alias.author,
        description: `Router alias for the newest ${alias.short_name.replace(/ Latest$/, "")} model; it currently routes to ${target.slug}. ${SYNTHETIC}`,
        created_at: "2026-03-02T18:00:00.000000+00:00",
        updated_at: "2026-07-01T12:30:00.000000+00:00",
        context_length: target.context_length,
        input_modalities: clone(target.input_modalities),
        output_modalities: clone(target.output_modalities),
        group: target.group,
      }),
    );
    return { model, top: { ...targetEntry.top } };
  });
}

// ---------------------------------------------------------------------------------------------
// Non-text models: prompt/completion are placeholder "0", the real rates live in pricing_json
// (one image+text model keeps real token rates and adds image_output / image_token).

type Multimodal = {
  slug: string;
  name: string;
  author: string;
  group: string;
  input: string[];
  output: string[];
  created_at: string;
  contextLength: number;
  provider: (may: Record<string, Obj>) => Obj;
  providerModelId: string;
  ns: string;
  extra: PriceSpec["extra"];
  units: UnitRow[];
  ttsVoices?: string[];
  supportedImageParameters?: Obj;
  supportedVideoParameters?: Obj;
  passthrough?: string[];
  adapter?: string;
  /** Real token rates (an image+text model); absent: placeholder "0" prompt/completion. */
  flat?: [string, string][];
  noSku?: string[];
  description: string;
};

const MULTIMODAL: Multimodal[] = [
  {
    slug: "black-forest-labs/flux.2-pro",
    name: "Black Forest Labs: FLUX.2 Pro",
    author: "black-forest-labs",
    group: "Other",
    input: ["text", "image"],
    output: ["image"],
    created_at: "2026-02-11T16:20:41.118204+00:00",
    contextLength: 32768,
    provider: () => newProvider("Black Forest Labs", "black-forest-labs", { headquarters: "DE", url: "https://bfl.ai" }),
    providerModelId: "flux-2-pro",
    ns: "bfl",
    extra: [
      { sku: "bfl:images", rate: "0.03" },
      { sku: "bfl:upstream_cost_cents", raw: 3 },
      { sku: "informational_megapixel_rate", rate: "0.015" },
    ],
    units: [{ sku_label: "Output Image", price: "0.03", displayMultiplier: 1, unitLabel: "/image" }],
    supportedImageParameters: { supported_aspect_ratios: ["1:1", "16:9", "9:16", "4:3", "3:4"], max_megapixels: 4, supports_image_input: true },
    passthrough: ["safety_tolerance", "output_format", "prompt_upsampling"],
    description: "Image generation and editing model from Black Forest Labs, priced per output image.",
  },
  {
    slug: "openai/gpt-image-1-mini",
    name: "OpenAI: GPT Image 1 Mini",
    author: "openai",
    group: "GPT",
    input: ["text", "image"],
    output: ["image"],
    created_at: "2025-10-06T19:02:10.452117+00:00",
    contextLength: 32000,
    provider: (may) => mayProvider(may, "openai"),
    providerModelId: "gpt-image-1-mini",
    ns: "openai_images",
    extra: [
      { sku: "openai_images:text_input_tokens", rate: "0.000002" },
      { sku: "openai_images:image_input_tokens", rate: "0.0000025" },
      { sku: "openai_images:image_output_1024x1024_low", rate: "0.005" },
      { sku: "openai_images:image_output_1024x1024_medium", rate: "0.011" },
      { sku: "openai_images:image_output_1024x1024_high", rate: "0.036" },
    ],
    units: [
      { sku_label: "Output Image (1024x1024, low)", price: "0.005", displayMultiplier: 1, unitLabel: "/image" },
      { sku_label: "Output Image (1024x1024, medium)", price: "0.011", displayMultiplier: 1, unitLabel: "/image" },
      { sku_label: "Output Image (1024x1024, high)", price: "0.036", displayMultiplier: 1, unitLabel: "/image" },
    ],
    supportedImageParameters: { supported_sizes: ["1024x1024", "1024x1536", "1536x1024"], supported_qualities: ["low", "medium", "high"], supports_image_input: true },
    passthrough: ["background", "output_format", "moderation"],
    adapter: "OpenAIImagesAdapter",
    description: "Cost-efficient image generation model from OpenAI; output images are priced by size and quality.",
  },
  {
    slug: "google/gemini-2.5-flash-image",
    name: "Google: Gemini 2.5 Flash Image",
    author: "google",
    group: "Gemini",
    input: ["image", "text"],
    output: ["image", "text"],
    created_at: "2025-10-07T17:50:02.448216+00:00",
    contextLength: 32768,
    provider: (may) => mayProvider(may, "google-ai-studio"),
    providerModelId: "gemini-2.5-flash-image",
    ns: "google",
    extra: [],
    units: [],
    // image_token has no pricing_json SKU: its conversion factor is not exposed (orca pricing.md).
    flat: [
      ["prompt", "0.0000003"],
      ["completion", "0.0000025"],
      ["image", "0.001238"],
      ["image_output", "0.00003"],
      ["image_token", "0.0000003"],
      ["input_cache_read", "0.00000003"],
    ],
    noSku: ["image_token"],
    supportedImageParameters: { supported_aspect_ratios: ["1:1", "2:3", "3:2", "16:9", "9:16"], supports_image_input: true },
    description: "Image generation and editing model that also answers in text; text tokens are priced like Gemini 2.5 Flash, output images per image token.",
  },
  {
    slug: "openai/tts-1-hd",
    name: "OpenAI: TTS 1 HD",
    author: "openai",
    group: "GPT",
    input: ["text"],
    output: ["speech"],
    created_at: "2026-04-09T14:45:03.906311+00:00",
    contextLength: 4096,
    provider: (may) => mayProvider(may, "openai"),
    providerModelId: "tts-1-hd",
    ns: "openai_audio",
    extra: [{ sku: "openai_audio:characters", rate: "0.00003" }],
    units: [{ sku_label: "Characters", price: "0.00003", displayMultiplier: 1000000, unitLabel: "/M characters" }],
    ttsVoices: ["alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"],
    adapter: "OpenAIAudioAdapter",
    description: "High-quality text-to-speech model from OpenAI, priced per input character.",
  },
  {
    slug: "hexgrad/kokoro-82m",
    name: "Hexgrad: Kokoro 82M",
    author: "hexgrad",
    group: "Other",
    input: ["text"],
    output: ["speech"],
    created_at: "2026-04-21T08:12:55.301845+00:00",
    contextLength: 2048,
    provider: (may) => mayProvider(may, "deepinfra"),
    providerModelId: "hexgrad/Kokoro-82M",
    ns: "deepinfra_tts",
    extra: [{ sku: "deepinfra_tts:characters", rate: "0.0000008" }],
    units: [{ sku_label: "Characters", price: "0.0000008", displayMultiplier: 1000000, unitLabel: "/M characters" }],
    ttsVoices: ["af_heart", "af_bella", "am_adam", "bf_emma", "bm_george"],
    description: "Small open-weight text-to-speech model, priced per input character.",
  },
  {
    slug: "google/veo-3.1-fast",
    name: "Google: Veo 3.1 Fast",
    author: "google",
    group: "Gemini",
    input: ["text", "image"],
    output: ["video"],
    created_at: "2026-05-14T17:30:19.771402+00:00",
    contextLength: 1024,
    provider: (may) => mayProvider(may, "google-vertex"),
    providerModelId: "veo-3.1-fast-generate-001",
    ns: "google_video",
    extra: [
      { sku: "google_video:output_seconds", rate: "0.15" },
      { sku: "google_video:output_seconds_with_audio", rate: "0.4" },
    ],
    units: [
      { sku_label: "Video", price: "0.15", displayMultiplier: 1, unitLabel: "/second" },
      { sku_label: "Video with audio", price: "0.4", displayMultiplier: 1, unitLabel: "/second" },
    ],
    supportedVideoParameters: {
      supported_resolutions: ["720p", "1080p"],
      supported_aspect_ratios: ["16:9", "9:16"],
      supported_sizes: [],
      supported_durations: [4, 6, 8],
      supported_frame_images: ["first_frame", "last_frame"],
      generate_audio: true,
      seed: true,
    },
    passthrough: ["negative_prompt", "person_generation"],
    adapter: "GoogleVertexVideoAdapter",
    description: "Fast video generation model from Google, priced per second of output video.",
  },
  {
    slug: "openai/whisper-1",
    name: "OpenAI: Whisper",
    author: "openai",
    group: "GPT",
    input: ["audio"],
    output: ["transcription"],
    created_at: "2026-03-18T11:05:44.018843+00:00",
    contextLength: 4096,
    provider: (may) => mayProvider(may, "openai"),
    providerModelId: "whisper-1",
    adapter: "OpenAIAudioAdapter",
    ns: "openai_audio",
    extra: [{ sku: "openai_audio:audio_minutes", rate: "0.006" }],
    units: [{ sku_label: "Audio", price: "0.006", displayMultiplier: 1, unitLabel: "/minute" }],
    description: "Speech-to-text transcription model from OpenAI, priced per minute of input audio.",
  },
];

/** The non-text models: one catalogue entry and one single-endpoint list each. */
export function multimodalModels(world: World, may: Record<string, Obj>): { entries: EntryState[]; lists: [string, ListState][] } {
  const entries: EntryState[] = [];
  const lists: [string, ListState][] = [];
  for (const m of MULTIMODAL) {
    const rng = rngFor("multimodal", m.slug);
    const shape = mayModel({
      slug: m.slug,
      name: m.name,
      short_name: m.name.slice(m.name.indexOf(": ") + 2),
      author: m.author,
      description: `${m.description} ${SYNTHETIC}`,
      created_at: m.created_at,
      updated_at: m.created_at,
      context_length: m.contextLength,
      input_modalities: m.input,
      output_modalities: m.output,
      group: m.group,
    });
    const model = registerModel(world, shape, m.ttsVoices);
    const provider = m.provider(may);
    const raw = mayEndpoint({
      id: rng.uuid(),
      model: shape,
      variant: "standard",
      provider,
      providerModelId: m.providerModelId,
      prompt: m.flat?.[0][1] ?? "0",
      completion: m.flat?.[1][1] ?? "0",
      supportedParameters: m.output.includes("speech") ? ["voice", "speed", "response_format"] : ["max_tokens", "temperature", "top_p", "seed"],
      contextLength: m.contextLength,
    });
    const state = upgradeEndpoint(raw, world.facts.get(m.slug)!);
    state.core.model = model;
    const spec: PriceSpec = {
      ns: m.ns,
      flat: m.flat ? clone(m.flat) : [["prompt", "0"], ["completion", "0"]],
      discount: 0,
      extra: m.extra,
      overrides: null,
      tiers: undefined,
      units: m.units,
      forms: {},
      noSku: m.noSku ?? [],
    };
    spec.forms = drawForms(spec, rng);
    state.spec = spec;
    delete state.core.tiers;
    if (m.adapter) state.core.adapter_name = m.adapter;
    state.core.supported_image_parameters = m.supportedImageParameters ?? null;
    state.core.supported_video_parameters = m.supportedVideoParameters ?? null;
    state.core.allowed_passthrough_parameters = m.passthrough ?? [];
    state.core.created_at = new Date(Date.parse(m.created_at) + rng.int(60_000, 3_600_000)).toISOString();
    const listKey = listKeyOf(model.permaslug, "standard");
    lists.push([listKey, { permaslug: model.permaslug, variant: "standard", records: [state] }]);
    entries.push({ model, top: { listKey, id: state.core.id } });
  }
  return { entries, lists };
}
