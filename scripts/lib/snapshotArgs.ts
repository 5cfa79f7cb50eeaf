/**
 * The arguments of `npm run snapshot`: the usage text, and parsing that turns every mistake into
 * one line naming the argument and what it allows (a `UsageError`, exit status 2).
 *
 * Owns: the option table and its checks. Runs nothing and imports nothing heavy, so `--help` and a
 * bad argument answer before the embedded runtime loads.
 *
 * @example
 * const parsed = parseSnapshotArgs(process.argv.slice(2)); // throws UsageError on a bad argument
 * if (parsed.help) process.stdout.write(SNAPSHOT_USAGE);
 */
import { parseArgs } from "node:util";
import { DEFAULT_UPSTREAM_PATHS, UPSTREAM_PATH_NAMES, type UpstreamPaths } from "../../src/sources/requestKey";
import { parseFaultSpec, type FakeOpenRouterOptions } from "../../tests/support/fakeOpenRouter";

export const DEFAULT_RECORDING = "tests/golden/recording-2026-base.json";
export const OUTPUTS = ["convex", "dry-run", "both"] as const;
export type Output = (typeof OUTPUTS)[number];
/** convex/lib/runSnapshot's MAX_CONCURRENCY_LIMIT and DEFAULT_MAX_CONCURRENCY, kept here so help loads fast (a test ties them). */
export const MAX_CONCURRENCY = 64;
export const DEFAULT_CONCURRENCY = 8;

/** A bad argument: its message is the one line the command prints, and the exit status is 2. */
export class UsageError extends Error {}

export type SnapshotArgs = {
  help: boolean;
  /** Recording files, one run each in order; empty with `live`. */
  recordings: string[];
  live: boolean;
  paths?: UpstreamPaths;
  output: Output;
  maxConcurrency?: number;
  faults?: string;
  faultOptions: Pick<FakeOpenRouterOptions, "faults" | "random">;
  json: boolean;
  metrics: boolean;
};

