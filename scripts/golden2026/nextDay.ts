/**
 * The next-day catalogue: the base World with a handful of real changes of every kind.
 *
 * Owns: applying plan.ts's `NEXT_DAY` to a copy of the base World, consistently in every copy
 * (a price edit is an edit of the endpoint's PriceSpec, so `pricing`, `pricing_json`,
 * `display_pricing` and `tiers` follow; the embedded catalogue copy is rendered from the same
 * state), and recording each change in the manifest written to changes-2026-next-day.json.
 * Endpoint keys are `permaslug|variant|endpoint_id` with the request's permaslug and variant.
 * Must not touch: telemetry and spellings (perturb.ts adds those afterwards). Node-only, never shipped.
 */
import { NEXT_DAY } from "./plan";
import { setFlat, type PriceSpec } from "./pricing";
import { rngFor } from "./rng";
import { mayEndpoint, mayProvider, newProvider } from "./synthetic";
import type { Obj } from "./telemetry";
import { clone, slugFacts, upgradeEndpoint, upgradeModel, type EndpointState } from "./upgrade";
import { cloneWorld, findByTag, listKeyOf, MAY_MODELS_PATH, type EntryState, type World } from "./world";

export type Note = { kind: string; key: string; what: string };
export type Manifest = {
  models: { insert: string[]; update: string[]; unavailable: string[] };
  endpoints: { insert: string[]; update: string[]; unavailable: string[] };
  notes: Note[];
};

const NEW_ENDPOINTS_CREATED = "2026-07-24T21:";

function versionBump(state: EndpointState, why: string): string {
  const before = state.core.pricing_version_id;
  state.core.pricing_version_id = rngFor("next-day-version", state.core.id, why).uuid();
  return `pricing_version_id ${before} → ${state.core.pricing_version_id}`;
}

function overrideRow(spec: PriceSpec, key: string): [string, string] {
  const row = spec.overrides?.find((r) => r.kind === "long_context")?.rates.find(([k]) => k === key);
  if (!row) throw new Error(`no long-context ${key} override`);
  return row;
}

/** A new endpoint for an existing list, cloned from a real May record of the same variant. */
function newEndpointFrom(world: World, may: Record<string, Obj>, listKey: string, options: { mayListKey: string; provider: Obj; providerModelId: string; quantization: string | null; prompt: string; completion: string; seed: string }): EndpointState {
  const template = clone(may[options.mayListKey].data[0]);
  const rng = rngFor("next-day-endpoint", options.seed);
  const variantSuffix = template.variant === "standard" ? "" : `:${template.variant}`;
  const raw: Obj = {
    ...template,
    id: rng.uuid(),
    name: `${options.provider.name} | ${template.model_variant_permaslug}`,
    provider_name: options.provider.name,
    provider_info: options.provider,
    provider_display_name: options.provider.displayName,
    provider_model_id: options.providerModelId,
    quantization: options.quantization,
    pricing: { prompt: options.prompt, completion: options.completion, image: "0", request: "0", web_search: "0", internal_reasoning: "0", discount: 0 },
    variable_pricings: [],
    data_policy: { ...clone(options.provider.dataPolicy), training: false, retainsPrompts: false },
  };
  if (!raw.model_variant_slug.endsWith(variantSuffix)) throw new Error(`unexpected variant slug ${raw.model_variant_slug}`);
  const state = upgradeEndpoint(raw, world.facts.get(template.model.slug)!);
  // The 2026 model copy is the one every other record of the list carries.
  state.core.model = clone(world.lists.get(listKey)!.records[0].core.model);
  state.core.created_at = `${NEW_ENDPOINTS_CREATED}${String(rng.int(0, 59)).padStart(2, "0")}:${String(rng.int(0, 59)).padStart(2, "0")}.${String(rng.int(0, 999)).padStart(3, "0")}Z`;
  return state;
}

/**
 * @example const { world: nextDay, manifest } = applyNextDay(base, may)
 */
