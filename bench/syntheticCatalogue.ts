/**
 * Deterministic synthetic catalogue generator for the benchmark. Never shipped in the Convex module.
 *
 * Owns: turning a real recording (request key → response body, as in tests/golden) into bigger or
 * "one hour later" recordings, so the benchmark can measure the pipeline at sizes and change rates
 * the golden recordings do not have. A recording of either path family works: the May 2025 one
 * (legacy paths) or the 2026-shaped one (v1 paths), told apart by its models-list key.
 * - `scaleRecording`: k copies of the catalogue with distinct slugs, permaslugs and endpoint ids,
 *   optionally padding every endpoint list to a fixed number of providers.
 * - `nextHourRecording`: change a seeded fraction of the records (model entries and endpoint
 *   records) without touching any key or id, and report exactly what changed.
 *
 * Every function is pure (the input is never mutated) and deterministic: the same arguments give
 * byte-identical `JSON.stringify` output. Only Node built-ins are used (node:crypto for ids).
 * Must not touch: I/O, Convex, the pipeline's own code.
 */
import { createHash } from "node:crypto";
import { mulberry32 } from "../tests/support/random";

export type Recording = Record<string, any>;

/**
 * The upstream path families a recording can be keyed by, written out here rather than imported
 * from the pipeline (src/sources/requestKey has the same two).
 */
export const PATH_FAMILIES = {
  "legacy-2025": { models: "/api/frontend/models", endpoints: "/api/frontend/stats/endpoint" },
  v1: { models: "/api/frontend/v1/catalog/models", endpoints: "/api/frontend/v1/stats/endpoint" },
} as const;
export type PathFamily = keyof typeof PATH_FAMILIES;
type Paths = (typeof PATH_FAMILIES)[PathFamily];

/** Which family a recording is keyed by, from its models-list key. */
export function pathFamilyOf(recording: Recording): PathFamily {
  for (const family of Object.keys(PATH_FAMILIES) as PathFamily[]) if (PATH_FAMILIES[family].models in recording) return family;
  throw new Error("recording has no models-list key of a known path family");
}

function pathsOf(recording: Recording): Paths {
  return PATH_FAMILIES[pathFamilyOf(recording)];
}

// ---------------------------------------------------------------------------------------------
// Small deterministic helpers

export { mulberry32 };

/** A uuid-shaped (version 4 layout) id that is a pure function of its parts. */
export function derivedId(...parts: (string | number)[]): string {
  const hex = createHash("sha256").update(parts.map(String).join("\u0000")).digest("hex");
  const variantNibble = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variantNibble}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The request key of one endpoint list of `family`: params sorted by name, URL-encoded (as src/sources/requestKey). */
export function endpointsKey(family: PathFamily, permaslug: string, variant: string): string {
  return `${PATH_FAMILIES[family].endpoints}?${new URLSearchParams([["permaslug", permaslug], ["variant", variant]]).toString()}`;
}

function isEndpointsKey(key: string, paths: Paths): boolean {
  return key.startsWith(`${paths.endpoints}?`);
}

/** The suffix that copy `copy` (1-based among the clones; copy 0 is the original) adds to slugs. */
function copyTag(copy: number): string {
  return `-k${copy}`;
}

/**
 * Tag a slug-like value for copy `copy`: insert the tag before the first ":" (the variant suffix of
 * `model_variant_slug`/`model_variant_permaslug`, e.g. "a/b:free" → "a/b-k2:free"), or append it.
 * Because it is one pure function of the string, every field that held slug S (or "S:variant")
 * maps to the same clone, so shared slugs stay shared and nested references stay consistent.
 */
function tagSlug(value: unknown, copy: number): unknown {
  if (typeof value !== "string") return value;
  const colon = value.indexOf(":");
  return colon === -1 ? `${value}${copyTag(copy)}` : `${value.slice(0, colon)}${copyTag(copy)}${value.slice(colon)}`;
}

