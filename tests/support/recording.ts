/**
 * Test support: the golden recording, and independent counts taken from its raw JSON.
 *
 * The counts here read the raw recording directly, with none of the pipeline's code, so tests can
 * compare the pipeline's figures against them.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The real May 2025 recording, keyed by the legacy paths. */
export const GOLDEN_PATH = fileURLToPath(new URL("../golden/recording-2025-05-20.json", import.meta.url));
/** The 2026-shaped recordings (tests/golden/README.md says which parts are synthetic). */
export const GOLDEN_2026_PATHS = {
  base: fileURLToPath(new URL("../golden/recording-2026-base.json", import.meta.url)),
  nextHour: fileURLToPath(new URL("../golden/recording-2026-next-hour.json", import.meta.url)),
  nextDay: fileURLToPath(new URL("../golden/recording-2026-next-day.json", import.meta.url)),
};
export const CHANGES_2026_NEXT_DAY_PATH = fileURLToPath(new URL("../golden/changes-2026-next-day.json", import.meta.url));

export type RawRecording = Record<string, any>;

export function loadGolden(): RawRecording {
  return JSON.parse(readFileSync(GOLDEN_PATH, "utf8"));
}

export function loadRecording(path: string): RawRecording {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** The upstream path families, written out here rather than imported from src/. */
const FAMILIES = {
  "legacy-2025": { models: "/api/frontend/models", endpoints: "/api/frontend/stats/endpoint" },
  v1: { models: "/api/frontend/v1/catalog/models", endpoints: "/api/frontend/v1/stats/endpoint" },
} as const;
export type Family = keyof typeof FAMILIES;

/** Which path family a recording is keyed by. */
export function familyOf(recording: RawRecording): Family {
  for (const family of Object.keys(FAMILIES) as Family[]) if (FAMILIES[family].models in recording) return family;
  throw new Error("recording has no models-list key");
}

/** A recording's models-list key. */
export function modelsKeyOf(recording: RawRecording): string {
  return FAMILIES[familyOf(recording)].models;
}

/** The key of one variant's endpoint list in a recording of `family`. */
export function endpointsKeyIn(family: Family, permaslug: string, variant: string): string {
  return `${FAMILIES[family].endpoints}?${new URLSearchParams([["permaslug", permaslug], ["variant", variant]]).toString()}`;
}

/** A deep copy to edit by hand. */
export function cloneRecording(recording: RawRecording): RawRecording {
  return structuredClone(recording);
}

/** The May 2025 recording's models-list key. */
export const MODELS_KEY = FAMILIES["legacy-2025"].models;

/** An endpoint-list key of the May 2025 recording. */
export function endpointsKey(permaslug: string, variant: string): string {
  return endpointsKeyIn("legacy-2025", permaslug, variant);
}

/**
 * Figures counted straight from the raw JSON. A slug starting with `~` is a router alias: never
 * requested. A slug is available when it is an alias or one of its entries has an endpoint.
 */
export function countRaw(recording: RawRecording) {
  const family = familyOf(recording);
  const entries: any[] = recording[FAMILIES[family].models].data;
  const slugs = new Set(entries.map((entry) => entry.slug));
  const aliases = new Set(entries.filter((entry) => entry.slug.startsWith("~")).map((entry) => entry.slug));
  const availableSlugs = new Set(entries.filter((entry) => entry.slug.startsWith("~") || entry.endpoint).map((entry) => entry.slug));
  const variantKeys = new Set<string>();
  for (const entry of entries) if (entry.endpoint && !entry.slug.startsWith("~")) variantKeys.add(endpointsKeyIn(family, entry.permaslug, entry.endpoint.variant));
  const endpointRows = new Set<string>();
  for (const key of variantKeys) {
    for (const record of recording[key]?.data ?? []) endpointRows.add(`${key}#${record.id}`);
  }
  return {
    family,
    entries: entries.length,
    models: slugs.size,
    aliases: aliases.size,
    availableModels: availableSlugs.size,
    variantFetches: variantKeys.size,
    endpoints: endpointRows.size,
    variantKeys,
  };
}

/** Sorted-key JSON, written independently of src/lib/canonicalJson (the golden generator's verifier uses it too). */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson((value as any)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function fingerprint(item: unknown): string {
  return createHash("sha256").update(sortedJson(item)).digest("hex");
}

const isText = (value: unknown) => typeof value === "string" && value.length > 0;

/**
 * Records that lack what any stored row needs, judged here by hand-written rules rather than by
 * the schemas: a models entry needs slug, permaslug and name; an endpoint record needs id, name,
 * provider_name and a pricing object.
 */
export function countRawIssues(recording: RawRecording): number {
  const entries: any[] = recording[modelsKeyOf(recording)].data;
  let issues = entries.filter((e) => !isText(e?.slug) || !isText(e?.permaslug) || typeof e?.name !== "string").length;
  for (const key of countRaw(recording).variantKeys) {
    for (const record of recording[key]?.data ?? []) {
      if (!isText(record?.id) || typeof record?.name !== "string" || typeof record?.provider_name !== "string" || record?.pricing === null || typeof record?.pricing !== "object") {
        issues++;
      }
    }
  }
  return issues;
}

/**
 * Every number in a raw rate card (`pricing` with all it holds, `pricing_json`, `tiers`),
 * with its path: JSON numbers, and strings that spell a decimal number. Written here without the
 * module's rate parser, so tests can check that each one is stored as the same number.
 */
export function rawRates(record: any): { path: (string | number)[]; value: number }[] {
  const out: { path: (string | number)[]; value: number }[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === "number") out.push({ path, value });
    else if (typeof value === "string" && /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value)) out.push({ path, value: Number(value) });
    else if (Array.isArray(value)) value.forEach((item, index) => walk(item, [...path, index]));
    else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(record.pricing, ["pricing"]);
  walk(record.pricing_json, ["pricing_json"]);
  walk(record.tiers, ["tiers"]);
  return out;
}

/** The value at `path` inside `value`, or undefined. */
export function atPath(value: any, path: (string | number)[]): unknown {
  return path.reduce((node, key) => (node === null || node === undefined ? undefined : node[key]), value);
}

/** The durable changes of the 2026 next-day recording, as its builder listed them (tests/golden/README.md). */
export type ChangeManifest = {
  models: { insert: string[]; update: string[]; unavailable: string[] };
  endpoints: { insert: string[]; update: string[]; unavailable: string[] };
};

export function loadChangeManifest(): ChangeManifest {
  return JSON.parse(readFileSync(CHANGES_2026_NEXT_DAY_PATH, "utf8"));
}

/**
 * A models entry that is its slug's only entry (not an alias) and has an endpoint, whose list holds
 * records and is not shared with another entry: removing or breaking it touches one model and
 * exactly that list's endpoints. `avoidKeys` are list keys the caller uses for something else.
 */
export function soleListedEntry(recording: RawRecording, avoidKeys: readonly string[] = []): { entry: any; endpoints: number } {
  const family = familyOf(recording);
  const listKey = (e: any) => endpointsKeyIn(family, e.permaslug, e.endpoint.variant);
  const entries: any[] = recording[modelsKeyOf(recording)].data;
  const perSlug = new Map<string, number>();
  const perList = new Map<string, number>();
  for (const e of entries) {
    perSlug.set(e.slug, (perSlug.get(e.slug) ?? 0) + 1);
    if (e.endpoint) perList.set(listKey(e), (perList.get(listKey(e)) ?? 0) + 1);
  }
  const entry = entries.find((e) => {
    if (!e.endpoint || e.slug.startsWith("~") || perSlug.get(e.slug) !== 1) return false;
    const key = listKey(e);
    return perList.get(key) === 1 && !avoidKeys.includes(key) && recording[key]?.data.length > 0;
  });
  if (!entry) throw new Error("no models entry with a list of its own");
  return { entry, endpoints: recording[listKey(entry)].data.length };
}
