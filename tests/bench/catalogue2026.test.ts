// @vitest-environment node
// Tests bench/catalogue2026: the 2026-shaped base at scale k and its two hours, checked against counts and diffs of the raw JSON.
import { describe, expect, it } from "vitest";
import { hours2026 } from "../../bench/catalogue2026";
import type { Recording } from "../../bench/syntheticCatalogue";
import { countRaw, GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

/** Telemetry inside a 2026 endpoint record, as UPSTREAM-2026.md "Telemetry inside the records" lists it. */
const TELEMETRY = ["status", "stats", "statsByTier", "status_heuristics", "status_heuristics_5m", "status_heuristics_1d", "routing_heuristics_by_tier"];

const golden = loadRecording(GOLDEN_2026_PATHS.base);
const raw = countRaw(golden);

const withoutTelemetry = (record: any) => Object.fromEntries(Object.entries(record).filter(([key]) => !TELEMETRY.includes(key)));
const entryContent = (entry: any) => JSON.stringify(entry.endpoint ? { ...entry, endpoint: withoutTelemetry(entry.endpoint) } : entry);

/** What really changed from `before` to `after`, telemetry set aside: distinct slugs, and (list key, id) records. */
function contentDiff(before: Recording, after: Recording) {
  const bySlug = (recording: Recording) => {
    const groups = new Map<string, string[]>();
    for (const entry of recording[modelsKeyOf(recording)].data) groups.set(entry.slug, [...(groups.get(entry.slug) ?? []), entryContent(entry)]);
    return groups;
  };
  const a = bySlug(before);
  const b = bySlug(after);
  let models = 0;
  for (const [slug, group] of a) if (JSON.stringify(group) !== JSON.stringify(b.get(slug))) models++;
  let endpoints = 0;
  for (const key of countRaw(before).variantKeys) {
    const next = new Map(after[key].data.map((record: any) => [record.id, JSON.stringify(withoutTelemetry(record))]));
    for (const record of before[key].data) if (next.get(record.id) !== JSON.stringify(withoutTelemetry(record))) endpoints++;
  }
  return { models, endpoints };
}

describe("hours2026", () => {
  for (const k of [1, 3]) {
    it(`k=${k}: ${k} × the base's entities; the unchanged hour changes no content; the changed hour changes exactly 1% of entities`, () => {
      const hours = hours2026(golden, k);
      const scaled = countRaw(hours.base);
      expect([scaled.models, scaled.endpoints, scaled.variantFetches]).toEqual([k * raw.models, k * raw.endpoints, k * raw.variantFetches]);
      for (const recording of [hours.unchangedHour, hours.changedHour]) expect(countRaw(recording)).toEqual(scaled);

      const entities = k * (raw.models + raw.endpoints);
      expect(hours.changed.entities).toBe(entities);
      expect(hours.changed.total).toBe(Math.round(0.01 * entities));
      expect(contentDiff(hours.base, hours.unchangedHour)).toEqual({ models: 0, endpoints: 0 });
      const diff = contentDiff(hours.base, hours.changedHour);
      expect(diff).toEqual({ models: hours.changed.models, endpoints: hours.changed.endpoints });
      expect(diff.models + diff.endpoints).toBe(Math.round(0.01 * entities));

      // Both hours are new bodies: every endpoint list differs from the base, as upstream's do every hour.
      for (const key of scaled.variantKeys) {
        expect(JSON.stringify(hours.unchangedHour[key]), key).not.toBe(JSON.stringify(hours.base[key]));
        expect(JSON.stringify(hours.changedHour[key]), key).not.toBe(JSON.stringify(hours.unchangedHour[key]));
      }
    });
  }

  it("is deterministic", () => {
    expect(JSON.stringify(hours2026(golden, 2))).toBe(JSON.stringify(hours2026(golden, 2)));
  });

  it("with warm-up hours: each warm-up hour and the measured hours are new bodies with the base's content", () => {
    const hours = hours2026(golden, 1, { warmUpHours: 3 });
    const served = [hours.base, ...[1, 2, 3].map(hours.warmUpHour), hours.unchangedHour, hours.changedHour];
    const listKey = [...raw.variantKeys][0];
    expect(new Set(served.map((recording) => JSON.stringify(recording[listKey]))).size).toBe(served.length);
    for (const recording of served.slice(1, -1)) expect(contentDiff(hours.base, recording)).toEqual({ models: 0, endpoints: 0 });
    expect(contentDiff(hours.base, hours.changedHour)).toEqual({ models: hours.changed.models, endpoints: hours.changed.endpoints });
    expect(() => hours.warmUpHour(4)).toThrow(RangeError);
  });
});
