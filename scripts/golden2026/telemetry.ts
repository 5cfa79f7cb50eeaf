/**
 * Endpoint telemetry for the golden2026 recordings: `status`, `stats`, `statsByTier`,
 * `status_heuristics{,_5m,_1d}` and `routing_heuristics_by_tier`.
 *
 * Owns: what each block looks like and how it moves between observations. Shapes follow orca's
 * notes/data-example.md (`stats`, `statsByTier`) and the field lists of 2026 clients
 * (`status_heuristics*`: success / derankableError / rateLimited counts; `routing_heuristics_by_tier`:
 * request count, throughput, latency and effective prices per tier). An endpoint's traffic level
 * is stable (drawn from its id); each observation (`epoch`) jitters it. Must not touch: durable
 * fields. Node-only, never shipped.
 */
import { rngFor } from "./rng";

export type Obj = Record<string, any>;

/** Telemetry blocks of a list record (UPSTREAM-2026.md "Telemetry inside the records"); `status` sits with them but is kept on embedded copies too. */
export const TELEMETRY_KEYS = ["stats", "statsByTier", "status_heuristics", "status_heuristics_5m", "status_heuristics_1d", "routing_heuristics_by_tier"] as const;

export const STATUS_VALUES = [0, -2, -3, -5] as const;

/** The routing penalty an endpoint starts with: mostly 0. */
export function baseStatus(id: string): number {
  const rng = rngFor("status", id);
  return rng.chance(0.82) ? 0 : rng.pick([-2, -3, -5]);
}

/** Another status value than `current`. */
export function otherStatus(current: number, ...seed: string[]): number {
  const rng = rngFor("status-change", ...seed);
  const choices = current === 0 ? [-2, -3, -5] : [0, 0, ...STATUS_VALUES.filter((s) => s !== 0 && s !== current)];
  return rng.pick(choices);
}

type Profile = { throughput: number; latency: number; requests: number; quiet: boolean };

/** The stable traffic of an endpoint; real May 2025 stats seed it where the recording has them. */
function profileOf(id: string, real?: Obj): Profile {
  const rng = rngFor("traffic", id);
  return {
    throughput: real?.p50_throughput ?? rng.float(8, 180, 4),
    latency: real?.p50_latency ?? rng.int(180, 2600),
    requests: real?.request_count ?? Math.round(10 ** rng.float(1, 4.8, 3)),
    quiet: real ? false : rng.chance(0.1),
  };
}

/** Whether the endpoint had enough traffic for `stats` in its base observation. */
export function hasStatsByDefault(id: string, real?: Obj): boolean {
  return !profileOf(id, real).quiet;
}

function statsBlock(id: string, profile: Profile, jitter: () => number, requestShift: number): Obj {
  const t = profile.throughput * (0.85 + 0.3 * jitter());
  const l = profile.latency * (0.85 + 0.3 * jitter());
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    endpoint_id: id,
    p50_throughput: round(t, 4),
    p75_throughput: round(t * 1.32, 2),
    p90_throughput: round(t * 1.71, 2),
    p95_throughput: round(t * 1.9, 4),
    p99_throughput: round(t * 2.14, 2),
    p50_latency: Math.round(l),
    p75_latency: Math.round(l * 1.23),
    p90_latency: round(l * 1.45, 1),
    p95_latency: round(l * 1.54, 4),
    p99_latency: round(l * 1.85, 2),
    request_count: Math.max(1, Math.round(profile.requests * (0.8 + 0.4 * jitter())) + requestShift),
    window_minutes: 30,
  };
}

function heuristics(requests: number, jitter: () => number, status: number): Obj {
  const errorShare = status === 0 ? 0.01 * jitter() : 0.04 + 0.12 * jitter();
  const limitedShare = status === 0 ? 0.005 * jitter() : 0.02 + 0.1 * jitter();
  return {
    success: Math.round(requests * (1 - errorShare - limitedShare)),
    derankableError: Math.round(requests * errorShare),
    rateLimited: Math.round(requests * limitedShare),
  };
}

/**
 * The telemetry blocks of one list record in one observation.
 *
 * @example telemetryFor(record, "base", { withStats: true, status: 0 }) // → { stats, statsByTier, status_heuristics, … }
 */
export function telemetryFor(record: Obj, epoch: string, options: { withStats: boolean; status: number; real?: Obj }): Obj {
  const id: string = record.id;
  const profile = profileOf(id, options.real);
  const rng = rngFor("telemetry", id, epoch);
  const jitter = () => rng.next();
  const tiers = record.tiers && typeof record.tiers === "object" ? Object.keys(record.tiers) : [];
  const out: Obj = {};
  const requests = profile.quiet && !options.withStats ? rng.int(0, 3) : Math.round(profile.requests * (0.8 + 0.4 * jitter()));
  if (options.withStats) {
    out.stats = statsBlock(id, profile, jitter, 0);
    const byTier: Obj = { default: statsBlock(id, profile, jitter, rng.int(-3, 3)) };
    for (const tier of tiers) byTier[tier] = statsBlock(id, { ...profile, requests: Math.max(1, Math.round(profile.requests / 9)) }, jitter, 0);
    out.statsByTier = byTier;
  }
  out.status_heuristics = heuristics(requests, jitter, options.status);
  out.status_heuristics_5m = heuristics(Math.round(requests / 6), jitter, options.status);
  out.status_heuristics_1d = heuristics(requests * 48, jitter, options.status);
  const prompt = Number(record.pricing?.prompt ?? 0);
  const completion = Number(record.pricing?.completion ?? 0);
  const discount = Number(record.pricing?.discount ?? 0);
  const routing: Obj = {};
  for (const tier of ["default", ...tiers]) {
    const multiplier = tier === "default" ? 1 : Number(record.tiers[tier].multiplier);
    routing[tier] = {
      request_count: tier === "default" ? requests : Math.round(requests / 9),
      p50_throughput: Math.round(profile.throughput * (0.85 + 0.3 * jitter()) * 100) / 100,
      p50_latency: Math.round(profile.latency * (0.85 + 0.3 * jitter())),
      effective_prompt_price: prompt * multiplier * (1 - discount),
      effective_completion_price: completion * multiplier * (1 - discount),
    };
  }
  out.routing_heuristics_by_tier = routing;
  return out;
}
