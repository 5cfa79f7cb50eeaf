/**
 * The catalogue as the generator holds it, and its rendering into a recording.
 *
 * Owns: `World` (catalogue entries pointing at their top endpoint, and the endpoint lists keyed by
 * 2026 request key), `worldFromMay` (the May 2025 recording upgraded), and `renderRecording`,
 * which writes the recording file's object: the catalogue with each entry's embedded endpoint
 * copied from its list, and the lists with their telemetry. Every durable edit is made on a World;
 * the rendered JSON is only ever perturbed by spelling and telemetry noise (perturb.ts). The
 * spelling conventions of one observation live here: catalogue copies of model timestamps mostly
 * `…Z`, embedded copies `…+00:00` (orca notes/data-example.md), endpoint `created_at` `…Z` in the
 * lists and sometimes `…+00:00` in the embedded copy. Node-only, never shipped.
 */
import { renderPricing } from "./pricing";
import { rngFor } from "./rng";
import { baseStatus, hasStatsByDefault, otherStatus, telemetryFor, type Obj } from "./telemetry";
import { clone, slugFacts, upgradeEndpoint, upgradeModel, type EndpointState, type SlugFacts } from "./upgrade";

export const MODELS_PATH = "/api/frontend/v1/catalog/models";
export const ENDPOINTS_PATH = "/api/frontend/v1/stats/endpoint";
export const MAY_MODELS_PATH = "/api/frontend/models";

/** The request key of one variant's endpoint list (src/sources/requestKey.ts's rule). */
export function listKeyOf(permaslug: string, variant: string, path: string = ENDPOINTS_PATH): string {
  return `${path}?${new URLSearchParams([
    ["permaslug", permaslug],
    ["variant", variant],
  ]).toString()}`;
}

export function paramsOfKey(key: string): { permaslug: string; variant: string } {
  const params = new URLSearchParams(key.slice(key.indexOf("?") + 1));
  return { permaslug: params.get("permaslug") ?? "", variant: params.get("variant") ?? "" };
}

export type EntryState = {
  /** The entry's model fields in 2026 order, without `endpoint`. */
  model: Obj;
  /** The list and id of the embedded top endpoint; null when the model has no endpoint now. */
  top: { listKey: string; id: string } | null;
};

export type ListState = { permaslug: string; variant: string; records: EndpointState[] };

export type World = {
  entries: EntryState[];
  lists: Map<string, ListState>;
  /** Real May 2025 telemetry (the two complete lists), by endpoint id. */
  realTelemetry: Map<string, { stats?: Obj; status?: number }>;
  facts: Map<string, SlugFacts>;
};

export function cloneWorld(world: World): World {
  return {
    entries: world.entries.map((entry) => clone(entry)),
    lists: new Map([...world.lists].map(([key, list]) => [key, clone(list)])),
    realTelemetry: world.realTelemetry,
    facts: world.facts,
  };
}

export function findRecord(world: World, listKey: string, id: string): EndpointState {
  const record = world.lists.get(listKey)?.records.find((r) => r.core.id === id);
  if (!record) throw new Error(`no endpoint ${id} in ${listKey}`);
  return record;
}

/** Every endpoint state with this tag (`variant slug|provider name`), across lists. */
export function findByTag(world: World, tag: string): { listKey: string; state: EndpointState }[] {
  const found: { listKey: string; state: EndpointState }[] = [];
  for (const [listKey, list] of world.lists) {
    for (const state of list.records) if (`${state.core.model_variant_slug}|${state.core.provider_name}` === tag) found.push({ listKey, state });
  }
  if (found.length === 0) throw new Error(`no endpoint tagged ${tag}`);
  return found;
}