/** Rebuild an endpoint-list key for copy `copy`: its permaslug tagged, params re-sorted by name. */
function tagEndpointsKey(key: string, copy: number, paths: Paths): string {
  const prefix = `${paths.endpoints}?`;
  const params = [...new URLSearchParams(key.slice(prefix.length)).entries()].map(
    ([name, value]): [string, string] => [name, name === "permaslug" ? (tagSlug(value, copy) as string) : value],
  );
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${prefix}${new URLSearchParams(params).toString()}`;
}

/**
 * In place: telemetry blocks that name their endpoint (the 2026 shape's `stats.endpoint_id`, and
 * each tier's in `statsByTier`) name its copy instead, so a copy's telemetry is about the copy.
 */
function retagTelemetryIds(record: any, originalId: unknown, id: unknown): void {
  const blocks = [record.stats, ...(record.statsByTier && typeof record.statsByTier === "object" ? Object.values(record.statsByTier) : [])];
  for (const block of blocks) if (block && typeof block === "object" && (block as any).endpoint_id === originalId) (block as any).endpoint_id = id;
}

/** In place on a fresh clone: retag the slug references an endpoint record (or entry.endpoint) holds. */
function retagEndpointRecord(record: any, copy: number, seed: number): void {
  if (!record || typeof record !== "object") return;
  if (typeof record.id === "string") {
    const originalId = record.id;
    record.id = derivedId("endpoint", seed, copy, originalId);
    retagTelemetryIds(record, originalId, record.id);
  }
  if ("model_variant_slug" in record) record.model_variant_slug = tagSlug(record.model_variant_slug, copy);
  if ("model_variant_permaslug" in record) record.model_variant_permaslug = tagSlug(record.model_variant_permaslug, copy);
  if (record.model && typeof record.model === "object") {
    if ("slug" in record.model) record.model.slug = tagSlug(record.model.slug, copy);
    if ("permaslug" in record.model) record.model.permaslug = tagSlug(record.model.permaslug, copy);
  }
}

/** A clone of one models entry for copy `copy` ≥ 1. */
function cloneEntry(entry: any, copy: number, seed: number): any {
  const clone = structuredClone(entry);
  if (!clone || typeof clone !== "object") return clone;
  if ("slug" in clone) clone.slug = tagSlug(clone.slug, copy);
  if ("permaslug" in clone) clone.permaslug = tagSlug(clone.permaslug, copy);
  if (clone.endpoint) retagEndpointRecord(clone.endpoint, copy, seed);
  return clone;
}

/**
 * Pad a (freshly cloned) endpoint list to `target` records by cloning its first record. The pads'
 * ids come from (seed, copy, the original list key, the first record's original id, position), so
 * they are distinct within the list and never collide with another list's pads.
 */
function padList(records: any[], target: number, seed: number, copy: number, originalKey: string, firstOriginalId: unknown): void {
  const first = records[0];
  if (!first) return; // An empty list has nothing to clone; it stays empty.
  for (let position = records.length + 1; position <= target; position++) {
    const pad = structuredClone(first);
    pad.id = derivedId("pad", seed, copy, originalKey, String(firstOriginalId), position);
    pad.provider_name = `${first.provider_name} #${position}`;
    records.push(pad);
  }
}

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

// ---------------------------------------------------------------------------------------------
// scaleRecording

/**
 * Scale a recording by factor k (integer ≥ 1).
 *
 * - Copy 0 is the original, unchanged (except for padding when `endpointsPerVariant` is given).
 * - Copies 1..k-1 clone every models entry and every endpoint list. Copy c tags every slug-like
 *   value with `-k{c}` (before any ":variant" suffix): entry.slug/permaslug,
 *   endpoint.model.slug/permaslug, model_variant_slug/permaslug, and the list key's permaslug.
 *   Endpoint ids become `derivedId("endpoint", seed, c, originalId)`, so entry.endpoint.id still
 *   matches its list record, and an id shared by several lists stays shared in each copy.
 * - `endpointsPerVariant` (integer ≥ 1): every non-empty list is padded to exactly that many
 *   records by cloning its first record with a new id and provider_name `${provider_name} #n`
 *   (n = its 1-based position). Longer lists keep all their records.
 * - `seed` (integer, default 1) only affects derived ids.
 *
 * Output key order: the models key, then the original's other keys in their order (copy 0), then
 * each copy's endpoint lists in the original's order. Keys that are neither the models list nor an
 * endpoint list are kept once (copy 0). Throws if a clone's slug/permaslug would collide with an
 * original one (e.g. the input already has "x" and "x-k1").
 */
