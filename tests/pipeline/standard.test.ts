// @vitest-environment node
/**
 * The standard pipeline over the real golden recording, and over hand-edited copies of it.
 * Expected figures are counted from the raw recording by tests/support/recording.ts.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { createSources, type Sources } from "../../src/sources/createSources";
import { createRecordingTransport, TransportError, type Transport } from "../../src/sources/transport";
import { requestKey as requestKeyOf } from "../../src/sources/requestKey";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard } from "../../src/pipeline/standard";
import { createMemoryMetricsSink, type PipelineResult } from "../../src/pipeline/types";
import { DryRunWriter } from "../../src/outputs/dryRunWriter";
import { MemoryState, MemoryStateWriter } from "../../src/outputs/memoryState";
import { cloneRecording, countRaw, countRawIssues, endpointsKey, fingerprint, GOLDEN_PATH, loadGolden, MODELS_KEY, soleListedEntry, type RawRecording } from "../support/recording";

/** Records every result, so tests can count what arrived. */
class CollectingWriter {
  readonly name = "collect";
  results: PipelineResult[] = [];
  async write(result: PipelineResult) {
    this.results.push(result);
  }
}

async function runOnce(recording: RawRecording, state: MemoryState, options: { maxConcurrency?: number; transport?: Transport } = {}) {
  const sources = options.transport
    ? createSources({ sources: "custom", transport: options.transport, paths: "legacy-2025" })
    : createSources({ sources: "fixtures", recording });
  const dry = new DryRunWriter({ state, log: () => {} });
  const collect = new CollectingWriter();
  const metrics = createMemoryMetricsSink();
  const ctx = createProcessContext({
    config: { run_id: "test", snapshot_at: 0, maxConcurrency: options.maxConcurrency ?? 8 },
    sources,
    outputs: [dry, collect, new MemoryStateWriter(state)],
    metrics,
  });
  await ctx.outputs.init();
  const counts = await standard(ctx);
  await ctx.outputs.finish();
  return { counts, dry, collect, issues: sources.validator.issues(), metrics };
}

