// @vitest-environment node
// Tests bench/telemetryHour: an hour in which only telemetry moved, checked by diffing the raw JSON against the base.
import { describe, expect, it } from "vitest";
import { scaleRecording, type Recording } from "../../bench/syntheticCatalogue";
import { telemetryHourRecording } from "../../bench/telemetryHour";
import { fieldTreatment } from "../../src/drift/fieldTreatment";
import { GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

/** Telemetry inside a 2026 endpoint record, as UPSTREAM-2026.md "Telemetry inside the records" lists it. */
const TELEMETRY = ["status", "stats", "statsByTier", "status_heuristics", "status_heuristics_5m", "status_heuristics_1d", "routing_heuristics_by_tier"];

const base = loadRecording(GOLDEN_2026_PATHS.base);
const baseJson = JSON.stringify(base);
const listKeys = (recording: Recording) => Object.keys(recording).filter((key) => key.startsWith("/api/frontend/v1/stats/endpoint?"));
const entries = (recording: Recording): any[] => recording[modelsKeyOf(recording)].data;
const content = (record: any) => JSON.stringify(Object.fromEntries(Object.entries(record).filter(([key]) => !TELEMETRY.includes(key))));
const telemetry = (record: any) => JSON.stringify(Object.fromEntries(Object.entries(record).filter(([key]) => TELEMETRY.includes(key) && key !== "status")));

/** Per list record of `after`, aligned with `before` by key and position: which top-level keys differ. */
function changedKeys(before: Recording, after: Recording): string[][] {
  return listKeys(before).flatMap((key) =>
    before[key].data.map((record: any, index: number) => {
      const next = after[key].data[index];
      const keys = new Set([...Object.keys(record), ...Object.keys(next)]);
      return [...keys].filter((field) => JSON.stringify(record[field]) !== JSON.stringify(next[field]));
    }),
  );
}

describe("telemetryHourRecording", () => {
  const hour = telemetryHourRecording(base, 1);
  const out = hour.recording;

  it("changes the telemetry of every endpoint record and nothing else, and never mutates its input", () => {
    expect(JSON.stringify(base)).toBe(baseJson);
    expect(Object.keys(out)).toEqual(Object.keys(base));
    const recordCount = listKeys(base).reduce((sum, key) => sum + base[key].data.length, 0);
    expect(hour.recordsRefreshed).toBe(recordCount);

    const changed = changedKeys(base, out);
    expect(changed.length).toBe(recordCount);
    // Every record's telemetry blocks moved (not only its status), and only telemetry did.
    for (const keys of changed) expect(keys.filter((key) => key !== "status").length).toBeGreaterThan(0);
    const changedFields = new Set(changed.flat());
    for (const field of changedFields) expect(TELEMETRY, field).toContain(field);
    // The module classifies each changed field as telemetry too (never stored, never hashed).
    for (const field of changedFields) expect(fieldTreatment("endpoint", [field]), field).toBe("telemetry");
    for (const key of listKeys(base)) base[key].data.forEach((record: any, index: number) => expect(content(out[key].data[index])).toBe(content(record)));

    // Blocks are present exactly where they were, and `stats` still names its own endpoint.
    for (const key of listKeys(base)) {
      base[key].data.forEach((record: any, index: number) => {
        const next = out[key].data[index];
        expect(Object.keys(next)).toEqual(Object.keys(record));
        if (next.stats) expect(next.stats.endpoint_id).toBe(next.id);
      });
    }
  });

  it("moves status on a seeded share of endpoints, in the lists and the catalogue's embedded copies alike", () => {
    const statusOf = (recording: Recording) => {
      const byId = new Map<string, Set<number>>();
      for (const key of listKeys(recording)) for (const r of recording[key].data) byId.set(r.id, (byId.get(r.id) ?? new Set()).add(r.status));
      for (const e of entries(recording)) if (e.endpoint) byId.set(e.endpoint.id, (byId.get(e.endpoint.id) ?? new Set()).add(e.endpoint.status));
      return byId;
    };
    const before = statusOf(base);
    const after = statusOf(out);
    const moved = [...after].filter(([id, statuses]) => JSON.stringify([...statuses]) !== JSON.stringify([...before.get(id)!]));
    expect(moved.length).toBe(hour.statusChanged);
    expect(moved.length).toBeGreaterThan(10); // about 40 of 326 ids
    expect(moved.length).toBeLessThan(80);
    // Copies of one endpoint agree after the move, so the hour adds no list-versus-catalogue disagreement.
    for (const [, statuses] of moved) expect(statuses.size).toBe(1);

    // A models entry differs from the base only in its embedded endpoint's status.
    const withoutStatus = (entry: any) => JSON.stringify(entry.endpoint ? { ...entry, endpoint: { ...entry.endpoint, status: undefined } } : entry);
    entries(base).forEach((entry, index) => expect(withoutStatus(entries(out)[index])).toBe(withoutStatus(entry)));
  });

  it("is deterministic, and hours 1 and 2 differ from each other on every record", () => {
    expect(JSON.stringify(telemetryHourRecording(base, 1).recording)).toBe(JSON.stringify(out));
    const next = telemetryHourRecording(base, 2).recording;
    for (const key of listKeys(base)) out[key].data.forEach((record: any, index: number) => expect(telemetry(next[key].data[index]), record.id).not.toBe(telemetry(record)));
    expect(() => telemetryHourRecording(base, 0)).toThrow(RangeError);
  });

  it("works on a scaled catalogue: every record of every copy refreshed", () => {
    const scaled = scaleRecording(base, 2);
    const result = telemetryHourRecording(scaled, 1);
    const changed = changedKeys(scaled, result.recording);
    expect(changed.length).toBe(2 * changedKeys(base, out).length);
    for (const keys of changed) expect(keys.filter((key) => key !== "status").length).toBeGreaterThan(0);
  });
});
