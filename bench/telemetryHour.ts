/**
 * An hour later on the 2026-shaped upstream when nothing durable changed: the telemetry inside
 * every endpoint record moves, as it does upstream every hour. Bench only, never shipped.
 *
 * Owns: `telemetryHourRecording`, which gives every endpoint-list record of a recording (at any
 * scale k) this hour's telemetry blocks, drawn the way the golden next hour draws them
 * (scripts/golden2026/telemetry.ts: `stats`, `statsByTier`, `status_heuristics{,_5m,_1d}`,
 * `routing_heuristics_by_tier`, each present where it was), and moves `status` on a seeded share
 * of endpoints, in their lists and in the catalogue's embedded copies alike. Which fields are
 * telemetry comes from the golden generator's list (written from UPSTREAM-2026.md), not from the
 * module's own classification, so the bench does not measure the module against itself.
 *
 * Pure (the input is never mutated) and deterministic per (hour, seed). Unlike the golden next
 * hour it adds no spelling or ordering noise: the bodies differ from the base only in telemetry.
 * Must not touch: any key, id, slug, price or other durable field; I/O; the pipeline's own code.
 */
import { rngFor } from "../scripts/golden2026/rng";
import { otherStatus, telemetryFor, TELEMETRY_KEYS } from "../scripts/golden2026/telemetry";
import { PATH_FAMILIES, pathFamilyOf, type Recording } from "./syntheticCatalogue";

/** The golden next hour moves `status` on 40 of its 326 endpoint ids; the same share here, at any k. */
export const STATUS_CHANGE_SHARE = 40 / 326;

/**
 * The recording `hour` hours later (integer ≥ 1), with only telemetry changed:
 * - every record of every endpoint list gets fresh telemetry blocks for this hour, derived from its
 *   id, tiers and prices; a block is present exactly where it was (`stats` stays absent on a quiet
 *   endpoint);
 * - `status` moves, to another value, on each endpoint id that a draw seeded by (seed, hour, id)
 *   picks with probability `STATUS_CHANGE_SHARE`, in every list record and embedded catalogue copy
 *   (`entry.endpoint`) with that id.
 *
 * Each hour is drawn from the input, not from the previous hour: hours 1 and 2 of one base differ
 * from it and from each other.
 *
 * @example telemetryHourRecording(scaleRecording(base2026, 3), 1) // → { recording, recordsRefreshed: 1014, statusChanged: … }
 */
export function telemetryHourRecording(recording: Recording, hour: number, seed = 1): { recording: Recording; recordsRefreshed: number; statusChanged: number } {
  if (!Number.isSafeInteger(hour) || hour < 1) throw new RangeError(`hour must be an integer ≥ 1, got ${hour}`);
  const paths = PATH_FAMILIES[pathFamilyOf(recording)];
  const next = structuredClone(recording);
  const epoch = `bench-hour-${seed}-${hour}`;
  const listRecords: any[] = Object.keys(next)
    .filter((key) => key.startsWith(`${paths.endpoints}?`))
    .flatMap((key) => (Array.isArray(next[key]?.data) ? next[key].data : []));
  const embedded: any[] = (next[paths.models]?.data ?? []).map((entry: any) => entry?.endpoint).filter((record: any) => record && typeof record === "object");

  const statusById = new Map<string, number>();
  for (const record of listRecords) {
    if (typeof record?.id !== "string" || typeof record.status !== "number" || statusById.has(record.id)) continue;
    if (rngFor("bench-status", epoch, record.id).chance(STATUS_CHANGE_SHARE)) statusById.set(record.id, otherStatus(record.status, epoch, record.id));
  }
  for (const record of [...listRecords, ...embedded]) if (statusById.has(record.id) && "status" in record) record.status = statusById.get(record.id);

  let recordsRefreshed = 0;
  for (const record of listRecords) {
    if (!record || typeof record !== "object") continue;
    const present = new Set(TELEMETRY_KEYS.filter((key) => key in record));
    const fresh = telemetryFor(record, epoch, { withStats: present.has("stats"), status: typeof record.status === "number" ? record.status : 0 });
    for (const key of TELEMETRY_KEYS) if (present.has(key) && key in fresh) record[key] = fresh[key];
    recordsRefreshed++;
  }
  return { recording: next, recordsRefreshed, statusChanged: statusById.size };
}
