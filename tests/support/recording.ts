/**
 * Test support: the golden recording, and independent counts taken from its raw JSON.
 *
 * The counts here read the raw recording directly, with none of the pipeline's code, so tests can
 * compare the pipeline's figures against them.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const GOLDEN_PATH = fileURLToPath(new URL("../golden/recording-2025-05-20.json", import.meta.url));

export type RawRecording = Record<string, any>;

export function loadGolden(): RawRecording {
  return JSON.parse(readFileSync(GOLDEN_PATH, "utf8"));
}

/** A deep copy to edit by hand. */
export function cloneRecording(recording: RawRecording): RawRecording {
  return structuredClone(recording);
}

export const MODELS_KEY = "/api/frontend/models";

export function endpointsKey(permaslug: string, variant: string): string {
  return `/api/frontend/stats/endpoint?${new URLSearchParams([["permaslug", permaslug], ["variant", variant]]).toString()}`;
}

/** Figures counted straight from the raw JSON. */
export function countRaw(recording: RawRecording) {
  const entries: any[] = recording[MODELS_KEY].data;
  const slugs = new Set(entries.map((entry) => entry.slug));
  const variantKeys = new Set<string>();
  for (const entry of entries) if (entry.endpoint) variantKeys.add(endpointsKey(entry.permaslug, entry.endpoint.variant));
  const endpointRows = new Set<string>();
  for (const key of variantKeys) {
    for (const record of recording[key]?.data ?? []) endpointRows.add(`${key}#${record.id}`);
  }
  return { entries: entries.length, models: slugs.size, variantFetches: variantKeys.size, endpoints: endpointRows.size, variantKeys };
}

/** Sorted-key JSON, written independently of src/lib/canonicalJson. */
function sortedJson(value: unknown): string {
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
const isPrice = (value: unknown) => (typeof value === "string" || typeof value === "number") && Number.isFinite(Number(value)) && value !== "";

/**
 * Records that lack what any stored row needs, judged here by hand-written rules rather than by
 * the schemas: a models entry needs slug, permaslug and name; an endpoint record needs id, name,
 * provider_name and numeric prompt and completion prices.
 */
export function countRawIssues(recording: RawRecording): number {
  const entries: any[] = recording[MODELS_KEY].data;
  let issues = entries.filter((e) => !isText(e?.slug) || !isText(e?.permaslug) || typeof e?.name !== "string").length;
  for (const key of countRaw(recording).variantKeys) {
    for (const record of recording[key]?.data ?? []) {
      if (!isText(record?.id) || typeof record?.name !== "string" || typeof record?.provider_name !== "string" || !isPrice(record?.pricing?.prompt) || !isPrice(record?.pricing?.completion)) {
        issues++;
      }
    }
  }
  return issues;
}
