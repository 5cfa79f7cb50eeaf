/** The arguments of `npm run snapshot`, parsed in-process: the checks the spawned tests leave out, and the limits tied to the module's. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONCURRENCY, DEFAULT_RECORDING, MAX_CONCURRENCY, parseSnapshotArgs, UsageError } from "../../../scripts/lib/snapshotArgs";
import { DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY_LIMIT } from "../../../convex/lib/runSnapshot";

describe("parseSnapshotArgs", () => {
  it("states the module's own concurrency limits", () => {
    expect(MAX_CONCURRENCY).toBe(MAX_CONCURRENCY_LIMIT);
    expect(DEFAULT_CONCURRENCY).toBe(DEFAULT_MAX_CONCURRENCY);
  });

  it("defaults to one run of the golden recording, written to the tables", () => {
    expect(parseSnapshotArgs([])).toEqual({ help: false, recordings: [DEFAULT_RECORDING], live: false, output: "convex", faultOptions: {}, json: false, metrics: false });
  });

  it("reads every option", () => {
    const parsed = parseSnapshotArgs([
      "--recording",
      "a.json",
      "--recording=b.json",
      "--output",
      "both",
      "--maxConcurrency",
      "16",
      "--faults",
      "500@*",
      "--json",
      "--metrics",
    ]);
    expect(parsed).toMatchObject({ recordings: ["a.json", "b.json"], output: "both", maxConcurrency: 16, faults: "500@*", json: true, metrics: true });
    expect(parsed.faultOptions.faults).toEqual([{ key: "*", fault: { kind: "status", status: 500 } }]);
    expect(parseSnapshotArgs(["--live", "--paths", "legacy-2025"])).toMatchObject({ live: true, paths: "legacy-2025", recordings: [] });
  });

  it("lets help win over a mistake beside it", () => {
    expect(parseSnapshotArgs(["--bogus", "-h"]).help).toBe(true);
  });

  it.each([
    [["--paths", "v9", "--live"], '--paths must be one of v1, legacy-2025, got "v9"'],
    [["--paths", "v1"], "--paths applies only with --live"],
    [["--live", "--recording", "a.json"], "--live and --recording exclude each other"],
    [["--live", "--faults", "500@*"], "--faults applies only to the loopback server"],
    [["--faults", ""], "--faults needs a spec"],
    [["--recording", ""], '--recording <file> needs a file name, got ""'],
    [["--recording", "--json"], "--recording <file> needs a value"],
    [["--maxConcurrency", "65"], '--maxConcurrency must be an integer from 1 to 64, got "65"'],
    [["--maxConcurrency", "1.5"], '--maxConcurrency must be an integer from 1 to 64, got "1.5"'],
    [["--maxConcurrency", "-1"], '--maxConcurrency must be an integer from 1 to 64, got "-1"'],
  ])("%j: %s", (argv, message) => {
    expect(() => parseSnapshotArgs(argv)).toThrow(UsageError);
    expect(() => parseSnapshotArgs(argv)).toThrow(message);
  });

  it("names an option npm kept for itself, but not one also given after --", () => {
    expect(() => parseSnapshotArgs(["x.json"], { npm_config_recording: "true" })).toThrow("npm took --recording for itself");
    expect(parseSnapshotArgs(["--json"], { npm_config_json: "true" }).json).toBe(true);
  });
});
