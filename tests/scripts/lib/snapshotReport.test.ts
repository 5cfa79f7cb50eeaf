/** Bytes, durations and hours as `npm run snapshot` writes them for people. */
import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatHour } from "../../../scripts/lib/snapshotReport";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.00 KiB"],
    [15_360, "15.0 KiB"],
    [970_832, "948 KiB"],
    [5 * 1024 * 1024, "5.00 MiB"],
    [3 * 1024 ** 3, "3.00 GiB"],
  ])("%d → %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [850, "850 ms"],
    [3_745, "3.7 s"],
    [42_400, "42 s"],
    [125_000, "2 min 5 s"],
  ])("%d ms → %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe("formatHour", () => {
  it("writes the hour in UTC", () => expect(formatHour(Date.UTC(2026, 0, 2, 13))).toBe("2026-01-02 13:00 UTC"));
});
