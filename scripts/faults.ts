/**
 * `npm run faults`: the fault matrix on the embedded Convex runtime. For each fault, a fresh
 * backend takes a clean snapshot of the golden recording, then one more with the fault injected
 * by the loopback fake OpenRouter; the table shows the expected and observed outcome, the stored
 * rows the faulted run lost or changed (must be 0), and the run's status. Exits 1 on any mismatch.
 *
 *   npm run faults               # the whole matrix, as a Markdown table
 *   npm run faults -- --only 429 # the cases whose name contains "429"
 */
import { parseArgs } from "node:util";
import { startFakeOpenRouter } from "../tests/support/fakeOpenRouter";
import { describeOutcome, FAULT_CASES, faultTable, runFaultCase, type FaultResult } from "../tests/support/faultMatrix";
import { loadGolden, type RawRecording } from "../tests/support/recording";
import { createEmbeddedConvex } from "./lib/embeddedConvex";

const { values } = parseArgs({ options: { only: { type: "string" } } });
const cases = FAULT_CASES.filter((fault) => !values.only || fault.name.includes(values.only));
if (cases.length === 0) {
  console.error(`npm run faults: no case matches --only ${JSON.stringify(values.only)}`);
  process.exit(2);
}

const golden = loadGolden();
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

const mismatches = results.filter((result) => describeOutcome(result.observed) !== describeOutcome(result.case.expected) || result.rows_lost !== 0);
console.log(`\n${results.length - mismatches.length} passed, ${mismatches.length} failed`);
process.exit(mismatches.length === 0 ? 0 : 1);