/** The May 2025 recording in the 2026 shape, keyed by the 2026 paths. */
export function worldFromMay(may: Record<string, Obj>): World {
  const mayEntries: Obj[] = may[MAY_MODELS_PATH].data;
  const mayLists = Object.entries(may).filter(([key]) => key !== MAY_MODELS_PATH);

  const reasoningSlugs = new Set<string>();
  for (const [, body] of mayLists) for (const r of body.data as Obj[]) if (r.supports_reasoning) reasoningSlugs.add(r.model.slug);

  const facts = new Map<string, SlugFacts>();
  const bySlug = new Map<string, Obj[]>();
  for (const entry of mayEntries) bySlug.set(entry.slug, [...(bySlug.get(entry.slug) ?? []), entry]);
  for (const [slug, group] of bySlug) {
    const base = [...group].sort((a, b) => a.name.length - b.name.length || (a.name < b.name ? -1 : 1))[0];
    facts.set(
      slug,
      slugFacts({
        slug,
        author: base.author,
        baseName: base.name,
        tokens: group.find((e) => e.reasoning_config)?.reasoning_config ?? null,
        reasoning: reasoningSlugs.has(slug),
        createdAt: base.created_at,
      }),
    );
  }
  const factsOf = (slug: string) => {
    const found = facts.get(slug);
    if (!found) throw new Error(`no models-list entry for ${slug}`);
    return found;
  };

  const lists = new Map<string, ListState>();
  const realTelemetry = new Map<string, { stats?: Obj; status?: number }>();
  for (const [key, body] of mayLists) {
    const { permaslug, variant } = paramsOfKey(key);
    const records = (body.data as Obj[]).map((r) => {
      if (r.stats || r.status !== undefined) realTelemetry.set(r.id, { stats: r.stats, status: r.status });
      return upgradeEndpoint(r, factsOf(r.model.slug));
    });
    lists.set(listKeyOf(permaslug, variant), { permaslug, variant, records });
  }

  const entries: EntryState[] = mayEntries.map((entry) => {
    const { endpoint, ...model } = entry;
    return {
      model: upgradeModel(model, factsOf(entry.slug)),
      top: endpoint ? { listKey: listKeyOf(entry.permaslug, endpoint.variant), id: endpoint.id } : null,
    };
  });
  return { entries, lists, realTelemetry, facts };
}

// ---------------------------------------------------------------------------------------------
// Rendering

export function toZ(ts: string): string {
  return ts.endsWith("+00:00") ? `${ts.slice(0, -6)}Z` : ts;
}

export function toPlus(ts: string): string {
  return ts.endsWith("Z") ? `${ts.slice(0, -1)}+00:00` : ts;
}

/** The base status of an endpoint, real where May recorded one. */
export function statusOf(world: World, id: string): number {
  return world.realTelemetry.get(id)?.status ?? baseStatus(id);
}

function renderEndpoint(world: World, state: EndpointState, copy: "list" | "embedded", listKey: string, epoch: string): Obj {
  const priced = renderPricing(state.spec) as Obj;
  if (priced.tiers !== undefined && !("tiers" in state.core)) throw new Error(`endpoint ${state.core.id} has tiers but no tiers key`);
  const out: Obj = {};
  for (const [key, value] of Object.entries(state.core)) out[key] = key in priced ? priced[key] : clone(value);
  const id: string = out.id;
  let status = statusOf(world, id);
  if (copy === "embedded") {
    if (rngFor("embedded-created-at", id).chance(0.35)) out.created_at = toPlus(out.created_at);
    if (out.deprecation_date) out.deprecation_date = toPlus(out.deprecation_date);
    // Telemetry may differ slightly between the catalogue copy and the list copy.
    if (rngFor("embedded-status", listKey, id).chance(0.03)) status = otherStatus(status, "embedded", id);
  }
  out.status = status;
  if (copy === "list") {
    const real = world.realTelemetry.get(id)?.stats;
    Object.assign(out, telemetryFor(out, epoch, { withStats: hasStatsByDefault(id, real), status, real }));
  }
  return out;
}

function renderEntry(world: World, entry: EntryState, epoch: string): Obj {
  const out = clone(entry.model);
  if (rngFor("entry-z", out.slug).chance(0.6)) {
    out.updated_at = toZ(out.updated_at);
    out.created_at = toZ(out.created_at);
  }
  out.endpoint = entry.top ? renderEndpoint(world, findRecord(world, entry.top.listKey, entry.top.id), "embedded", entry.top.listKey, epoch) : null;
  return out;
}

/** The recording object: `{ [requestKey]: { data: [...] } }`, catalogue first. */
export function renderRecording(world: World, epoch: string): Record<string, { data: Obj[] }> {
  const recording: Record<string, { data: Obj[] }> = {
    [MODELS_PATH]: { data: world.entries.map((entry) => renderEntry(world, entry, epoch)) },
  };
  for (const [key, list] of world.lists) recording[key] = { data: list.records.map((state) => renderEndpoint(world, state, "list", key, epoch)) };
  return recording;
}