describe("standard over the golden recording", () => {
  const golden = loadGolden();
  const raw = countRaw(golden);

  it("processes every model, variant and endpoint the raw recording holds", async () => {
    const requested: string[] = [];
    const inner = createRecordingTransport(golden);
    const counting: Transport = { name: "counting", get: (request) => (requested.push(JSON.stringify(request)), inner.get(request)) };
    const { counts, dry, collect, issues } = await runOnce(golden, new MemoryState(), { transport: counting });

    expect(counts.models).toBe(raw.models);
    expect(counts.variants).toBe(raw.variantFetches);
    expect(requested.length).toBe(1 + raw.variantFetches);
    expect(counts.endpoints).toBe(raw.endpoints);
    expect(collect.results.filter((r) => r.kind === "model")).toHaveLength(raw.models);
    expect(collect.results.filter((r) => r.kind === "endpoint")).toHaveLength(raw.endpoints);
    expect(issues).toHaveLength(countRawIssues(golden));
    expect(dry.perKind.model.insert).toBe(raw.models);
    expect(dry.perKind.endpoint.insert).toBe(raw.endpoints);
  });

  it("reads a recording by path, as createSources({ sources: 'fixtures', path }) documents", async () => {
    const sources = createSources({ sources: "fixtures", path: GOLDEN_PATH });
    expectTypeOf(sources).toEqualTypeOf<Sources>();
    expect(await sources.models()).toHaveLength(raw.entries);
  });

  it("gives only stable outcomes on a second run against the state the first produced", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);
    const second = await runOnce(golden, state);
    expect(second.dry.counts).toEqual({ insert: 0, update: 0, stable: raw.models + raw.endpoints, unavailable: 0 });
  });

  it("shows only hand-made changes: a price change, a new model and a new endpoint", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);

    const changed = cloneRecording(golden);
    const liquidKey = endpointsKey("liquid/lfm-7b", "standard");
    changed[liquidKey].data[0].pricing.prompt = "0.000123";
    const newModel = { ...structuredClone(changed[MODELS_KEY].data.find((e: any) => e.endpoint === null)), slug: "test/new-model", permaslug: "test/new-model", name: "Test: New Model" };
    changed[MODELS_KEY].data.push(newModel);
    const scoutKey = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
    changed[scoutKey].data.push({ ...structuredClone(changed[scoutKey].data[0]), id: "00000000-0000-4000-8000-000000000001", provider_name: "NewProvider" });

    const { dry, collect } = await runOnce(changed, state);
    const rows = collect.results.filter((r) => r.kind !== "error");
    expect(dry.perKind.model).toEqual({ insert: 1, update: 0, stable: raw.models, unavailable: 0 });
    expect(dry.perKind.endpoint).toEqual({ insert: 1, update: 1, stable: raw.endpoints - 1, unavailable: 0 });
    expect(state.model("test/new-model")?.value.name).toBe("Test: New Model");
    expect(rows).toHaveLength(raw.models + 1 + raw.endpoints + 1);
    const updated = [...state.endpoints.values()].find((row) => row.value.model_permaslug === "liquid/lfm-7b" && row.value.pricing.prompt === 0.000123);
    expect(updated).toBeDefined();
  });

  it("collects one issue for one broken item, with its SHA-256, and processes every other item", async () => {
    const broken = cloneRecording(golden);
    const victim = broken[MODELS_KEY].data.findIndex((e: any) => e.endpoint === null);
    broken[MODELS_KEY].data[victim].created_at = { not: "a timestamp" };
    const { counts, issues, collect } = await runOnce(broken, new MemoryState());

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ source: "models", index: victim, sha256: fingerprint(broken[MODELS_KEY].data[victim]) });
    expect(issues[0].summary).toContain("created_at");
    expect(counts.models).toBe(raw.models - 1);
    expect(counts.endpoints).toBe(raw.endpoints);
    const errors = collect.results.filter((r) => r.kind === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "error", source: "models", sha256: issues[0].sha256 });
  });

  it("never has more than maxConcurrency endpoint fetches in flight", async () => {
    for (const maxConcurrency of [1, 3, 8]) {
      const inner = createRecordingTransport(golden);
      let inFlight = 0;
      let peak = 0;
      const instrumented: Transport = {
        name: "instrumented",
        async get(request) {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 1));
          try {
            return await inner.get(request);
          } finally {
            inFlight--;
          }
        },
      };
      const { counts } = await runOnce(golden, new MemoryState(), { maxConcurrency, transport: instrumented });
      expect(counts.endpoints).toBe(raw.endpoints);
      expect(peak).toBe(maxConcurrency);
    }
  });

  it("turns a failed variant fetch into an error with its params and keeps that variant's rows", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);
    const scoutKey = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
    const inner = createRecordingTransport(golden);
    const failing: Transport = {
      name: "failing",
      get: async (request) => {
        if (requestKeyOf(request) === scoutKey) throw new TransportError(scoutKey, "HTTP 500 after 1 attempt(s)", 1, 500);
        return inner.get(request);
      },
    };
    const { dry, collect, counts } = await runOnce(golden, state, { transport: failing });
    const scoutRows = golden[scoutKey].data.length;
    expect(counts.fetch_errors).toBe(1);
    expect(collect.results.find((r) => r.kind === "error")).toMatchObject({ params: { permaslug: "meta-llama/llama-4-scout-17b-16e-instruct", variant: "standard" } });
    expect(dry.perKind.endpoint).toEqual({ insert: 0, update: 0, stable: raw.endpoints - scoutRows, unavailable: 0 });
  });

  it("takes a 404 on an endpoint list as 'no endpoints now': that variant's rows are marked unavailable, nothing fails", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);
    const missing = cloneRecording(golden);
    const scoutKey = endpointsKey("meta-llama/llama-4-scout-17b-16e-instruct", "standard");
    delete missing[scoutKey];
    const { dry, counts } = await runOnce(missing, state);
    const scoutRows = golden[scoutKey].data.length;
    expect(counts).toMatchObject({ fetch_errors: 0, empty_variants: 1 });
    expect(dry.perKind.endpoint).toEqual({ insert: 0, update: 0, stable: raw.endpoints - scoutRows, unavailable: scoutRows });
  });

  it("marks rows absent upstream unavailable, and a zero-model run marks nothing", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);
    const shrunk = cloneRecording(golden);
    const liquidKey = endpointsKey("liquid/lfm-7b", "standard");
    shrunk[liquidKey].data.pop();
    // A model that leaves the catalogue takes its variant's endpoints with it.
    const gone = soleListedEntry(shrunk, [liquidKey]);
    shrunk[MODELS_KEY].data.splice(shrunk[MODELS_KEY].data.indexOf(gone.entry), 1);
    const { dry } = await runOnce(shrunk, state);
    expect(dry.perKind.model.unavailable).toBe(1);
    expect(dry.perKind.endpoint.unavailable).toBe(1 + gone.endpoints);
    expect(state.model(gone.entry.slug)?.unavailable_at).not.toBeNull();

    const empty = { [MODELS_KEY]: { data: [] } };
    const { dry: emptyRun } = await runOnce(empty, state);
    expect(emptyRun.counts.unavailable).toBe(0);
  });

  it("keeps a listed model whose entries have no endpoint now, marked unavailable, and makes it available when one returns", async () => {
    const state = new MemoryState();
    await runOnce(golden, state);
    const retired = cloneRecording(golden);
    const target = soleListedEntry(retired, []);
    target.entry.endpoint = null;
    const { dry } = await runOnce(retired, state);
    expect(dry.perKind.model).toEqual({ insert: 0, update: 0, stable: raw.models - 1, unavailable: 1 });
    expect(dry.perKind.endpoint.unavailable).toBe(target.endpoints);
    const row = state.model(target.entry.slug)!;
    expect(row.unavailable_at).not.toBeNull();
    expect(row.value.variants).toEqual([]);

    const back = await runOnce(golden, state);
    expect(back.dry.perKind.model).toEqual({ insert: 0, update: 1, stable: raw.models - 1, unavailable: 0 });
    expect(state.model(target.entry.slug)?.unavailable_at).toBeNull();
  });

  it("prunes only a catalogue entry's own endpoint, never a key of that name deeper in a record", async () => {
    const edited = cloneRecording(golden);
    const entry = edited[MODELS_KEY].data.find((e: any) => e.endpoint === null);
    entry.features = { endpoint: { id: "kept", note: "a feature named endpoint" } };
    const state = new MemoryState();
    const { issues } = await runOnce(edited, state);
    expect(issues).toEqual([]);
    expect(state.model(entry.slug)?.value.features).toEqual({ endpoint: { id: "kept", note: "a feature named endpoint" } });
  });

  it("emits pipeline start and finish with the counts", async () => {
    const { metrics } = await runOnce(golden, new MemoryState());
    const finished = metrics.events.find((e) => e.t === "pipeline_finished");
    expect(metrics.events[0]).toMatchObject({ t: "pipeline_started", name: "standard" });
    expect(finished).toMatchObject({ counts: { models: raw.models, endpoints: raw.endpoints, errors: 0 } });
  });
});
