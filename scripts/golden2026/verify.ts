/**
 * Independent checks of the written recordings: the generator does not trust its own bookkeeping.
 *
 * Owns: a semantic diff of two recordings written from the upstream rules alone (telemetry and
 * `status` ignored, `""` = null for optional text, timestamps compared as instants, pricing
 * rates compared as numbers, key and list order ignored, embedded copies reduced to the ids they
 * name), the invariants each recording must hold (every endpoint record valid, every embedded
 * endpoint a copy of a list record, aliases and retired models without lists, Convex-storable keys,
 * bounded arrays and depth), and the counts the README reports. Node-only, never shipped.
 */
import { TELEMETRY_KEYS, type Obj } from "./telemetry";
import { sortedJson } from "../../tests/support/recording";
import { MODELS_PATH, listKeyOf, paramsOfKey } from "./world";

type Recording = Record<string, { data: Obj[] }>;

const TIMESTAMP_KEYS = new Set(["updated_at", "created_at", "hf_updated_at", "deprecation_date"]);
const ABSENCE_KEYS = new Set(["hf_slug", "warning_message", "promotion_message", "routing_error_message"]);
const RATE_SUBTREES = new Set(["pricing", "pricing_json", "tiers"]);
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function normalize(value: unknown, key: string | null, inRates: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => normalize(item, null, inRates));
  if (value && typeof value === "object") {
    const out: Obj = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v, k, inRates || RATE_SUBTREES.has(k));
    return out;
  }
  if (typeof value === "string") {
    if (key && ABSENCE_KEYS.has(key) && value === "") return null;
    if (key && TIMESTAMP_KEYS.has(key) && value !== "") {
      const ms = Date.parse(value);
      if (!Number.isFinite(ms)) throw new Error(`${key}: not a timestamp: ${value}`);
      return ms;
    }
    if (inRates && DECIMAL.test(value)) return Number(value);
  }
  return value;
}

/** An endpoint record's durable content: telemetry, status, presentation and embedded copies left out. */
export function endpointSignature(record: Obj): string {
  const rest: Obj = { ...record };
  for (const key of [...TELEMETRY_KEYS, "status", "display_pricing"]) delete rest[key];
  rest.model = { slug: record.model?.slug, input_modalities: record.model?.input_modalities };
  rest.provider_info = { slug: record.provider_info?.slug };
  if (rest.pricing) {
    rest.pricing = { ...rest.pricing };
    delete rest.pricing.display_pricing;
  }
  return sortedJson(normalize(rest, null, false));
}

/** A model's durable content: its entries (without embedded endpoints), their variants and top ids. */
function modelSignature(entries: Obj[]): string {
  const rows = entries.map((entry) => {
    const { endpoint, ...model } = entry;
    return sortedJson({
      ...(normalize(model, null, false) as Obj),
      variant: endpoint?.variant ?? null,
      endpoint_id: endpoint?.id ?? null,
      alias_target: entry.slug.startsWith("~") ? (endpoint?.model_variant_slug ?? null) : null,
    });
  });
  return JSON.stringify(rows.sort());
}

export type Diff = {
  models: { insert: string[]; update: string[]; unavailable: string[] };
  endpoints: { insert: string[]; update: string[]; unavailable: string[] };
};

function modelsOf(recording: Recording): Map<string, { signature: string; available: boolean }> {
  const bySlug = new Map<string, Obj[]>();
  for (const entry of recording[MODELS_PATH].data) bySlug.set(entry.slug, [...(bySlug.get(entry.slug) ?? []), entry]);
  return new Map([...bySlug].map(([slug, entries]) => [slug, { signature: modelSignature(entries), available: entries.some((entry) => entry.endpoint) }]));
}

function endpointsOf(recording: Recording): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, body] of Object.entries(recording)) {
    if (key === MODELS_PATH) continue;
    const { permaslug, variant } = paramsOfKey(key);
    for (const record of body.data) out.set(`${permaslug}|${variant}|${record.id}`, endpointSignature(record));
  }
  return out;
}

/** What changed durably from `before` to `after`, by the manifest's rules. */
export function semanticDiff(before: Recording, after: Recording): Diff {
  const diff: Diff = { models: { insert: [], update: [], unavailable: [] }, endpoints: { insert: [], update: [], unavailable: [] } };
  const [m0, m1] = [modelsOf(before), modelsOf(after)];
  for (const [slug, next] of m1) {
    const prev = m0.get(slug);
    if (!prev) diff.models.insert.push(slug);
    else if (prev.available && !next.available) diff.models.unavailable.push(slug);
    else if (prev.signature !== next.signature) diff.models.update.push(slug);
  }
  for (const [slug, prev] of m0) if (!m1.has(slug) && prev.available) diff.models.unavailable.push(slug);
  const [e0, e1] = [endpointsOf(before), endpointsOf(after)];
  for (const [key, next] of e1) {
    const prev = e0.get(key);
    if (prev === undefined) diff.endpoints.insert.push(key);
    else if (prev !== next) diff.endpoints.update.push(key);
  }
  for (const key of e0.keys()) if (!e1.has(key)) diff.endpoints.unavailable.push(key);
  for (const group of [diff.models, diff.endpoints]) for (const list of Object.values(group)) list.sort();
  return diff;
}

function fail(problems: string[], message: string): void {
  if (problems.length < 50) problems.push(message);
}