export function scaleRecording(recording: Recording, k: number, options: { seed?: number; endpointsPerVariant?: number } = {}): Recording {
  checkInteger("k", k, 1);
  const seed = options.seed ?? 1;
  checkInteger("seed", seed, Number.MIN_SAFE_INTEGER);
  const perVariant = options.endpointsPerVariant;
  if (perVariant !== undefined) checkInteger("endpointsPerVariant", perVariant, 1);
  if (k === 1 && perVariant === undefined) return structuredClone(recording);

  const paths = pathsOf(recording);
  const modelsResponse = recording[paths.models];
  const entries: any[] = Array.isArray(modelsResponse?.data) ? modelsResponse.data : [];
  const listKeys = Object.keys(recording).filter((key) => isEndpointsKey(key, paths));

  const originalNames = new Set<unknown>();
  for (const entry of entries) originalNames.add(entry?.slug).add(entry?.permaslug);

  const allEntries: any[] = structuredClone(entries);
  for (let copy = 1; copy < k; copy++) {
    for (const entry of entries) {
      const clone = cloneEntry(entry, copy, seed);
      if (originalNames.has(clone?.slug) || originalNames.has(clone?.permaslug)) {
        throw new Error(`copy ${copy} of ${JSON.stringify(entry?.slug)} collides with an original slug or permaslug`);
      }
      allEntries.push(clone);
    }
  }

  const out: Recording = {};
  if (modelsResponse !== undefined) out[paths.models] = { ...structuredClone({ ...modelsResponse, data: undefined }), data: allEntries };

  for (let copy = 0; copy < k; copy++) {
    for (const key of copy === 0 ? Object.keys(recording) : listKeys) {
      if (key === paths.models) continue;
      if (!isEndpointsKey(key, paths)) {
        out[key] = structuredClone(recording[key]);
        continue;
      }
      const response = structuredClone(recording[key]);
      const records: any[] | undefined = Array.isArray(response?.data) ? response.data : undefined;
      const firstOriginalId = records?.[0]?.id;
      if (records && copy > 0) for (const record of records) retagEndpointRecord(record, copy, seed);
      if (records && perVariant !== undefined) padList(records, perVariant, seed, copy, key, firstOriginalId);
      out[copy === 0 ? key : tagEndpointsKey(key, copy, paths)] = response;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// nextHourRecording

/** A decimal string for `value`, never in exponent notation, rounded to 12 significant digits. */
function toDecimalString(value: number): string {
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  const exponent = Math.floor(Math.log10(Math.abs(rounded)));
  const digits = Math.min(100, Math.max(0, 12 - exponent));
  return rounded.toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** The price a changed endpoint gets: ×1.1, or 0.000001 when it was 0 (×1.1 would not change it). */
function bumpedPrice(value: unknown): string | number | undefined {
  const amount = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (!Number.isFinite(amount)) return undefined;
  const next = amount === 0 ? 0.000001 : amount * 1.1;
  return typeof value === "number" ? Number(next.toPrecision(12)) : toDecimalString(next);
}

/** In place: the one change an endpoint record gets. Never touches id, model or any slug. */
function changeEndpointRecord(record: any, revision: number): void {
  const bumped = bumpedPrice(record?.pricing?.completion);
  if (bumped !== undefined) {
    record.pricing.completion = bumped;
  } else {
    // No numeric completion price to bump (a malformed record): change its display name instead.
    record.name = `${typeof record.name === "string" ? record.name : ""} (rev ${revision})`.trimStart();
  }
}

/** In place: the one change a models entry gets. */
function changeModelEntry(entry: any, revision: number): void {
  const suffix = ` (rev ${revision})`;
  entry.description = typeof entry.description === "string" ? `${entry.description}${suffix}` : suffix.trimStart();
}

/**
 * The units `nextHourRecording` counts and changes, in a fixed order:
 * - one per distinct models-entry `slug` (a slug's entries, one per variant, are one logical model);
 * - one per distinct (listKey, record id) over the endpoint lists the models entries reference,
 *   i.e. `endpointsKey(family, entry.permaslug, entry.endpoint.variant)` for entries with an endpoint
 *   (the lists the pipeline fetches). Unreferenced lists are neither counted nor changed.
 * This matches tests/support/recording's `countRaw`: total = models + endpoints.
 */
export function changeUnits(recording: Recording): { slugs: string[]; endpoints: { key: string; id: string }[] } {
  const family = pathFamilyOf(recording);
  const entries: any[] = recording[PATH_FAMILIES[family].models]?.data ?? [];
  const slugs = [...new Set(entries.map((entry) => entry?.slug))];
  const keys = new Set<string>();
  for (const entry of entries) if (entry?.endpoint) keys.add(endpointsKey(family, entry.permaslug, entry.endpoint.variant));
  const endpoints: { key: string; id: string }[] = [];
  for (const key of keys) {
    const seen = new Set<string>();
    for (const record of recording[key]?.data ?? []) {
      if (seen.has(record?.id)) continue;
      seen.add(record?.id);
      endpoints.push({ key, id: record?.id });
    }
  }
  return { slugs, endpoints };
}

/**
 * Derive a "next hour" recording: change round(fraction × total) of the units of `changeUnits`
 * (total = distinct slugs + distinct (listKey, id) endpoint records), chosen by a seeded partial
 * Fisher–Yates shuffle (mulberry32(seed)).
 *
 * - A changed model (slug S): every entry with slug S gets " (rev {seed})" appended to its
 *   top-level `description`. It counts once in `changedModels`, however many variant entries S has.
 * - A changed endpoint (listKey, id): every record with that id in that list gets its
 *   `pricing.completion` multiplied by 1.1 (0 becomes 0.000001), written back as a decimal string
 *   (a number stays a number). It counts once in `changedEndpoints`.
 * - Nothing else changes: no key, slug, permaslug or id; the endpoint copies inside models entries
 *   (`entry.endpoint`) and the model copies inside endpoint records (`record.model`) are left as
 *   they were, so a model change shows only in models entries and an endpoint change only in its list.
 *   On a 2026-shaped recording the flat `pricing.completion` moves while `pricing_json` and
 *   `display_pricing` keep the old rate, and the telemetry is left as it was (bench/telemetryHour
 *   moves it): a real content change either way, which is all the bench needs.
 *
 * `changed` = changedModels + changedEndpoints = round(fraction × total); `total` is returned too.
 */
export function nextHourRecording(
  recording: Recording,
  fraction: number,
  seed = 1,
): { recording: Recording; changedModels: number; changedEndpoints: number; changed: number; total: number } {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`);
  checkInteger("seed", seed, Number.MIN_SAFE_INTEGER);

  const next = structuredClone(recording);
  const { slugs, endpoints } = changeUnits(next);
  const total = slugs.length + endpoints.length;
  const count = Math.round(fraction * total);

  // Partial Fisher–Yates over unit indices: the first `count` positions are the chosen units.
  const random = mulberry32(seed);
  const order = Array.from({ length: total }, (_, index) => index);
  for (let position = 0; position < count; position++) {
    const pick = position + Math.floor(random() * (total - position));
    [order[position], order[pick]] = [order[pick], order[position]];
  }

  const changedSlugs = new Set<string>();
  const changedRecords = new Map<string, Set<string>>();
  for (const index of order.slice(0, count)) {
    if (index < slugs.length) {
      changedSlugs.add(slugs[index]);
    } else {
      const { key, id } = endpoints[index - slugs.length];
      if (!changedRecords.has(key)) changedRecords.set(key, new Set());
      changedRecords.get(key)!.add(id);
    }
  }

  for (const entry of next[pathsOf(next).models]?.data ?? []) if (changedSlugs.has(entry?.slug)) changeModelEntry(entry, seed);
  let changedEndpoints = 0;
  for (const [key, ids] of changedRecords) {
    changedEndpoints += ids.size;
    for (const record of next[key].data) if (ids.has(record?.id)) changeEndpointRecord(record, seed);
  }

  const changedModels = changedSlugs.size;
  return { recording: next, changedModels, changedEndpoints, changed: changedModels + changedEndpoints, total };
}