const OPTIONS = {
  recording: { type: "string", multiple: true },
  live: { type: "boolean" },
  paths: { type: "string" },
  output: { type: "string" },
  maxConcurrency: { type: "string" },
  faults: { type: "string" },
  json: { type: "boolean" },
  metrics: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** How each option is written in messages. */
const SPELLED: Record<keyof typeof OPTIONS, string> = {
  recording: "--recording <file>",
  live: "--live",
  paths: "--paths <family>",
  output: "--output <mode>",
  maxConcurrency: "--maxConcurrency <n>",
  faults: "--faults <spec>",
  json: "--json",
  metrics: "--metrics",
  help: "--help",
};
const ALL_OPTIONS = Object.values(SPELLED).join(", ");

export const SNAPSHOT_USAGE = `Usage: npm run snapshot -- [options]

Runs the snapshot job (snapshots_v2:runDemo) in an embedded Convex runtime, against a loopback
server that serves a recording of OpenRouter, and prints a report of each run. The runtime keeps
nothing after the command ends.

Options:
  --recording <file>    serve this recording; repeat it for one run per file, in order, as
                        successive hours (default: ${DEFAULT_RECORDING})
  --live                fetch from OpenRouter itself (or OPENROUTER_BASE_URL) instead of a recording
  --paths <family>      with --live, the upstream paths to ask for: ${UPSTREAM_PATH_NAMES.join(" or ")} (default ${DEFAULT_UPSTREAM_PATHS})
  --output <mode>       convex (default): write the tables; dry-run: show what would be written,
                        write nothing; both
  --maxConcurrency <n>  endpoint lists fetched at once, an integer from 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --faults <spec>       inject faults into the loopback server, e.g. "500@*", "reset@**3" or
                        "random:seed=7,rate=0.1" (grammar: tests/support/fakeOpenRouter.ts); a seed
                        faults the same requests at any concurrency; fetches retry quickly (3 attempts)
  --json                print one JSON line per run on stdout and nothing else there
  --metrics             add each run's raw metrics (snapshot_runs.metrics) to the report
  -h, --help            print this help

Examples:
  npm run snapshot
  npm run snapshot -- --recording tests/golden/recording-2026-base.json --recording tests/golden/recording-2026-next-hour.json
  npm run snapshot -- --recording tests/golden/recording-2025-05-20.json
  npm run snapshot -- --output dry-run
  npm run snapshot -- --faults "random:seed=7,rate=0.2" --maxConcurrency 16
  npm run -s snapshot -- --json | jq .health      (-s keeps npm's "> openrouter-snapshots@…" banner off stdout)

Exit status: 0 when every run is ok (finished and healthy), 1 when a run failed or is unhealthy,
2 for a bad argument or recording.
`;

/**
 * Parses the command's arguments (without `node` and the script). `npmConfig` is the environment's
 * `npm_config_*` values under `npm run snapshot`, where npm keeps for itself an option written
 * before `--`.
 */
export function parseSnapshotArgs(argv: readonly string[], npmConfig: Record<string, string | undefined> = {}): SnapshotArgs {
  for (const name of Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]) {
    if (name !== "help" && npmConfig[`npm_config_${name.toLowerCase()}`] !== undefined && !argv.some((arg) => arg.startsWith(`--${name}`))) {
      throw new UsageError(`npm took --${name} for itself: put the command's options after --, as in npm run snapshot -- ${SPELLED[name]}`);
    }
  }
  // Not strict: each mistake is found below and named in one line, not a Node error with a stack.
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  // Help wins over any mistake beside it.
  if (tokens.some((token) => token.kind === "option" && token.name === "help")) return { ...defaults(), help: true };
  const values: Record<string, string | string[] | boolean> = {};
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      throw new UsageError(`unexpected argument ${JSON.stringify(token.value)}: this command takes options only (${ALL_OPTIONS}); see --help`);
    }
    const name = token.name as keyof typeof OPTIONS;
    if (!Object.prototype.hasOwnProperty.call(OPTIONS, name)) throw new UsageError(`unknown option ${token.rawName}; the options are ${ALL_OPTIONS}`);
    const option = OPTIONS[name];
    if (option.type === "boolean") {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value, got ${JSON.stringify(token.value)}`);
      values[name] = true;
      continue;
    }
    // `--recording --json` takes the next option for the value: a missing value, not a file named "--json".
    if (token.value === undefined || (!token.inlineValue && /^--?[a-zA-Z]/.test(token.value))) {
      throw new UsageError(`${SPELLED[name]} needs a value: ${allowed(name)}`);
    }
    if ("multiple" in option) values[name] = [...((values[name] as string[] | undefined) ?? []), token.value];
    else values[name] = token.value;
  }

  const live = values.live === true;
  const recordings = (values.recording as string[] | undefined) ?? [];
  for (const recording of recordings) if (recording.trim() === "") throw new UsageError(`--recording <file> needs a file name, got ""`);
  if (live && recordings.length > 0) throw new UsageError("--live and --recording exclude each other: --live fetches from OpenRouter, --recording serves a file");

  const paths = values.paths as string | undefined;
  if (paths !== undefined && !(UPSTREAM_PATH_NAMES as string[]).includes(paths)) {
    throw new UsageError(`--paths must be ${allowed("paths")}, got ${JSON.stringify(paths)}`);
  }
  if (paths !== undefined && !live) throw new UsageError("--paths applies only with --live: a recording is served under the paths its keys use");

  const output = (values.output as string | undefined) ?? "convex";
  if (!(OUTPUTS as readonly string[]).includes(output)) throw new UsageError(`--output must be ${allowed("output")}, got ${JSON.stringify(output)}`);

  const concurrencyText = values.maxConcurrency as string | undefined;
  let maxConcurrency: number | undefined;
  if (concurrencyText !== undefined) {
    maxConcurrency = /^\d+$/.test(concurrencyText.trim()) ? Number(concurrencyText.trim()) : Number.NaN;
    if (!(maxConcurrency >= 1 && maxConcurrency <= MAX_CONCURRENCY)) {
      throw new UsageError(`--maxConcurrency must be ${allowed("maxConcurrency")}, got ${JSON.stringify(concurrencyText)}`);
    }
  }

  const faults = values.faults as string | undefined;
  let faultOptions: SnapshotArgs["faultOptions"] = {};
  if (faults !== undefined) {
    if (live) throw new UsageError("--faults applies only to the loopback server, not --live");
    if (faults.trim() === "") throw new UsageError(`--faults needs a spec: ${allowed("faults")}`);
    try {
      faultOptions = parseFaultSpec(faults);
    } catch (error) {
      throw new UsageError(`--faults: ${error instanceof Error ? error.message : String(error)}; see tests/support/fakeOpenRouter.ts for the grammar`);
    }
  }

  return {
    help: false,
    recordings: live ? [] : recordings.length > 0 ? recordings : [DEFAULT_RECORDING],
    live,
    ...(paths !== undefined ? { paths: paths as UpstreamPaths } : {}),
    output: output as Output,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(faults !== undefined ? { faults } : {}),
    faultOptions,
    json: values.json === true,
    metrics: values.metrics === true,
  };
}

function defaults(): SnapshotArgs {
  return { help: false, recordings: [DEFAULT_RECORDING], live: false, output: "convex", faultOptions: {}, json: false, metrics: false };
}

/** What an option's value may be, for messages. */
function allowed(name: keyof typeof OPTIONS): string {
  switch (name) {
    case "recording":
      return "a recording file (JSON)";
    case "paths":
      return `one of ${UPSTREAM_PATH_NAMES.join(", ")}`;
    case "output":
      return `one of ${OUTPUTS.join(", ")}`;
    case "maxConcurrency":
      return `an integer from 1 to ${MAX_CONCURRENCY}`;
    case "faults":
      return `a fault spec such as "500@*", "reset@**3" or "random:seed=7,rate=0.1"`;
    default:
      return "no value";
  }
}
