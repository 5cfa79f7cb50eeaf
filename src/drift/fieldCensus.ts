/**
 * The field census: every field path one run saw upstream, for the drift ledger.
 *
 * Owns: walking raw items (models entries and endpoint records, before validation) and counting,
 * per path, how many records carried it, with the first value seen as an example. A path is the
 * record's top-level key, and inside the containers of `CENSUS_CONTAINERS` (pricing, pricing_json,
 * tiers, features, data_policy, provider_info, reasoning_config) the keys below it, with `[]` for
 * array items: `pricing.overrides[].min_prompt_tokens`. The census is bounded (depth and number of
 * paths), so a hostile record cannot make it grow without limit. Must not touch: I/O, Convex.
 */
import { sha256Hex } from "../lib/canonicalJson";
import { compareText } from "../lib/compareText";
import { toWellFormed } from "../openrouter/convexSafe";
import { CENSUS_CONTAINERS, fieldTreatment, isMapped, type FieldScope, type FieldTreatment } from "./fieldTreatment";

/** Paths deeper than this inside a container are counted at this depth. */
const MAX_DEPTH = 6;
/** Distinct paths one run may record; beyond it new paths are dropped and `truncated` is set. */
export const MAX_CENSUS_PATHS = 5000;
/** An example value is cut to this many characters of JSON. */
export const EXAMPLE_MAX_CHARS = 120;
/** A path longer than this (a hostile key) is cut: the ledger stores it as a string. */
export const PATH_MAX_CHARS = 500;

export type FieldSighting = {
  scope: FieldScope;
  path: string;
  /** Records of this scope that carried the path in the run. */
  count: number;
  /** The first value seen, as JSON cut to `EXAMPLE_MAX_CHARS`. */
  example: string;
  treatment: FieldTreatment;
  mapped: boolean;
};

/** The ledger's key for a path: scope and path in one string. */
export function fieldKey(scope: FieldScope, path: string): string {
  return `${scope}:${path}`;
}

export function exampleOf(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return cutText(json, EXAMPLE_MAX_CHARS);
}

/**
 * `text` cut to `max` characters (with `…`) and made well-formed: Convex refuses a lone surrogate,
 * which a cut through an emoji, or a hostile key, would leave.
 */
export function cutText(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return toWellFormed(cut);
}

/**
 * @example
 * const census = createFieldCensus();
 * census.record("endpoint", { id: "e1", pricing: { prompt: "1e-6" } });
 * census.sightings(); // endpoint:id, endpoint:pricing, endpoint:pricing.prompt, each count 1
 */
export function createFieldCensus() {
  const sightings = new Map<string, FieldSighting>();
  let truncated = false;
  const records: Record<FieldScope, number> = { model: 0, endpoint: 0 };

  function see(scope: FieldScope, segments: string[], value: unknown, carried: Set<string>): void {
    const path = cutText(segments.join(".").replaceAll(".[]", "[]"), PATH_MAX_CHARS);
    const key = fieldKey(scope, path);
    if (carried.has(key)) return;
    let sighting = sightings.get(key);
    if (!sighting) {
      if (sightings.size >= MAX_CENSUS_PATHS) {
        truncated = true;
        return;
      }
      const treatment = fieldTreatment(scope, segments);
      sighting = { scope, path, count: 0, example: exampleOf(value), treatment, mapped: isMapped(treatment) };
      sightings.set(key, sighting);
    }
    carried.add(key);
    sighting.count++;
  }

  function walk(scope: FieldScope, segments: string[], value: unknown, carried: Set<string>): void {
    if (segments.length > MAX_DEPTH || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (item !== null && typeof item === "object") {
          see(scope, [...segments, "[]"], item, carried);
          walk(scope, [...segments, "[]"], item, carried);
        }
      }
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      see(scope, [...segments, key], item, carried);
      walk(scope, [...segments, key], item, carried);
    }
  }

  return {
    /** One raw item of `scope`; anything that is not an object is skipped (validation reports it). */
    record(scope: FieldScope, raw: unknown): void {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
      records[scope]++;
      const carried = new Set<string>();
      for (const [key, value] of Object.entries(raw)) {
        see(scope, [key], value, carried);
        if (CENSUS_CONTAINERS[scope].includes(key)) walk(scope, [key], value, carried);
      }
    },
    /** Every path seen, sorted by scope then path. */
    sightings(): FieldSighting[] {
      return [...sightings.values()].sort((a, b) => compareText(fieldKey(a.scope, a.path), fieldKey(b.scope, b.path)));
    },
    /** Records walked per scope. */
    records(): Record<FieldScope, number> {
      return { ...records };
    },
    /** Whether `MAX_CENSUS_PATHS` cut the census short. */
    get truncated() {
      return truncated;
    },
  };
}

export type FieldCensus = ReturnType<typeof createFieldCensus>;

/**
 * SHA-256 over the sorted set of field keys: equal digests, equal sets. The ledger digests
 * `fieldKey` plus each path's treatment, so a release that maps a field rewrites its row once.
 */
export async function fieldSetDigest(keys: Iterable<string>): Promise<string> {
  return sha256Hex([...keys].sort(compareText).join("\n"));
}
