// @vitest-environment node
/**
 * The standard pipeline over the 2026-shaped recordings (tests/golden/README.md): a fresh run, an
 * hour in which only telemetry and spellings changed, and a day of real changes of every kind.
 * Expected figures are counted from the raw recordings (tests/support/recording.ts) or read from
 * the change list their builder wrote, never from the pipeline's own statistics: each run's
 * effect is read off the in-memory state before and after.
 */
import { describe, expect, it } from "vitest";
import { createSources } from "../../src/sources/createSources";
import { createRecordingTransport, type Transport } from "../../src/sources/transport";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard } from "../../src/pipeline/standard";
import { MemoryState, MemoryStateWriter } from "../../src/outputs/memoryState";
import { endpointKey } from "../../src/openrouter/schemas";
import { atPath, countRaw, GOLDEN_2026_PATHS, loadChangeManifest, loadRecording, modelsKeyOf, rawRates, type RawRecording } from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const raw = countRaw(base);

async function run(recording: RawRecording, state: MemoryState, snapshot_at: number) {
  const requested: string[] = [];
  const inner = createRecordingTransport(recording);
  const counting: Transport = { name: "counting", get: (request) => (requested.push(request.params.permaslug ?? ""), inner.get(request)) };
  const sources = createSources({ sources: "custom", transport: counting, paths: "v1" });
  const ctx = createProcessContext({
    config: { run_id: "t", snapshot_at, maxConcurrency: 8 },
    sources,
    outputs: [new MemoryStateWriter(state, { now: () => snapshot_at })],
  });
  const counts = await standard(ctx);
  await ctx.outputs.finish();
  return { counts, requested, issues: sources.validator.issues() };
}

type Reading = Map<string, { hash: string; unavailable_at: number | null }>;
function read(state: MemoryState): { models: Reading; endpoints: Reading } {
  const reading = (rows: Map<string, { content_hash: string; unavailable_at: number | null }>) =>
    new Map([...rows].map(([key, row]) => [key, { hash: row.content_hash, unavailable_at: row.unavailable_at }]));
  return { models: reading(state.models), endpoints: reading(state.endpoints) };
}

/** What a run did to one table, read off the state: inserted, content changed, newly unavailable. */
function effect(before: Reading, after: Reading) {
  const out = { insert: [] as string[], update: [] as string[], unavailable: [] as string[] };
  for (const [key, row] of after) {
    const was = before.get(key);
    if (!was) out.insert.push(key);
    else if (was.unavailable_at === null && row.unavailable_at !== null) out.unavailable.push(key);
    else if (was.hash !== row.hash || was.unavailable_at !== row.unavailable_at) out.update.push(key);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Runs `first`, then `second` an hour later, and expects the second run to change no row. */
async function expectNothingWritten(first: RawRecording, second: RawRecording) {
  const state = new MemoryState();
  await run(first, state, 0);
  const before = read(state);
  await run(second, state, 3_600_000);
  const after = read(state);
  const nothing = { insert: [], update: [], unavailable: [] };
  expect(effect(before.models, after.models)).toEqual(nothing);
  expect(effect(before.endpoints, after.endpoints)).toEqual(nothing);
}

/** A manifest key `permaslug|variant|id` as the state's endpoint key. */
const manifestEndpointKey = (key: string) => {
  const [model_permaslug, variant, endpoint_id] = key.split("|");
  return endpointKey({ model_permaslug, variant, endpoint_id });
};

describe("a fresh run of the 2026-shaped catalogue", () => {
  it("stores every model, alias and endpoint with 0 validation issues, and never requests an alias", async () => {
    const state = new MemoryState();
    const { counts, requested, issues } = await run(base, state, 0);
    expect(issues).toEqual([]);
    expect(counts).toMatchObject({ models: raw.models, variants: raw.variantFetches, endpoints: raw.endpoints, errors: 0 });
    expect(state.models.size).toBe(raw.models);
    expect(state.endpoints.size).toBe(raw.endpoints);
    expect(raw.aliases).toBeGreaterThan(0);
    expect([...state.models.values()].filter((row) => row.value.is_alias)).toHaveLength(raw.aliases);
    expect(requested.filter((permaslug) => permaslug.startsWith("~"))).toEqual([]);
    // Availability is having endpoints: retired entries (endpoint: null) are kept, marked unavailable.
    expect([...state.models.values()].filter((row) => row.unavailable_at === null)).toHaveLength(raw.availableModels);
    expect(raw.models - raw.availableModels).toBeGreaterThan(100);
  });

  it("names each alias's target where its entry says it", async () => {
    const state = new MemoryState();
    await run(base, state, 0);
    for (const entry of base[modelsKeyOf(base)].data.filter((e: any) => e.slug.startsWith("~"))) {
      const row = state.model(entry.slug)!;
      expect(row.value).toMatchObject({ is_alias: true, variants: [], alias_target: entry.endpoint?.model_variant_slug ?? entry.endpoint?.model?.slug ?? null });
      expect(row.unavailable_at).toBeNull();
    }
  });

  it("keeps every number of every rate card: pricing (with overrides), pricing_json and tiers", async () => {
    const state = new MemoryState();
    await run(base, state, 0);
    let checked = 0;
    const kinds = new Set<string>();
    for (const key of raw.variantKeys) {
      const params = new URLSearchParams(key.split("?")[1]);
      for (const record of base[key].data) {
        const row = state.endpoint(endpointKey({ model_permaslug: params.get("permaslug")!, variant: params.get("variant")!, endpoint_id: record.id }))!;
        for (const { path, value } of rawRates(record)) {
          expect(atPath(row.value, path), `${key} ${record.id} ${path.join(".")}`).toBe(value);
          kinds.add(path[0] === "pricing" && path[1] === "overrides" ? "overrides" : String(path[0]));
          checked++;
        }
      }
    }
    // The recording exercises every kind of rate card.
    expect([...kinds].sort()).toEqual(["overrides", "pricing", "pricing_json", "tiers"]);
    expect(checked).toBeGreaterThan(1000);
  });
});

describe("successive 2026-shaped catalogues", () => {
  it("an hour with only telemetry and spellings changed writes nothing", async () => {
    await expectNothingWritten(base, nextHour);
  });

  it("a day later, every real change is an insert, an update or a removal, and nothing else is", async () => {
    const manifest = loadChangeManifest();
    const state = new MemoryState();
    await run(base, state, 0);
    const before = read(state);
    const { issues } = await run(nextDay, state, 86_400_000);
    const after = read(state);
    expect(issues).toEqual([]);
    const sorted = (keys: string[]) => [...keys].sort();
    expect(effect(before.models, after.models)).toEqual({
      insert: sorted(manifest.models.insert),
      update: sorted(manifest.models.update),
      unavailable: sorted(manifest.models.unavailable),
    });
    expect(effect(before.endpoints, after.endpoints)).toEqual({
      insert: sorted(manifest.endpoints.insert.map(manifestEndpointKey)),
      update: sorted(manifest.endpoints.update.map(manifestEndpointKey)),
      unavailable: sorted(manifest.endpoints.unavailable.map(manifestEndpointKey)),
    });
    // A model whose entries went to endpoint: null keeps its row, with no variants now.
    for (const slug of manifest.models.unavailable) {
      const row = state.model(slug)!;
      expect(row.unavailable_at).toBe(86_400_000);
    }
  });

  it("the same catalogue again writes nothing", async () => {
    await expectNothingWritten(nextDay, nextDay);
  });
});
