/**
 * The archive retention policy: plain data, validated, and the rule that applies it to one row.
 *
 * Owns: which archives compaction keeps. Defaults: every archive for 30 days, then one per UTC
 * day (the first of the day) for 365 days, then none. On top of the tiers, the newest archive of
 * each request key is always kept, and every change point (an archive whose body differs from the
 * one before it for the same request) is kept for the whole daily horizon. Pure: the facts that
 * need the database (is it the newest of its key? the first of its day?) are passed in.
 */
import { z } from "zod";

const DAY_MS = 86_400_000;

export const RetentionPolicySchema = z
  .object({
    /**
     * Keep every archive younger than this many days. At least 1: the archiver reuses blobs
     * referenced within the last day, which must not be deleted under it.
     */
    hourlyForDays: z.number().int().min(1),
    /** Keep one archive per day, and every change point, younger than this many days. */
    dailyForDays: z.number().int().nonnegative(),
  })
  .strict()
  .refine((policy) => policy.dailyForDays >= policy.hourlyForDays, {
    message: "dailyForDays must be at least hourlyForDays",
    path: ["dailyForDays"],
  });

export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;

export const DEFAULT_RETENTION: RetentionPolicy = { hourlyForDays: 30, dailyForDays: 365 };

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
  /** The body differs from the previous archive of the same request key. */
  changed: boolean;
  /** No archive of the same request key is newer. */
  isNewestOfKey: boolean;
  /** No archive of the same request key is earlier on the same UTC day. */
  isFirstOfDay: boolean;
};

/**
 * @example retentionVerdict({ snapshot_at, changed: false, isNewestOfKey: false, isFirstOfDay: true }, DEFAULT_RETENTION, now)
 * // → "daily" when 30 < age ≤ 365 days
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