function walkConvex(value: unknown, path: string, depth: number, problems: string[], stats: { maxDepth: number; maxArray: number }): void {
  stats.maxDepth = Math.max(stats.maxDepth, depth);
  if (Array.isArray(value)) {
    stats.maxArray = Math.max(stats.maxArray, value.length);
    if (value.length > 8192) fail(problems, `${path}: array of ${value.length}`);
    value.forEach((item, i) => walkConvex(item, `${path}[${i}]`, depth + 1, problems, stats));
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "" || key.startsWith("$") || key.startsWith("_") || !/^[\x20-\x7E]+$/.test(key)) fail(problems, `${path}: key ${JSON.stringify(key)}`);
      walkConvex(item, `${path}.${key}`, depth + 1, problems, stats);
    }
  }
}

function validEndpoint(record: Obj): boolean {
  return (
    typeof record.id === "string" &&
    record.id !== "" &&
    typeof record.name === "string" &&
    typeof record.provider_name === "string" &&
    record.pricing !== null &&
    typeof record.pricing === "object" &&
    record.pricing.prompt !== undefined &&
    record.pricing.completion !== undefined &&
    typeof record.model?.slug === "string" &&
    Array.isArray(record.model?.input_modalities)
  );
}

/** A model copy's durable fields that must agree across every copy of one slug. */
function modelCopySignature(model: Obj): string {
  const { endpoint: _endpoint, name: _name, short_name: _short, context_length: _context, ...rest } = model;
  return sortedJson(normalize(rest, null, false));
}

export type Counts = {
  entries: number;
  slugs: number;
  aliases: number;
  retired_entries: number;
  retired_slugs: number;
  variants_with_lists: number;
  endpoint_records: number;
  distinct_endpoint_ids: number;
  max_depth: number;
  max_array: number;
};

/** Throws with every broken invariant of one recording; returns its counts. */
export function checkRecording(recording: Recording, label: string): Counts {
  const problems: string[] = [];
  const entries = recording[MODELS_PATH]?.data;
  if (!Array.isArray(entries)) throw new Error(`${label}: no catalogue`);
  const listKeys = Object.keys(recording).filter((key) => key !== MODELS_PATH);
  const referenced = new Set<string>();
  const copiesBySlug = new Map<string, Set<string>>();
  const addCopy = (model: Obj) => {
    if (!copiesBySlug.has(model.slug)) copiesBySlug.set(model.slug, new Set());
    copiesBySlug.get(model.slug)!.add(modelCopySignature(model));
  };

  for (const key of listKeys) {
    if (!key.startsWith("/api/frontend/v1/stats/endpoint?")) fail(problems, `${key}: not a 2026 endpoint-list key`);
    for (const record of recording[key].data) {
      if (!validEndpoint(record)) fail(problems, `${key}: invalid record ${record?.id}`);
      addCopy(record.model);
    }
  }
  for (const entry of entries) {
    if (typeof entry.slug !== "string" || typeof entry.permaslug !== "string" || typeof entry.name !== "string") fail(problems, `entry without slug/permaslug/name`);
    addCopy(entry);
    const alias = entry.slug.startsWith("~");
    if (alias) {
      for (const variant of ["standard", "free", "beta"]) if (recording[listKeyOf(entry.permaslug, variant)]) fail(problems, `${entry.slug}: alias has a list`);
    }
    if (!entry.endpoint) continue;
    if (!validEndpoint(entry.endpoint)) fail(problems, `${entry.slug}: invalid embedded endpoint`);
    if (entry.endpoint.stats || entry.endpoint.statsByTier) fail(problems, `${entry.slug}: embedded endpoint carries stats`);
    addCopy(entry.endpoint.model);
    const key = alias ? listKeyOf(entry.endpoint.model_variant_permaslug.replace(/:[^/]+$/, ""), entry.endpoint.variant) : listKeyOf(entry.permaslug, entry.endpoint.variant);
    const listed = recording[key]?.data.find((record) => record.id === entry.endpoint.id);
    if (!listed) fail(problems, `${entry.slug}: embedded endpoint ${entry.endpoint.id} not in ${key}`);
    else if (endpointSignature(listed) !== endpointSignature(entry.endpoint)) fail(problems, `${entry.slug}: embedded endpoint differs from its list copy`);
    if (!alias) referenced.add(key);
    if (alias && entry.endpoint.model.slug === entry.slug) fail(problems, `${entry.slug}: alias endpoint names itself`);
  }
  for (const key of listKeys) if (!referenced.has(key)) fail(problems, `${key}: list with no catalogue entry`);
  for (const [slug, signatures] of copiesBySlug) if (signatures.size > 1) fail(problems, `${slug}: model copies disagree (${signatures.size} versions)`);

  const stats = { maxDepth: 0, maxArray: 0 };
  for (const key of Object.keys(recording)) for (const [i, item] of recording[key].data.entries()) walkConvex(item, `${key}[${i}]`, 0, problems, stats);
  if (stats.maxDepth > 10) fail(problems, `nesting depth ${stats.maxDepth}`);
  if (problems.length > 0) throw new Error(`${label}:\n  ${problems.join("\n  ")}`);

  const records = listKeys.flatMap((key) => recording[key].data);
  const retired = entries.filter((entry) => !entry.endpoint);
  return {
    entries: entries.length,
    slugs: new Set(entries.map((entry) => entry.slug)).size,
    aliases: entries.filter((entry) => entry.slug.startsWith("~")).length,
    retired_entries: retired.length,
    retired_slugs: new Set(retired.map((entry) => entry.slug)).size,
    variants_with_lists: listKeys.length,
    endpoint_records: records.length,
    distinct_endpoint_ids: new Set(records.map((record) => record.id)).size,
    max_depth: stats.maxDepth,
    max_array: stats.maxArray,
  };
}
