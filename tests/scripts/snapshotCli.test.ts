// @vitest-environment node
/**
 * `npm run snapshot` as a new user meets it: the command is spawned (`node --import tsx`, and once
 * through `npm run -s`), and only its exit status, stdout and stderr are read. Full runs serve a
 * small recording cut from the 2026 golden one; their expected figures are counted from that raw
 * recording (tests/support/recording.ts), never taken from the command.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cloneRecording, countRaw, countRawIssues, GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "snapshot-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Outcome = { code: number | null; stdout: string; stderr: string };

/** Runs `command args` in the repository, with npm's run-script variables removed unless given. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const snapshot = (args: string[], env?: Record<string, string>) => run(process.execPath, ["--import", "tsx", "scripts/snapshot.ts", ...args], env);

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

/** The non-empty lines of a stream. */
const lines = (text: string) => text.split("\n").filter((line) => line !== "");

describe("help", () => {
  it.each([["--help"], ["-h"]])("%s prints usage with examples and exits 0", async (flag) => {
    const { code, stdout, stderr } = await snapshot([flag]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^Usage: npm run snapshot -- \[options\]/);
    for (const option of ["--recording", "--live", "--paths", "--output", "--maxConcurrency", "--faults", "--json", "--metrics", "--help"])
      expect(stdout).toContain(option);
    expect(stdout).toContain("Examples:");
    expect(stdout).toContain("npm run -s snapshot -- --json");
    expect(stdout).toMatch(/Exit status: 0 when every run is ok[^]*, 1 when a run failed or is unhealthy,[^]*2 for a bad argument or recording/);
  });
});

describe("argument errors: one line naming the argument and what it allows, exit 2", () => {
  it.each([
    { kind: "unknown option", args: ["--bogus"], names: ["--bogus", "--recording <file>", "--maxConcurrency <n>"] },
    { kind: "unknown short option", args: ["-x"], names: ["-x", "--help"] },
    { kind: "stray word", args: ["abc"], names: ['"abc"', "options only"] },
    { kind: "zero", args: ["--maxConcurrency", "0"], names: ["--maxConcurrency", "from 1 to 64", '"0"'] },
    { kind: "not a number", args: ["--maxConcurrency", "abc"], names: ["--maxConcurrency", "from 1 to 64", '"abc"'] },
    { kind: "empty value", args: ["--maxConcurrency", ""], names: ["--maxConcurrency", "from 1 to 64", '""'] },
    { kind: "missing value", args: ["--recording"], names: ["--recording <file>", "needs a value"] },
    { kind: "value of a flag", args: ["--json=yes"], names: ["--json", "takes no value"] },
    { kind: "unknown output", args: ["--output", "disk"], names: ["--output", "convex, dry-run, both", '"disk"'] },
    { kind: "bad fault spec", args: ["--faults", "bogus@*"], names: ["--faults", '"bogus@*"'] },
  ])("$kind: $args", async ({ args, names }) => {
    const { code, stdout, stderr } = await snapshot(args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/^npm run snapshot: /);
    for (const name of names) expect(stderr).toContain(name);
    expect(stderr).not.toMatch(/NaN|\n\s+at /);
  });

  it("an option npm kept for itself (written before --) is named, with the way to pass it", async () => {
    const { code, stderr } = await snapshot([], { npm_lifecycle_event: "snapshot", npm_config_json: "true" });
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual(["npm run snapshot: npm took --json for itself: put the command's options after --, as in npm run snapshot -- --json"]);
  });
});