export function applyNextDay(base: World, may: Record<string, Obj>): { world: World; manifest: Manifest } {
  const world = cloneWorld(base);
  const manifest: Manifest = { models: { insert: [], update: [], unavailable: [] }, endpoints: { insert: [], update: [], unavailable: [] }, notes: [] };
  const keyOf = (listKey: string, id: string) => {
    const list = world.lists.get(listKey) ?? base.lists.get(listKey)!;
    return `${list.permaslug}|${list.variant}|${id}`;
  };
  const note = (group: "models" | "endpoints", kind: "insert" | "update" | "unavailable", key: string, noteKind: string, what: string) => {
    if (!manifest[group][kind].includes(key)) manifest[group][kind].push(key);
    manifest.notes.push({ kind: noteKind, key, what });
  };
  const one = (tag: string) => {
    const found = findByTag(world, tag);
    if (found.length !== 1) throw new Error(`${tag}: ${found.length} endpoints`);
    return found[0];
  };

  for (const change of NEXT_DAY.flatPrices) {
    const { listKey, state } = one(change.tag);
    const parts: string[] = [];
    for (const [key, rate] of Object.entries(change.rates)) {
      parts.push(`pricing.${key} ${state.spec.flat.find(([k]) => k === key)?.[1]} → ${rate}`);
      setFlat(state.spec, key, rate);
    }
    parts.push(versionBump(state, "flat"));
    note("endpoints", "update", keyOf(listKey, state.core.id), "flat-price", `${parts.join("; ")} (pricing_json and display_pricing follow)`);
  }

  for (const change of NEXT_DAY.jsonOnly) {
    const { listKey, state } = one(change.tag);
    const extra = state.spec.extra.find((e) => e.sku === change.sku);
    if (!extra || !("rate" in extra)) throw new Error(`${change.tag}: no ${change.sku}`);
    const before = extra.rate;
    extra.rate = change.rate;
    const parts = [`pricing_json["${change.sku}"] ${before} → ${change.rate}`];
    for (const [sku, raw] of Object.entries("raw" in change ? change.raw : {})) {
      const target = state.spec.extra.find((e) => e.sku === sku);
      if (!target || !("raw" in target)) throw new Error(`${change.tag}: no ${sku}`);
      parts.push(`pricing_json["${sku}"] ${target.raw} → ${raw}`);
      target.raw = raw;
    }
    for (const unit of state.spec.units) if (unit.price === before) unit.price = change.rate;
    parts.push(versionBump(state, "json"));
    note("endpoints", "update", keyOf(listKey, state.core.id), "pricing-json-only", `${parts.join("; ")}; pricing.prompt/completion unchanged`);
  }

  {
    const change = NEXT_DAY.overrideOnly;
    const { listKey, state } = one(change.tag);
    const row = overrideRow(state.spec, change.key);
    const before = row[1];
    row[1] = change.rate;
    note("endpoints", "update", keyOf(listKey, state.core.id), "override-only", `pricing.overrides[0].${change.key} ${before} → ${change.rate} (no pricing_json SKU carries it); ${versionBump(state, "override")}`);
  }
  {
    const change = NEXT_DAY.overrideAndSku;
    const { listKey, state } = one(change.tag);
    const row = overrideRow(state.spec, change.key);
    const before = row[1];
    row[1] = change.rate;
    note("endpoints", "update", keyOf(listKey, state.core.id), "override-long-context", `pricing.overrides[0].${change.key} ${before} → ${change.rate} and its *_long_context SKU; ${versionBump(state, "override")}`);
  }

  for (const change of NEXT_DAY.deprecations) {
    const { listKey, state } = one(change.tag);
    state.core.deprecation_date = change.date;
    note("endpoints", "update", keyOf(listKey, state.core.id), "deprecation", `deprecation_date null → ${change.date}`);
  }

  for (const tag of NEXT_DAY.versionOnly) {
    const { listKey, state } = one(tag);
    note("endpoints", "update", keyOf(listKey, state.core.id), "pricing-version-only", `${versionBump(state, "version-only")}; no rate changed`);
  }

  for (const tag of NEXT_DAY.removeEndpoints) {
    const { listKey, state } = one(tag);
    const list = world.lists.get(listKey)!;
    if (world.entries.some((entry) => entry.top?.id === state.core.id)) throw new Error(`${tag} is a top endpoint`);
    list.records = list.records.filter((r) => r !== state);
    note("endpoints", "unavailable", keyOf(listKey, state.core.id), "endpoint-removed", `${tag} no longer listed; its variant stays`);
  }

  // Endpoints added to existing lists (new ids).
  const scoutKey = listKeyOf("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
  const scoutMay = "/api/frontend/stats/endpoint?permaslug=meta-llama%2Fllama-4-scout-17b-16e-instruct&variant=standard";
  const v3Key = listKeyOf("deepseek/deepseek-chat-v3-0324", "standard");
  const v3May = "/api/frontend/stats/endpoint?permaslug=deepseek%2Fdeepseek-chat-v3-0324&variant=standard";
  const additions: { listKey: string; at: number; state: EndpointState }[] = [
    {
      listKey: scoutKey,
      at: 3,
      state: newEndpointFrom(world, may, scoutKey, {
        mayListKey: scoutMay,
        provider: newProvider("SambaNova", "sambanova", { headquarters: "US", url: "https://sambanova.ai" }),
        providerModelId: "Llama-4-Scout-17B-16E-Instruct",
        quantization: "bf16",
        prompt: "0.00000063",
        completion: "0.0000018",
        seed: "scout-sambanova",
      }),
    },
    {
      listKey: scoutKey,
      at: 99,
      state: newEndpointFrom(world, may, scoutKey, {
        mayListKey: scoutMay,
        provider: mayProvider(may, "novita"),
        providerModelId: "meta-llama/llama-4-scout-17b-16e-instruct-fp8",
        quantization: "fp8",
        prompt: "0.00000009",
        completion: "0.00000045",
        seed: "scout-novita-fp8",
      }),
    },
    {
      listKey: v3Key,
      at: 99,
      state: newEndpointFrom(world, may, v3Key, {
        mayListKey: v3May,
        provider: mayProvider(may, "lambda"),
        providerModelId: "deepseek-v3-0324",
        quantization: "fp8",
        prompt: "0.00000034",
        completion: "0.00000088",
        seed: "v3-lambda",
      }),
    },
  ];
  for (const { listKey, at, state } of additions) {
    world.lists.get(listKey)!.records.splice(at, 0, state);
    note("endpoints", "insert", keyOf(listKey, state.core.id), "endpoint-added", `${state.core.provider_name} (${state.core.provider_slug}) joins an existing variant`);
  }

  // A whole new model, with its list.
  {
    const slug = "z-ai/glm-5.1-air";
    const shape: Obj = {
      ...clone(may[MAY_MODELS_PATH].data.find((e: Obj) => e.slug === "thudm/glm-4-32b" && e.endpoint?.variant === "standard") ?? may[MAY_MODELS_PATH].data[0]),
    };
    delete shape.endpoint;
    Object.assign(shape, {
      slug,
      permaslug: "z-ai/glm-5.1-air-20260724",
      hf_slug: "zai-org/GLM-5.1-Air",
      created_at: "2026-07-24T19:42:17.508213+00:00",
      updated_at: "2026-07-24T19:42:17.508213+00:00",
      name: "Z.AI: GLM 5.1 Air",
      short_name: "GLM 5.1 Air",
      author: "z-ai",
      description: "Compact mixture-of-experts model of the GLM 5.1 family for agentic coding and tool use. (Synthetic golden2026 record.)",
      model_version_group_id: null,
      context_length: 131072,
      input_modalities: ["text"],
      output_modalities: ["text"],
      group: "Other",
      reasoning_config: { start_token: "<think>", end_token: "</think>" },
      features: { reasoning_config: { start_token: "<think>", end_token: "</think>" } },
      warning_message: null,
    });
    const facts = slugFacts({ slug, author: "z-ai", baseName: shape.name, tokens: shape.reasoning_config, reasoning: true, createdAt: shape.created_at });
    world.facts.set(slug, facts);
    const model = upgradeModel(shape, facts);
    const listKey = listKeyOf(shape.permaslug, "standard");
    const providers = [
      { provider: newProvider("Z.AI", "z-ai", { headquarters: "CN", url: "https://z.ai" }), id: "glm-5.1-air", prompt: "0.0000002", completion: "0.0000011", quantization: "fp8" },
      { provider: mayProvider(may, "deepinfra"), id: "zai-org/GLM-5.1-Air", prompt: "0.00000018", completion: "0.000001", quantization: "fp8" },
    ];
    const records = providers.map((p, i) => {
      const rng = rngFor("new-model-endpoint", slug, i);
      const raw = mayEndpoint({
        id: rng.uuid(),
        model: shape,
        variant: "standard",
        provider: p.provider,
        providerModelId: p.id,
        quantization: p.quantization,
        prompt: p.prompt,
        completion: p.completion,
        supportedParameters: ["reasoning", "include_reasoning", "max_tokens", "temperature", "top_p", "tools", "tool_choice", "response_format"],
        supportsTools: true,
        maxCompletionTokens: 98304,
        contextLength: 131072,
      });
      raw.supports_reasoning = true;
      const state = upgradeEndpoint(raw, facts);
      state.core.model = clone(model);
      state.core.created_at = `2026-07-24T19:5${i}:0${i}.${String(rng.int(100, 999))}Z`;
      return state;
    });
    world.lists.set(listKey, { permaslug: shape.permaslug, variant: "standard", records });
    const entry: EntryState = { model, top: { listKey, id: records[0].core.id } };
    world.entries.unshift(entry);
    note("models", "insert", slug, "model-added", "new catalogue entry with a two-endpoint list");
    for (const state of records) note("endpoints", "insert", keyOf(listKey, state.core.id), "model-added", `endpoint of new model ${slug}`);
  }

  const dropList = (listKey: string, kind: string, why: string) => {
    for (const state of world.lists.get(listKey)!.records) note("endpoints", "unavailable", keyOf(listKey, state.core.id), kind, why);
    world.lists.delete(listKey);
  };

  for (const slug of NEXT_DAY.removeModels) {
    const gone = world.entries.filter((entry) => entry.model.slug === slug);
    if (gone.length === 0) throw new Error(`no entry for ${slug}`);
    for (const entry of gone) if (entry.top) dropList(entry.top.listKey, "model-removed", `${slug} left the catalogue; its list is gone`);
    world.entries = world.entries.filter((entry) => entry.model.slug !== slug);
    note("models", "unavailable", slug, "model-removed", "catalogue entry and endpoint list both gone");
  }

  for (const slug of NEXT_DAY.retireModels) {
    const retiring = world.entries.filter((entry) => entry.model.slug === slug);
    if (retiring.length === 0 || retiring.some((entry) => !entry.top)) throw new Error(`${slug} is not available`);
    for (const entry of retiring) {
      dropList(entry.top!.listKey, "model-retired", `${slug} has no endpoints now (entry kept with endpoint: null; its list request 404s)`);
      entry.top = null;
    }
    note("models", "unavailable", slug, "model-retired", `every entry (${retiring.length}) now has endpoint: null`);
  }

  for (const { slug, variant } of NEXT_DAY.removeVariants) {
    const entry = world.entries.find((e) => e.model.slug === slug && e.top && world.lists.get(e.top.listKey)?.variant === variant);
    if (!entry?.top) throw new Error(`no ${variant} entry for ${slug}`);
    dropList(entry.top.listKey, "variant-removed", `the ${variant} variant of ${slug} is gone; the model stays available`);
    world.entries = world.entries.filter((e) => e !== entry);
    note("models", "update", slug, "variant-removed", `the "${entry.model.name}" entry (variant ${variant}) left the catalogue; other variants unchanged`);
  }

  for (const edit of NEXT_DAY.modelEdits) {
    const copies: Obj[] = [
      ...world.entries.filter((entry) => entry.model.slug === edit.slug).map((entry) => entry.model),
      ...[...world.lists.values()].flatMap((list) => list.records.map((state) => state.core.model)).filter((model) => model.slug === edit.slug),
    ];
    if (copies.length === 0) throw new Error(`no copies of ${edit.slug}`);
    const before = copies[0][edit.field];
    for (const copy of copies) {
      copy[edit.field] = edit.edit(copy[edit.field]);
      copy.updated_at = NEXT_DAY.modelEditUpdatedAt;
    }
    const after = copies[0][edit.field];
    const what = edit.field === "description" ? "description edited (a sentence appended)" : `${edit.field} ${JSON.stringify(before)} → ${JSON.stringify(after)}`;
    note("models", "update", edit.slug, "model-edit", `${what}; updated_at → ${NEXT_DAY.modelEditUpdatedAt}`);
  }

  for (const group of [manifest.models, manifest.endpoints]) for (const list of Object.values(group)) list.sort();
  return { world, manifest };
}
