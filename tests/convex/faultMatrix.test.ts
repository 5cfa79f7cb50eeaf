/**
 * Every row of the fault matrix (tests/support/faultMatrix.ts) as a test: the observed outcome
 * must be the expected one, with 0 rows lost. `npm run faults` prints the same matrix.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenRouter, type FakeOpenRouter } from "../support/fakeOpenRouter";
import { FAULT_CASES, loadFaultBaseline, runFaultCase } from "../support/faultMatrix";
import type { RawRecording } from "../support/recording";
import { setupTest } from "./setup";

const baseline = loadFaultBaseline();
const recordingRef: { current: RawRecording } = { current: baseline };
let server: FakeOpenRouter;

beforeAll(async () => {
  server = await startFakeOpenRouter({ recording: () => recordingRef.current });
  process.env.OPENROUTER_BASE_URL = server.url;
});
afterAll(async () => {
  delete process.env.OPENROUTER_BASE_URL;
  await server.close();
});

describe("fault matrix", () => {
  it.each(FAULT_CASES.map((fault) => [fault.name, fault] as const))("%s", async (_name, fault) => {
    const result = await runFaultCase(setupTest(), server, recordingRef, baseline, fault);
    expect(result.observed).toEqual(fault.expected);
    expect(result.rows_lost).toBe(0);
    if (fault.healthIncludes) expect(result.report.health).toContain(fault.healthIncludes);
  });
});
