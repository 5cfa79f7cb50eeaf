/**
 * The real November 2025 catalogue sample, brought into the 2026 catalogue.
 *
 * Owns: `checkSampleOrder` (the sample's key order is the template: every generated model entry
 * and endpoint record must list the sample's keys in the sample's relative order) and
 * `addNovSample`, which adds the sample's two real endpoint records: `openai/gpt-5.1` as a new
 * catalogue entry with its one-endpoint list, and the Amazon Bedrock endpoint of
 * `anthropic/claude-3.5-sonnet` to that variant's list (the May 2025 catalogue's top endpoint stays
 * the Anthropic one). Real values are kept as served, `pricing_json` included (its JSON numbers
 * and key order are reproduced exactly, and checked); only 2026 fields the sample predates are
 * added (display_pricing, status, created_at, is_private, …) and `variable_pricings` dropped.
 * Node-only, never shipped.
 */
import { isDeepStrictEqual } from "node:util";
import { renderPricing, type PriceSpec } from "./pricing";
import { rngFor } from "./rng";
import type { Obj } from "./telemetry";
import { clone, slugFacts, upgradeModel, type EndpointState } from "./upgrade";
import { listKeyOf, type EntryState, type World } from "./world";

/** Inserts each group of keys right after the named key, keeping every other key where it was. */
function withKeysAfter(record: Obj, inserts: Record<string, Obj>): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = value;
    if (inserts[key]) Object.assign(out, inserts[key]);
  }
  return out;
}

function upgradeSampleEndpoint(e: Obj, model: Obj): EndpointState {
  const rng = rngFor("nov-sample", e.id);
  const ns = Object.keys(e.pricing_json)[0].split(":")[0];
  const spec: PriceSpec = {
    ns,
    flat: Object.entries(e.pricing as Obj)
      .filter(([key]) => key !== "discount")
      .map(([key, value]) => [key, String(value)]),
    discount: Number(e.pricing.discount ?? 0),
    extra: [],
    overrides: null,
    tiers: undefined,
    units: [],
    forms: Object.fromEntries(Object.entries(e.pricing_json as Obj).map(([sku, value]) => [sku, typeof value === "number" ? "number" : "plain"])),
    noSku: [],
    jsonOrder: Object.keys(e.pricing_json),
  };
  const rendered = renderPricing(spec).pricing_json;
  if (!isDeepStrictEqual(Object.entries(rendered), Object.entries(e.pricing_json))) {
    throw new Error(`sample ${e.id}: pricing_json not reproduced: ${JSON.stringify(rendered)}`);
  }
  const { variable_pricings: _dropped, ...rest } = e;
  const core = withKeysAfter(
    { ...rest, model },
    {
      supported_parameters: { excluded_parameters: [] },
      is_byok: { is_byok_only: false },
      pricing: { display_pricing: null },
      is_hidden: { is_private: false },
      features: { supported_image_parameters: null, supported_video_parameters: null, allowed_passthrough_parameters: [], capacity_tpm: null },
    },
  );
  core.created_at = new Date(Date.parse(model.created_at) + rng.int(20_000, 900_000)).toISOString();
  return { core, spec };
}

/**
 * @example addNovSample(world, sample) // gpt-5.1 entry + list; Bedrock endpoint in claude-3.5-sonnet's list
 */
export function addNovSample(world: World, sample: { data: Obj[] }): EntryState {
  const [gpt, claude] = sample.data;

  const { endpoint: gptEndpoint, ...gptModel } = gpt;
  const facts = slugFacts({ slug: gpt.slug, author: gpt.author, baseName: gpt.name, tokens: null, reasoning: gpt.supports_reasoning, createdAt: gpt.created_at });
  // The sample's own values win over drawn ones.
  Object.assign(facts, {
    promotion: gpt.promotion_message,
    routingError: gpt.routing_error_message,
    defaultParameters: gpt.default_parameters,
    defaultOrder: gpt.default_order,
    quickStart: gpt.quick_start_example_type,
    trainableText: gpt.is_trainable_text,
    chatTemplateConfig: gpt.features.chat_template_config,
    reasoningConfig: { ...gpt.reasoning_config, ...facts.reasoningConfig, ...gpt.reasoning_config },
  });
  world.facts.set(gpt.slug, facts);
  const model = upgradeModel(gptModel, facts);
  const gptState = upgradeSampleEndpoint(gptEndpoint, upgradeModel(gptEndpoint.model, facts));
  const gptKey = listKeyOf(gpt.permaslug, gptEndpoint.variant);
  world.lists.set(gptKey, { permaslug: gpt.permaslug, variant: gptEndpoint.variant, records: [gptState] });

  const claudeKey = listKeyOf(claude.permaslug, claude.endpoint.variant);
  const claudeList = world.lists.get(claudeKey);
  if (!claudeList) throw new Error(`no list ${claudeKey} for the sample's Bedrock endpoint`);
  claudeList.records.push(upgradeSampleEndpoint(claude.endpoint, clone(claudeList.records[0].core.model)));

  return { model, top: { listKey: gptKey, id: gptEndpoint.id } };
}

/** Whether `keys` lists every key of `template` that it has, in the template's relative order. */
function followsOrder(keys: string[], template: string[]): boolean {
  const positions = template.filter((key) => keys.includes(key)).map((key) => keys.indexOf(key));
  return positions.every((position, i) => i === 0 || position > positions[i - 1]);
}

/** Throws unless every catalogue entry and endpoint record follows the sample's key order. */
export function checkSampleOrder(recording: Record<string, { data: Obj[] }>, modelsPath: string, sample: { data: Obj[] }): void {
  const entryTemplate = Object.keys(sample.data[0]);
  const endpointTemplate = Object.keys(sample.data[0].endpoint).filter((key) => key !== "variable_pricings");
  const bad: string[] = [];
  for (const entry of recording[modelsPath].data) {
    if (!followsOrder(Object.keys(entry), entryTemplate)) bad.push(`entry ${entry.slug}`);
    if (entry.endpoint && !followsOrder(Object.keys(entry.endpoint), endpointTemplate)) bad.push(`embedded endpoint of ${entry.slug}`);
  }
  for (const [key, body] of Object.entries(recording)) {
    if (key === modelsPath) continue;
    for (const record of body.data) if (!followsOrder(Object.keys(record), endpointTemplate)) bad.push(`${key} ${record.id}`);
  }
  if (bad.length > 0) throw new Error(`key order differs from the Nov 2025 sample:\n  ${bad.slice(0, 20).join("\n  ")}`);
}