describe("a recording is checked when loaded: one line naming the file and what is wrong, exit 2", () => {
  const EXPECTED_KEYS = ['"/api/frontend/v1/catalog/models" (v1)', '"/api/frontend/models" (legacy-2025)'];
  it.each([
    { kind: "JSON null", body: "null", says: ["is JSON null", ...EXPECTED_KEYS] },
    { kind: "an array", body: "[]", says: ["is a JSON array", ...EXPECTED_KEYS] },
    {
      kind: "no models key",
      body: { "/api/frontend/v1/stats/endpoint?permaslug=a&variant=standard": { data: [] } },
      says: ["has no models-list key", "/api/frontend/v1/stats/endpoint", ...EXPECTED_KEYS],
    },
    { kind: "not JSON", body: "{", says: ["is not JSON"] },
  ])("$kind", async ({ kind, body, says }) => {
    const path = writeJson(`${kind.replaceAll(" ", "-")}.json`, body);
    // A good recording first: the bad one is found before any run starts.
    const { code, stdout, stderr } = await snapshot(["--recording", GOLDEN_2026_PATHS.base, "--recording", path]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain(`npm run snapshot: recording ${path}: `);
    for (const text of says) expect(stderr).toContain(text);
  });

  it("a missing file", async () => {
    const path = join(dir, "absent.json");
    const { code, stderr } = await snapshot(["--recording", path]);
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([`npm run snapshot: recording ${path}: no such file`]);
  });
});

// A small recording: the first 40 models entries of the 2026 base and their endpoint lists, with
// one endpoint record made invalid (no pricing), and a second list to fault.
const base = loadRecording(GOLDEN_2026_PATHS.base);
const small = cloneRecording({ [modelsKeyOf(base)]: { ...base[modelsKeyOf(base)], data: base[modelsKeyOf(base)].data.slice(0, 40) } });
for (const key of countRaw(small).variantKeys) if (key in base) small[key] = cloneRecording(base[key]);
const listed = [...countRaw(small).variantKeys].filter((key) => small[key]?.data.length > 0);
const [invalidList, faultedList] = listed;
delete small[invalidList].data[0].pricing;
const smallPath = writeJson("small.json", small);
const raw = countRaw(small);

describe("runs", () => {
  it("the report labels validation issues and failed fetches apart, shows the run id, formats bytes and durations, and prints metrics only when asked", async () => {
    expect(countRawIssues(small)).toBe(1);
    expect(raw.variantFetches).toBeGreaterThanOrEqual(10); // one failed list stays within the 10% health limit
    const { code, stdout, stderr } = await snapshot(["--recording", smallPath, "--faults", `500@${faultedList}`, "--metrics"]);
    expect(stderr.split("\n").filter((line) => line !== "" && !line.startsWith("warning: "))).toEqual([]);
    expect(stderr).toContain(`warning: `);
    expect(code).toBe(0);
    const report = stdout.slice(stdout.indexOf("run 1 — "));
    expect(report).toMatch(new RegExp(`^run 1 — ${smallPath.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&")} — ok, healthy\n`));
    expect(report).toMatch(/\n {2}run id +\w+snapshot_runs\n/);
    expect(report).toMatch(/\n {2}snapshot hour +\d{4}-\d\d-\d\d \d\d:00 UTC\n/);
    expect(report).toMatch(/\n {2}took +\d+(\.\d)? (ms|s)\n/);
    expect(report).toContain(`\n  models              ${raw.models} seen: ${raw.models} new, `);
    expect(report).toContain("\n  validation issues   1 record failed validation\n");
    expect(report).toContain("\n  failed fetches      1 endpoint list could not be fetched\n");
    expect(report).toMatch(/\n {2}change rows +\d+ written \(or_changes\), in \d+ entity-table mutations?\n/);
    expect(report).toMatch(/\n {2}archive now +1 bundle holding \d+ responses: \d+(\.\d+)? (B|KiB|MiB) in file storage\n/);
    expect(report).toMatch(/\n {2}metrics +\{"errors":/);
    // The module's own summary line repeats the report: it is not printed.
    expect(stdout).not.toMatch(/^snapshot \S+ ok/m);
    expect(stdout).not.toContain("[convex log]");
  });

  it("a failed run exits 1, and says so on stderr", async () => {
    const { code, stdout, stderr } = await snapshot(["--recording", smallPath, "--faults", "500@*"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^run 1 — .* — failed\n/);
    expect(stdout).toMatch(/\n {2}error +\/api\/frontend\/v1\/catalog\/models: HTTP 500 after 3 attempt\(s\)\n/);
    expect(lines(stderr).at(-1)).toBe("npm run snapshot: not ok: run 1 failed (exit status 1)");
    expect(
      lines(stderr)
        .slice(0, -1)
        .every((line) => line.startsWith("warning: ")),
    ).toBe(true);
  });

  it("--json through npm run -s prints nothing but JSON lines on stdout; an unhealthy run exits 1", async () => {
    // Every endpoint list fails: the run finishes, unhealthy.
    const faults = [...raw.variantKeys].map((key) => `500@${key}`).join(",");
    const { code, stdout, stderr } = await run("npm", ["run", "-s", "snapshot", "--", "--json", "--recording", smallPath, "--faults", faults]);
    expect(code).toBe(1);
    const parsed = lines(stdout).map((line) => JSON.parse(line));
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ run: 1, status: "ok", ok: false, failed_fetches: raw.variantFetches, validation_issues: 0, recording: smallPath });
    expect(parsed[0].run_id).toMatch(/snapshot_runs$/);
    expect(parsed[0].health_reasons).toContainEqual(expect.stringMatching(/endpoint lists failed to fetch/));
    expect(parsed[0]).not.toHaveProperty("metrics");
    expect(lines(stderr).at(-1)).toBe("npm run snapshot: not ok: run 1 is unhealthy (exit status 1)");
  });
});
