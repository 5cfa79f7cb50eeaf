/**
 * The 2026-shaped catalogue the bench bills and probes, at scale k. Bench only, never shipped.
 *
 * Owns: `hours2026`, which puts the generators together the way the 2026 upstream behaves: the
 * 2026-shaped recording (tests/golden/recording-2026-base.json, v1 paths, full rate card) scaled
 * by k (bench/syntheticCatalogue), then two hours after it, in each of which the telemetry inside
 * every endpoint record has moved (bench/telemetryHour):
 * - `unchangedHour`: hour 1, telemetry only; nothing an entity is built from changed;
 * - `changedHour`: hour 2, fresh telemetry again, and a seeded 1% of entities (models and
 *   endpoints) with a real content change (`nextHourRecording`: a model's description, an
 *   endpoint's completion price).
 * With `warmUpHours` = n, hours 1..n come first (`warmUpHour`, telemetry only), and the two
 * measured hours are n + 1 and n + 2: a backend that has run every hour for a while, rather
 * than one that has seen a single run.
 * Must not touch: I/O, Convex, the pipeline's own code.
 */
import { nextHourRecording, scaleRecording, type Recording } from "./syntheticCatalogue";
import { telemetryHourRecording } from "./telemetryHour";

/** The share of entities that change in the changed hour (issue 12: "1% of entities changing each hour"). */
export const CHANGED_SHARE = 0.01;

export type Hours2026 = {
  k: number;
  base: Recording;
  unchangedHour: Recording;
  changedHour: Recording;
  /** Hours before the measured two, telemetry only; `warmUpHour(h)` for h in 1..warmUpHours. */
  warmUpHours: number;
  warmUpHour: (hour: number) => Recording;
  /** Models and endpoints that really changed in `changedHour`, and how many entities there are. */
  changed: { models: number; endpoints: number; total: number; entities: number };
};

/**
 * The base at scale k and the two hours after it. Deterministic: the same (base, k, seed) give
 * byte-identical recordings.
 *
 * @example const { base, unchangedHour, changedHour, changed } = hours2026(loadRecording(GOLDEN_2026_PATHS.base), 3)
 */
export function hours2026(base2026: Recording, k: number, options: { seed?: number; warmUpHours?: number } = {}): Hours2026 {
  const seed = options.seed ?? 7;
  const warmUpHours = options.warmUpHours ?? 0;
  if (!Number.isSafeInteger(warmUpHours) || warmUpHours < 0) throw new RangeError(`warmUpHours must be an integer ≥ 0, got ${warmUpHours}`);
  const base = scaleRecording(base2026, k);
  const unchangedHour = telemetryHourRecording(base, warmUpHours + 1, seed).recording;
  const change = nextHourRecording(telemetryHourRecording(base, warmUpHours + 2, seed).recording, CHANGED_SHARE, seed);
  const warmUpHour = (hour: number) => {
    if (!Number.isSafeInteger(hour) || hour < 1 || hour > warmUpHours) throw new RangeError(`warm-up hour must be in 1..${warmUpHours}, got ${hour}`);
    return telemetryHourRecording(base, hour, seed).recording;
  };
  return {
    k,
    base,
    unchangedHour,
    changedHour: change.recording,
    warmUpHours,
    warmUpHour,
    changed: { models: change.changedModels, endpoints: change.changedEndpoints, total: change.changed, entities: change.total },
  };
}
