/**
 * `npx tsx scripts/golden2026/build.ts`: the 2026-shaped golden recordings, generated.
 *
 * Owns: everything under scripts/golden2026/ and the files it writes in tests/golden/:
 * recording-2026-base.json, recording-2026-next-hour.json, recording-2026-next-day.json,
 * changes-2026-next-hour.json, changes-2026-next-day.json, and the counts table between the
 * `golden2026:counts` markers of tests/golden/README.md. Reads tests/golden/recording-2025-05-20.json
 * (the real May 2025 recording, never modified) and tests/golden/catalog-sample-2025-11.json (a
 * copy of the real November 2025 sample from shared/openrouter/).
 *
 * Must not touch: src/, convex/, the rest of tests/. This is a Node-only development tool: it uses
 * node:fs and node:crypto, runs under tsx, and is never shipped; nothing in src/ or convex/
 * imports it. It is deterministic: every choice comes from a seeded PRNG (rng.ts), no clock is
 * read, and two runs write byte-identical files (it prints their sha256).
 *
 * Before writing, it checks its own output independently (verify.ts): each recording's
 * invariants, that next-hour differs from base by noise only, and that next-day differs from base
 * by exactly the changes its manifest lists.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { applyNextDay, type Manifest } from "./nextDay";
import { addNovSample, checkSampleOrder } from "./novSample";
import { perturb, type NoiseReport } from "./perturb";
import { rngFor } from "./rng";
import { aliasEntries, multimodalModels, retiredEntries } from "./synthetic";
import type { Obj } from "./telemetry";
import { checkRecording, semanticDiff, type Counts, type Diff } from "./verify";
import { MODELS_PATH, renderRecording, worldFromMay } from "./world";

const GOLDEN = fileURLToPath(new URL("../../tests/golden/", import.meta.url));
const RETIRED_COUNT = 100;

function readJson(name: string): any {
  return JSON.parse(readFileSync(`${GOLDEN}${name}`, "utf8"));
}

function sameDiff(a: Diff, b: Pick<Manifest, "models" | "endpoints">): string[] {
  const problems: string[] = [];
  for (const group of ["models", "endpoints"] as const) {
    for (const kind of ["insert", "update", "unavailable"] as const) {
      const x = JSON.stringify([...a[group][kind]].sort());
      const y = JSON.stringify([...b[group][kind]].sort());
      if (x !== y) problems.push(`${group}.${kind}: found ${x}, manifest says ${y}`);
    }
  }
  return problems;
}

const emptyChanges = () => ({ insert: [] as string[], update: [] as string[], unavailable: [] as string[] });

// ---------------------------------------------------------------------------------------------
// Base

const may = readJson("recording-2025-05-20.json");
const sample = readJson("catalog-sample-2025-11.json");

const world = worldFromMay(may);
const novEntry = addNovSample(world, sample);
const multimodal = multimodalModels(world, may);
for (const [key, list] of multimodal.lists) world.lists.set(key, list);
const aliases = aliasEntries(world);
const retired = retiredEntries(world, RETIRED_COUNT);

const newest = [...multimodal.entries].sort((a, b) => (a.model.created_at < b.model.created_at ? 1 : -1));
const head = [...newest, ...aliases, novEntry];
const tail = [...world.entries];
for (const entry of retired) tail.splice(rngFor("retired-position", entry.model.slug).int(0, tail.length), 0, entry);
world.entries = [...head, ...tail];

const base = renderRecording(world, "base");
const baseCounts = checkRecording(base, "base");
checkSampleOrder(base, MODELS_PATH, sample);

// ---------------------------------------------------------------------------------------------
// Next hour: noise only.

const nextHour = renderRecording(world, "base");
const hourNoise = perturb(nextHour, world, "next-hour");
const hourCounts = checkRecording(nextHour, "next-hour");
const hourDiff = semanticDiff(base, nextHour);
const hourProblems = sameDiff(hourDiff, { models: emptyChanges(), endpoints: emptyChanges() });
if (hourProblems.length > 0) throw new Error(`next-hour changed durable facts:\n  ${hourProblems.join("\n  ")}`);

// ---------------------------------------------------------------------------------------------
// Next day: the plan's real changes, plus the same kind of noise.

const { world: dayWorld, manifest } = applyNextDay(world, may);
const nextDay = renderRecording(dayWorld, "base");
const dayNoise = perturb(nextDay, dayWorld, "next-day");
const dayCounts = checkRecording(nextDay, "next-day");
const dayProblems = sameDiff(semanticDiff(base, nextDay), manifest);
if (dayProblems.length > 0) throw new Error(`next-day differs from its manifest:\n  ${dayProblems.join("\n  ")}`);

// ---------------------------------------------------------------------------------------------
// Write.

function changesFile(changes: Pick<Manifest, "models" | "endpoints">, notes: Manifest["notes"], noise: NoiseReport, about: string): Obj {
  return {
    about,
    endpoint_key: "permaslug|variant|endpoint_id, with the endpoint-list request's permaslug and variant",
    models: changes.models,
    endpoints: changes.endpoints,
    notes,
    perturbations: noise,
  };
}

const outputs: [string, string][] = [
  ["recording-2026-base.json", JSON.stringify(base)],
  ["recording-2026-next-hour.json", JSON.stringify(nextHour)],
  ["recording-2026-next-day.json", JSON.stringify(nextDay)],
  [
    "changes-2026-next-hour.json",
    `${JSON.stringify(
      changesFile(
        { models: emptyChanges(), endpoints: emptyChanges() },
        [],
        hourNoise,
        "recording-2026-next-hour.json vs recording-2026-base.json: no durable change; only the perturbations counted below (telemetry, status, spellings, order).",
      ),
      null,
      2,
    )}\n`,
  ],
  [
    "changes-2026-next-day.json",
    `${JSON.stringify(
      changesFile(
        manifest,
        manifest.notes,
        dayNoise,
        "recording-2026-next-day.json vs recording-2026-base.json: exactly these durable changes, plus the perturbations counted below (which change nothing durable).",
      ),
      null,
      2,
    )}\n`,
  ],
];

function countsTable(rows: [string, Counts][]): string {
  const columns: [keyof Counts, string][] = [
    ["entries", "catalogue entries"],
    ["slugs", "distinct slugs"],
    ["aliases", "aliases"],
    ["retired_entries", "entries with `endpoint: null`"],
    ["variants_with_lists", "variants with a list"],
    ["endpoint_records", "endpoint records"],
    ["distinct_endpoint_ids", "distinct endpoint ids"],
    ["max_depth", "max nesting (from a record)"],
  ];
  const sizes = new Map(outputs.map(([name, text]) => [name, Buffer.byteLength(text)]));
  const header = `| file | ${columns.map(([, title]) => title).join(" | ")} | bytes |`;
  const rule = `| --- | ${columns.map(() => "---:").join(" | ")} | ---: |`;
  const body = rows.map(([name, counts]) => `| \`${name}\` | ${columns.map(([key]) => counts[key]).join(" | ")} | ${sizes.get(name)} |`);
  return [header, rule, ...body].join("\n");
}

const table = countsTable([
  ["recording-2026-base.json", baseCounts],
  ["recording-2026-next-hour.json", hourCounts],
  ["recording-2026-next-day.json", dayCounts],
]);

for (const [name, text] of outputs) writeFileSync(`${GOLDEN}${name}`, text);

const readmePath = `${GOLDEN}README.md`;
const START = "<!-- golden2026:counts -->";
const END = "<!-- /golden2026:counts -->";
if (existsSync(readmePath)) {
  const readme = readFileSync(readmePath, "utf8");
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from === -1 || to === -1) throw new Error(`${readmePath}: no ${START} … ${END} markers`);
  writeFileSync(readmePath, `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`);
}

console.log(table);
for (const [name, text] of outputs) console.log(`${createHash("sha256").update(text).digest("hex")}  ${name}  (${Buffer.byteLength(text)} bytes)`);
console.log(`next-hour perturbations: ${JSON.stringify(hourNoise)}`);
console.log(`next-day changes: ${JSON.stringify({ models: manifest.models, endpoints: manifest.endpoints })}`);
