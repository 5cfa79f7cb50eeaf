// @vitest-environment node
/** The retention policy as data: validation, defaults, and the verdict on hand-made rows. */
import { describe, expect, it } from "vitest";
import { DEFAULT_RETENTION, parseRetentionPolicy, retentionVerdict, utcDayStart } from "../../src/archive/retention";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const row = (ageDays: number, over: Partial<{ changed: boolean; isNewestOfKey: boolean; isFirstOfDay: boolean }> = {}) => ({
  snapshot_at: NOW - ageDays * DAY,
  changed: false,
  isNewestOfKey: false,
  isFirstOfDay: false,
  ...over,
});

describe("retention policy", () => {
  it("defaults to 7 days of every hour (raw telemetry and all) and 365 days daily, and is plain JSON", () => {
    expect(parseRetentionPolicy(undefined)).toEqual({ hourlyForDays: 7, dailyForDays: 365 });
    expect(JSON.parse(JSON.stringify(DEFAULT_RETENTION))).toEqual(DEFAULT_RETENTION);
  });
  it("takes the telemetry retention as telemetryForDays or by its older name hourlyForDays, not both at odds", () => {
    expect(parseRetentionPolicy({ telemetryForDays: 3, dailyForDays: 90 })).toEqual({ hourlyForDays: 3, dailyForDays: 90 });
    expect(parseRetentionPolicy({ hourlyForDays: 30, dailyForDays: 365 })).toEqual({ hourlyForDays: 30, dailyForDays: 365 });
    expect(parseRetentionPolicy({ telemetryForDays: 3, hourlyForDays: 3, dailyForDays: 90 })).toEqual({ hourlyForDays: 3, dailyForDays: 90 });
    expect(() => parseRetentionPolicy({ telemetryForDays: 3, hourlyForDays: 4, dailyForDays: 90 })).toThrow(/name the same setting/);
    expect(() => parseRetentionPolicy({ dailyForDays: 90 })).toThrow(/telemetryForDays .* is required/);
    expect(() => parseRetentionPolicy({ telemetryForDays: 0, dailyForDays: 90 })).toThrow(/telemetryForDays/);
  });
  it("rejects a bad policy, naming what is wrong", () => {
    expect(() => parseRetentionPolicy({ hourlyForDays: 1.5, dailyForDays: 365 })).toThrow(/hourlyForDays/);
    expect(() => parseRetentionPolicy({ hourlyForDays: 0, dailyForDays: 365 })).toThrow(/hourlyForDays/);
    expect(() => parseRetentionPolicy({ hourlyForDays: 30 })).toThrow(/dailyForDays/);
    expect(() => parseRetentionPolicy({ hourlyForDays: 30, dailyForDays: 10 })).toThrow(/dailyForDays must be at least telemetryForDays/);
    expect(() => parseRetentionPolicy("weekly")).toThrow(/invalid retention policy/);
  });
  it("keeps every archive in the hourly tier, one a day and change points in the daily tier, only the newest beyond", () => {
    expect(retentionVerdict(row(6), DEFAULT_RETENTION, NOW)).toBe("hourly");
    expect(retentionVerdict(row(8), DEFAULT_RETENTION, NOW)).toBe("delete");
    expect(retentionVerdict(row(8, { isFirstOfDay: true }), DEFAULT_RETENTION, NOW)).toBe("daily");
    expect(retentionVerdict(row(364, { changed: true }), DEFAULT_RETENTION, NOW)).toBe("change");
    expect(retentionVerdict(row(366, { changed: true, isFirstOfDay: true }), DEFAULT_RETENTION, NOW)).toBe("delete");
    expect(retentionVerdict(row(900, { isNewestOfKey: true }), DEFAULT_RETENTION, NOW)).toBe("newest");
  });
  it("days are UTC days", () => {
    expect(utcDayStart(Date.UTC(2026, 4, 2, 23, 59))).toBe(Date.UTC(2026, 4, 2));
  });
});
