/**
 * `npm run faults`: the fault matrix on the embedded Convex runtime. For each fault, a fresh
 * backend takes a clean snapshot of the 2026-shaped golden recording, then one more with the fault injected
 * by the loopback fake OpenRouter; the table shows the expected and observed outcome, the stored
 * rows the faulted run lost or changed (must be 0), and the run's status. Exits 1 on any mismatch.
 *
 *   npm run faults               # the whole matrix, as a Markdown table; also written to docs/fault-matrix.md
 *   npm run faults -- --only 429 # the cases whose name contains "429" (docs/fault-matrix.md untouched)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startFakeOpenRouter } from "../tests/support/fakeOpenRouter";
import { FAULT_CASES, faultCasePassed, faultTable, loadFaultBaseline, runFaultCase, type FaultResult } from "../tests/support/faultMatrix";
import type { RawRecording } from "../tests/support/recording";
import { createEmbeddedConvex } from "./lib/embeddedConvex";

const { values } = parseArgs({ options: { only: { type: "string" } } });
const cases = FAULT_CASES.filter((fault) => !values.only || fault.name.includes(values.only));
if (cases.length === 0) {
  console.error(`npm run faults: no case matches --only ${JSON.stringify(values.only)}`);
  process.exit(2);
}

const golden = loadFaultBaseline();
const recordingRef: { current: RawRecording } = { current: golden };
const server = await startFakeOpenRouter({ recording: () => recordingRef.current });
process.env.OPENROUTER_BASE_URL = server.url;
// The runs' own Convex log lines would bury the table.
const quiet = () => undefined;
const { log, warn } = console;
console.log = quiet;
console.warn = quiet;

const results: FaultResult[] = [];
try {
  for (const fault of cases) {
    results.push(await runFaultCase(createEmbeddedConvex(), server, recordingRef, golden, fault));
    process.stderr.write(".");
  }
} finally {
  console.log = log;
  console.warn = warn;
  await server.close();
}
process.stderr.write("\n");
console.log(faultTable(results));

const mismatches = results.filter((result) => !faultCasePassed(result));
const verdict = `${results.length - mismatches.length} passed, ${mismatches.length} failed`;
console.log(`\n${verdict}`);
if (!values.only) {
  const docs = fileURLToPath(new URL("../docs/", import.meta.url));
  mkdirSync(docs, { recursive: true });
  writeFileSync(
    `${docs}fault-matrix.md`,
    [
      "# The fault matrix",
      "",
      "Written by `npm run faults` (scripts/faults.ts); the same rows run as tests in tests/convex/faultMatrix.test.ts.",
      "Each row: a fresh embedded backend takes a clean snapshot of tests/golden/recording-2026-base.json, then one",
      "more with the fault injected by the loopback fake OpenRouter (tests/support/fakeOpenRouter.ts).",
      "",
      "- **expected / observed outcome**: run status; validation issues recorded; endpoint lists that failed;",
      "  requests retried (counted by the fake server); entity rows added, updated (content changed) and newly",
      "  marked unavailable, and drift-ledger fields new, all read off the tables before and after the run.",
      "- **rows lost**: stored rows the faulted run deleted, or changed or marked unavailable beyond what the",
      "  row expects: each would be data lost or corrupted, so it must be 0.",
      "- **run status**: as recorded in `snapshot_runs`, with the health reason when not ok.",
      "",
      faultTable(results),
      "",
      verdict,
      "",
    ].join("\n"),
  );
}
process.exit(mismatches.length === 0 ? 0 : 1);
