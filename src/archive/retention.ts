/**
 * The archive retention policy: plain data, validated, and the rule that applies it to one archive
 * (a run's bundle, or a legacy per-request row).
 *
 * Owns: which archives compaction keeps. Defaults: every archive for 7 days, then one per UTC day
 * (the first of the day) for 365 days, then none. On top of the tiers, the newest archive is
 * always kept (the newest bundle; for legacy rows, the newest of each request key), and every
 * change point is kept for the whole daily horizon: a bundle whose durable digest (the content
 * the entities are built from, telemetry excluded) differs from the bundle before it, or a legacy
 * row whose body differs from the one before it for the same request. So the hourly tier is how
 * long the raw telemetry of every hour is kept: past it, an hour that differs from the one before
 * only in telemetry is deleted. Pure: the facts that need the database (is it the newest? the
 * first of its day? a change point?) are passed in.
 */
import { z } from "zod";

const DAY_MS = 86_400_000;

const days = z.number().int().min(1);

/**
 * `telemetryForDays` is the documented name of the hourly tier; `hourlyForDays`, its older name,
 * is accepted too (and is what a parsed policy and a compaction record hold).
 */
export const RetentionPolicySchema = z
  .object({
    /**
     * Keep every archive, raw telemetry and all, younger than this many days. At least 1: the last
     * day's hours are always all there.
     */
    telemetryForDays: days.optional(),
    /** The older name of `telemetryForDays`. */
    hourlyForDays: days.optional(),
    /** Keep one archive per day, and every change point, younger than this many days. */
    dailyForDays: z.number().int().nonnegative(),
  })
  .strict()
  .refine((policy) => policy.telemetryForDays !== undefined || policy.hourlyForDays !== undefined, {
    message: "telemetryForDays (or its older name hourlyForDays) is required",
    path: ["telemetryForDays"],
  })
  .refine((policy) => policy.telemetryForDays === undefined || policy.hourlyForDays === undefined || policy.telemetryForDays === policy.hourlyForDays, {
    message: "telemetryForDays and hourlyForDays name the same setting: give one",
    path: ["hourlyForDays"],
  })
  .transform((policy) => ({ hourlyForDays: (policy.telemetryForDays ?? policy.hourlyForDays)!, dailyForDays: policy.dailyForDays }))
  .refine((policy) => policy.dailyForDays >= policy.hourlyForDays, {
    message: "dailyForDays must be at least telemetryForDays (hourlyForDays)",
    path: ["dailyForDays"],
  });

export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;

/**
 * A week of every hour: in the 2026 shape an hour's bundle is about 0.9 MiB (k = 1) and differs
 * from the last in telemetry alone most hours, so 30 days of them would be some 650 MiB of files.
 */
export const DEFAULT_RETENTION: RetentionPolicy = { hourlyForDays: 7, dailyForDays: 365 };

/** The policy, or an error whose message names each bad field. */
export function parseRetentionPolicy(input: unknown): RetentionPolicy {
  const parsed = RetentionPolicySchema.safeParse(input ?? DEFAULT_RETENTION);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "policy"}: ${issue.message}`).join("; ");
    throw new Error(`invalid retention policy: ${problems}`);
  }
  return parsed.data;
}

/** Start of the UTC day that holds `at`. */
export function utcDayStart(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

/** Archives older than this may be deleted at all; younger ones are all kept. */
export function hourlyCutoff(policy: RetentionPolicy, now: number): number {
  return now - policy.hourlyForDays * DAY_MS;
}

export type RetentionFacts = {
  snapshot_at: number;
  /** A change point: for a bundle, its durable digest differs from the previous bundle's; for a legacy row, its body from the previous archive of the same request key. */
  changed: boolean;
  /** No archive is newer (no bundle; for a legacy row, no archive of the same request key). */
  isNewestOfKey: boolean;
  /** No archive (of the same request key, for a legacy row) is earlier on the same UTC day. */
  isFirstOfDay: boolean;
};

/**
 * @example retentionVerdict({ snapshot_at, changed: false, isNewestOfKey: false, isFirstOfDay: true }, DEFAULT_RETENTION, now)
 * // → "daily" when 7 < age ≤ 365 days
 */
export function retentionVerdict(row: RetentionFacts, policy: RetentionPolicy, now: number): "newest" | "hourly" | "change" | "daily" | "delete" {
  const age = now - row.snapshot_at;
  if (row.isNewestOfKey) return "newest";
  if (age <= policy.hourlyForDays * DAY_MS) return "hourly";
  if (age <= policy.dailyForDays * DAY_MS) {
    if (row.changed) return "change";
    if (row.isFirstOfDay) return "daily";
  }
  return "delete";
}
