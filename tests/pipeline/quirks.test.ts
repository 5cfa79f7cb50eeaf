// @vitest-environment node
/**
 * Quirks of the real recording that break naive keys and naive equality, found by test.
 */
import { describe, expect, it } from "vitest";
import { createSources } from "../../src/sources/createSources";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard } from "../../src/pipeline/standard";
import { DryRunWriter } from "../../src/outputs/dryRunWriter";
import { MemoryState, MemoryStateWriter } from "../../src/outputs/memoryState";
import { endpointKey } from "../../src/openrouter/schemas";
import { cloneRecording, countRaw, loadGolden, MODELS_KEY, type RawRecording } from "../support/recording";

async function run(recording: RawRecording, state: MemoryState) {
  const sources = createSources({ sources: "fixtures", recording });
  const dry = new DryRunWriter({ state, log: () => {} });
  const ctx = createProcessContext({ config: { run_id: "q", snapshot_at: 0, maxConcurrency: 4 }, sources, outputs: [dry, new MemoryStateWriter(state)] });
  await standard(ctx);
  await ctx.outputs.finish();
  return dry;
}

describe("quirks of the real recording", () => {
  const golden = loadGolden();

  it("an endpoint id alone is not a key: the same id is listed under several variants", async () => {
    const ids = new Map<string, number>();
    for (const key of countRaw(golden).variantKeys) for (const record of golden[key].data) ids.set(record.id, (ids.get(record.id) ?? 0) + 1);
    const shared = [...ids.values()].filter((n) => n > 1).length;
    expect(shared).toBeGreaterThan(0);

    const state = new MemoryState();
    await run(golden, state);
    // One row per upstream record: keyed by (permaslug, variant, id), none collide.
    expect(state.endpoints.size).toBe(countRaw(golden).endpoints);
    for (const [key, row] of state.endpoints) expect(endpointKey(row.value)).toBe(key);
  });

  it("a slug is not a models-list entry: variants share slugs with differing names and context lengths", () => {
    const entries: any[] = golden[MODELS_KEY].data;
    const bySlug = new Map<string, any[]>();
    for (const entry of entries) bySlug.set(entry.slug, [...(bySlug.get(entry.slug) ?? []), entry]);
    const conflicting = [...bySlug.values()].filter((group) => group.length > 1 && new Set(group.map((e) => e.name)).size > 1);
    expect(conflicting.length).toBeGreaterThan(0);
  });

  it("upstream order does not change the outcome: a reordered catalogue is all stable", async () => {
    const state = new MemoryState();
    await run(golden, state);
    const reordered = cloneRecording(golden);
    reordered[MODELS_KEY].data.reverse();
    for (const key of Object.keys(reordered)) if (key !== MODELS_KEY) reordered[key].data.reverse();
    // Re-serialised with a different key order inside each record.
    reordered[MODELS_KEY].data = reordered[MODELS_KEY].data.map((entry: any) => Object.fromEntries(Object.entries(entry).reverse()));
    const dry = await run(reordered, state);
    expect(dry.counts.insert + dry.counts.update + dry.counts.unavailable).toBe(0);
  });

  it("volatile per-hour stats do not count as a change", async () => {
    const state = new MemoryState();
    await run(golden, state);
    const nextHour = cloneRecording(golden);
    let touched = 0;
    for (const key of Object.keys(nextHour)) {
      if (key === MODELS_KEY) continue;
      for (const record of nextHour[key].data) {
        if (record.stats) {
          record.stats.p50_latency += 17;
          touched++;
        }
      }
    }
    expect(touched).toBeGreaterThan(0);
    const dry = await run(nextHour, state);
    expect(dry.counts.update).toBe(0);
  });
});
