// @vitest-environment node
/**
 * diffEntity, the field-level diff behind the change history: hand-made cases for each rule (set
 * diffs, variants, paths into overrides and SKUs, rates with their percentages, the tag of each
 * kind of field), then the real 2026 golden day. Base and next-day are run through the standard
 * pipeline into one in-memory state, as the writer would store them, and each stored entity is
 * diffed before vs after. Expectations come from the raw recordings (rates and variants counted
 * here without the module's code), from the notes of changes-2026-next-day.json, or from
 * percentages worked out by hand.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { diffEntity, type ChangeTag, type EntityDiff } from "../../src/history/entityDiff";
import { createSources } from "../../src/sources/createSources";
import { createRecordingTransport } from "../../src/sources/transport";
import { createProcessContext } from "../../src/pipeline/processContext";
import { standard } from "../../src/pipeline/standard";
import { MemoryState, MemoryStateWriter } from "../../src/outputs/memoryState";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import { GOLDEN_2026_PATHS, loadChangeManifest, loadRecording, modelsKeyOf, type ChangeManifest, type RawRecording } from "../support/recording";
import { claimsOf, endpointParts, HAND_PERCENT, PRICE_KINDS, rawRatesByPath, rawRecord, type Note } from "../support/goldenDay";

const EMPTY: EntityDiff = { fields: [], tags: [], rates: [] };

describe("diffEntity on hand-made values", () => {
  it("gives nothing for equal values, whatever the key order, undefined fields or bookkeeping keys", () => {
    const endpoint = { name: "A", pricing: { prompt: 1e-6, overrides: [{ min_prompt_tokens: 200000, prompt: 2e-6 }] }, data_policy: { training: false } };
    expect(diffEntity("endpoint", endpoint, structuredClone(endpoint))).toEqual(EMPTY);
    expect(diffEntity("endpoint", { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, d: undefined })).toEqual(EMPTY);
    const row = (id: string, at: number) => ({
      ...endpoint,
      _id: id,
      _creationTime: at,
      content_hash: id,
      first_seen_at: at,
      changed_at: at,
      unavailable_at: at,
      as_of: at,
      listed: true,
    });
    expect(diffEntity("endpoint", row("x", 1), row("y", 2))).toEqual(EMPTY);
  });

  it("diffs a set-like array as names added and removed, and a reorder as nothing", () => {
    expect(diffEntity("endpoint", { supported_parameters: ["tools", "seed", "stop"] }, { supported_parameters: ["stop", "tools", "seed"] })).toEqual(EMPTY);
    expect(diffEntity("endpoint", { supported_parameters: ["tools", "seed"] }, { supported_parameters: ["top_k", "seed", "logprobs"] })).toEqual({
      fields: [{ path: "supported_parameters", added: ["logprobs", "top_k"], removed: ["tools"] }],
      tags: ["capabilities"],
      rates: [],
    });
    // An absent list is an empty one.
    expect(diffEntity("endpoint", { excluded_parameters: null }, { excluded_parameters: [] })).toEqual(EMPTY);
    expect(diffEntity("model", { input_modalities: ["text"] }, { input_modalities: ["image", "text"] }).fields).toEqual([
      { path: "input_modalities", added: ["image"], removed: [] },
    ]);
  });

  it("treats arrays of strings under features and reasoning_config as sets, other arrays as values", () => {
    const efforts = (list: string[]) => ({
      features: { reasoning_config: { supported_reasoning_efforts: list } },
      reasoning_config: { supported_reasoning_efforts: list },
    });
    expect(diffEntity("model", efforts(["low", "medium", "high"]), efforts(["high", "low", "medium"]))).toEqual(EMPTY);
    expect(diffEntity("model", efforts(["low", "high"]), efforts(["minimal", "low", "high"]))).toEqual({
      fields: [
        { path: "features.reasoning_config.supported_reasoning_efforts", added: ["minimal"], removed: [] },
        { path: "reasoning_config.supported_reasoning_efforts", added: ["minimal"], removed: [] },
      ],
      tags: ["capabilities"],
      rates: [],
    });
    // default_order is a preference order, not a set: a reorder is a change of the whole value.
    expect(diffEntity("model", { default_order: ["a", "b"] }, { default_order: ["b", "a"] })).toEqual({
      fields: [{ path: "default_order", before: ["a", "b"], after: ["b", "a"] }],
      tags: ["metadata"],
      rates: [],
    });
  });

  it("walks nested objects to dotted paths", () => {
    const toolChoice = (none: boolean) => ({ features: { supports_tool_choice: { literal_none: none, literal_auto: true } } });
    expect(diffEntity("endpoint", toolChoice(true), toolChoice(false))).toEqual({
      fields: [{ path: "features.supports_tool_choice.literal_none", before: true, after: false }],
      tags: ["capabilities"],
      rates: [],
    });
  });

  it("tags a pricing_version_id change alone as metadata, with no rates", () => {
    const pricing = { prompt: 1e-6, completion: 2e-6 };
    expect(diffEntity("endpoint", { pricing, pricing_version_id: "v1" }, { pricing, pricing_version_id: "v2" })).toEqual({
      fields: [{ path: "pricing_version_id", before: "v1", after: "v2" }],
      tags: ["metadata"],
      rates: [],
    });
  });

  it("reports a prompt rate change with its percentage, and reads a re-spelt rate as the same number", () => {
    // 1e-6 → 1.5e-6 is +50 %; 2e-6 → 1.5e-6 is −25 %.
    expect(diffEntity("endpoint", { pricing: { prompt: 1e-6, completion: 2e-6 } }, { pricing: { prompt: 1.5e-6, completion: 1.5e-6 } })).toEqual({
      fields: [
        { path: "pricing.completion", before: 2e-6, after: 1.5e-6 },
        { path: "pricing.prompt", before: 1e-6, after: 1.5e-6 },
      ],
      tags: ["price"],
      rates: [
        { path: "pricing.completion", before: 2e-6, after: 1.5e-6, percent: -25 },
        { path: "pricing.prompt", before: 1e-6, after: 1.5e-6, percent: 50 },
      ],
    });
    expect(
      diffEntity(
        "endpoint",
        { pricing: { prompt: "2.5e-7" }, pricing_json: { "a:prompt_tokens": ".25e-6" } },
        { pricing: { prompt: 2.5e-7 }, pricing_json: { "a:prompt_tokens": 2.5e-7 } },
      ),
    ).toEqual(EMPTY);
    // 3 → 1 is −66.666…, rounded to 2 decimals.
    expect(diffEntity("endpoint", { pricing: { request: "3" } }, { pricing: { request: 1 } }).rates).toEqual([
      { path: "pricing.request", before: 3, after: 1, percent: -66.67 },
    ]);
  });

  it("reports a rate key that appears or goes with null on the other side and no percentage, and none from a zero rate", () => {
    expect(diffEntity("endpoint", { pricing: { prompt: 1e-6 } }, { pricing: { prompt: 1e-6, input_cache_read: 1e-7 } })).toEqual({
      fields: [{ path: "pricing.input_cache_read", before: null, after: 1e-7 }],
      tags: ["price"],
      rates: [{ path: "pricing.input_cache_read", before: null, after: 1e-7, percent: null }],
    });
    expect(diffEntity("endpoint", { pricing: { web_search: 0.004 } }, { pricing: {} }).rates).toEqual([
      { path: "pricing.web_search", before: 0.004, after: null, percent: null },
    ]);
    expect(diffEntity("endpoint", { pricing: { image: 0 } }, { pricing: { image: 0.001 } }).rates).toEqual([
      { path: "pricing.image", before: 0, after: 0.001, percent: null },
    ]);
  });

  it("walks pricing.overrides by index, and reports an added override row whole with each of its rates", () => {
    const long = { min_prompt_tokens: 200000, prompt: 2.5e-6, completion: 1.5e-5 };
    const before = { pricing: { prompt: 1.25e-6, overrides: [long] } };
    expect(diffEntity("endpoint", before, { pricing: { prompt: 1.25e-6, overrides: [{ ...long, completion: 1.2e-5 }] } })).toEqual({
      fields: [{ path: "pricing.overrides[0].completion", before: 1.5e-5, after: 1.2e-5 }],
      tags: ["price"],
      rates: [{ path: "pricing.overrides[0].completion", before: 1.5e-5, after: 1.2e-5, percent: -20 }],
    });
    const offPeak = { utc_start_time: "16:30", utc_end_time: "00:30", prompt: 1.35e-7 };
    expect(diffEntity("endpoint", before, { pricing: { prompt: 1.25e-6, overrides: [long, offPeak] } })).toEqual({
      fields: [{ path: "pricing.overrides[1]", before: null, after: offPeak }],
      tags: ["price"],
      rates: [{ path: "pricing.overrides[1].prompt", before: null, after: 1.35e-7, percent: null }],
    });
  });

  it("reports a pricing_json SKU change by its key, and tiers appearing as rates from null", () => {
    const card = (units: number) => ({ pricing_json: { "perplexity:prompt_tokens": 1e-6, "search-units": units } });
    // 0.005 → 0.006 is +20 %.
    expect(diffEntity("endpoint", card(0.005), card(0.006))).toEqual({
      fields: [{ path: "pricing_json.search-units", before: 0.005, after: 0.006 }],
      tags: ["price"],
      rates: [{ path: "pricing_json.search-units", before: 0.005, after: 0.006, percent: 20 }],
    });
    const tiers = { flex: { multiplier: "0.5", prompt: 5e-7 } };
    expect(diffEntity("endpoint", { tiers: null }, { tiers })).toEqual({
      fields: [{ path: "tiers", before: null, after: { flex: { multiplier: 0.5, prompt: 5e-7 } } }],
      tags: ["price"],
      rates: [
        { path: "tiers.flex.multiplier", before: null, after: 0.5, percent: null },
        { path: "tiers.flex.prompt", before: null, after: 5e-7, percent: null },
      ],
    });
  });

  it("quotes a key that a dotted path would make ambiguous", () => {
    expect(diffEntity("endpoint", { pricing_json: { "a.b": 1 } }, { pricing_json: { "a.b": 2 } }).rates).toEqual([
      { path: 'pricing_json["a.b"]', before: 1, after: 2, percent: 100 },
    ]);
  });

  it("tags a display_pricing label-only change as metadata, with no rates", () => {
    const row = (unitLabel: string) => ({
      pricing: { prompt: 1e-6, display_pricing: [{ kind: "token", sku_label: "Input Price", price: 1e-6, displayMultiplier: 1000000, unitLabel }] },
    });
    expect(diffEntity("endpoint", row("/M tokens"), row("per million tokens"))).toEqual({
      fields: [{ path: "pricing.display_pricing[0].unitLabel", before: "/M tokens", after: "per million tokens" }],
      tags: ["metadata"],
      rates: [],
    });
  });

  it("tags a data_policy change and a deprecation date", () => {
    const policy = (training: boolean, retention_days: number | null) => ({ data_policy: { training, retains_prompts: true, retention_days } });
    expect(diffEntity("endpoint", policy(false, 30), policy(true, null))).toEqual({
      fields: [
        { path: "data_policy.retention_days", before: 30, after: null },
        { path: "data_policy.training", before: false, after: true },
      ],
      tags: ["data_policy"],
      rates: [],
    });
    expect(diffEntity("endpoint", { deprecation_date: null }, { deprecation_date: 1788134400000 })).toEqual({
      fields: [{ path: "deprecation_date", before: null, after: 1788134400000 }],
      tags: ["deprecation"],
      rates: [],
    });
  });

  it.each<[string, unknown, unknown, ChangeTag]>([
    ["context_length", 128000, 200000, "context"],
    ["max_completion_tokens", 4096, 8192, "context"],
    ["output_tokens", 4096, 8192, "context"],
    ["limit_rpm", null, 60, "limits"],
    ["capacity_tpm", 1000000, 2000000, "limits"],
    ["supports_tool_parameters", true, false, "capabilities"],
    ["has_chat_completions", true, false, "capabilities"],
    ["quantization", "fp8", "bf16", "capabilities"],
    ["can_abort", false, true, "capabilities"],
    ["is_disabled", false, true, "availability"],
    ["is_byok_only", false, true, "availability"],
    ["hidden", false, true, "availability"],
    ["is_free", false, true, "metadata"],
    ["provider_display_name", "Azure", "Azure EU", "metadata"],
  ])("tags %s as its kind of change", (field, before, after, tag) => {
    expect(diffEntity("endpoint", { [field]: before }, { [field]: after })).toEqual({ fields: [{ path: field, before, after }], tags: [tag], rates: [] });
  });

  it("diffs a model's variants as a set by permaslug and variant, and walks the variants on both sides", () => {
    const variant = (name: string, endpoint_id: string, context_length = 128000) => ({
      variant: name,
      permaslug: "openai/gpt-4o",
      name: `GPT-4o ${name}`,
      context_length,
      endpoint_id,
    });
    const before = { name: "GPT-4o", variants: [variant("standard", "e1"), variant("free", "e2")] };
    expect(diffEntity("model", before, { name: "GPT-4o", variants: [variant("free", "e2"), variant("standard", "e1")] })).toEqual(EMPTY);
    expect(diffEntity("model", before, { name: "GPT-4o", variants: [variant("beta", "e4"), variant("standard", "e3", 64000)] })).toEqual({
      fields: [
        { path: "variants", added: ["openai/gpt-4o [beta]"], removed: ["openai/gpt-4o [free]"] },
        { path: "variants[openai/gpt-4o [standard]].context_length", before: 128000, after: 64000 },
        { path: "variants[openai/gpt-4o [standard]].endpoint_id", before: "e1", after: "e3" },
      ],
      tags: ["availability", "context", "metadata"],
      rates: [],
    });
    expect(diffEntity("model", before, { name: "GPT-4o", variants: [] })).toEqual({
      fields: [{ path: "variants", added: [], removed: ["openai/gpt-4o [free]", "openai/gpt-4o [standard]"] }],
      tags: ["availability"],
      rates: [],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The real 2026 golden day

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const manifest = loadChangeManifest() as ChangeManifest & { notes: Note[] };

/** Runs one recording into `state` through the standard pipeline, as the tests of the pipeline do. */
async function runInto(recording: RawRecording, state: MemoryState, snapshot_at: number) {
  const sources = createSources({ sources: "custom", transport: createRecordingTransport(recording), paths: "v1" });
  const ctx = createProcessContext({
    config: { run_id: "t", snapshot_at, maxConcurrency: 8 },
    sources,
    outputs: [new MemoryStateWriter(state, { now: () => snapshot_at })],
  });
  await standard(ctx);
  await ctx.outputs.finish();
}

type Stored<T> = Map<string, { value: T; content_hash: string }>;
const snapshot = <T>(rows: Map<string, { value: T; content_hash: string }>): Stored<T> =>
  new Map([...rows].map(([key, row]) => [key, { value: row.value, content_hash: row.content_hash }]));

/** Stored rows after the base run and after the next day's run over the same state. */
let stored: { before: { models: Stored<OrModel>; endpoints: Stored<OrEndpoint> }; after: { models: Stored<OrModel>; endpoints: Stored<OrEndpoint> } };

beforeAll(async () => {
  const state = new MemoryState();
  await runInto(base, state, 0);
  const before = { models: snapshot(state.models), endpoints: snapshot(state.endpoints) };
  await runInto(nextDay, state, 86_400_000);
  stored = { before, after: { models: snapshot(state.models), endpoints: snapshot(state.endpoints) } };
});

const modelDiff = (slug: string) => diffEntity("model", stored.before.models.get(slug)!.value, stored.after.models.get(slug)!.value);
const endpointDiff = (key: string) => {
  const stateKey = endpointKey(endpointParts(key));
  return diffEntity("endpoint", stored.before.endpoints.get(stateKey)!.value, stored.after.endpoints.get(stateKey)!.value);
};

/** `"<permaslug> [<variant>]"` for each raw catalogue entry of `slug` with an endpoint now. */
function rawVariantNames(recording: RawRecording, slug: string): Set<string> {
  const entries: any[] = recording[modelsKeyOf(recording)].data;
  return new Set(entries.filter((entry) => entry.slug === slug && entry.endpoint).map((entry) => `${entry.permaslug} [${entry.endpoint.variant}]`));
}

const notesOf = (key: string) => manifest.notes.filter((note) => note.key === key);

describe("diffEntity on the 2026 golden day (base → next-day)", () => {
  it("has a note for every update in the manifest", () => {
    for (const key of [...manifest.models.update, ...manifest.endpoints.update]) expect(notesOf(key), key).not.toEqual([]);
  });

  it("finds a change in every updated entity", () => {
    for (const slug of manifest.models.update) expect(modelDiff(slug).fields, slug).not.toEqual([]);
    for (const key of manifest.endpoints.update) expect(endpointDiff(key).fields, key).not.toEqual([]);
  });

  it("lists, for every updated endpoint, exactly the rate-card numbers that differ between the raw records", () => {
    for (const key of manifest.endpoints.update) {
      const [was, now] = [rawRatesByPath(rawRecord(base, key)), rawRatesByPath(rawRecord(nextDay, key))];
      const expected = [...new Set([...was.keys(), ...now.keys()])]
        .filter((path) => was.get(path) !== now.get(path))
        .sort()
        .map((path) => ({ path, before: was.get(path) ?? null, after: now.get(path) ?? null }));
      expect(
        endpointDiff(key).rates.map(({ path, before, after }) => ({ path, before, after })),
        key,
      ).toEqual(expected);
    }
  });

  it("reports each price note's rates with before, after and percentage, its new pricing_version_id, and tags price", () => {
    const notes = manifest.notes.filter((note) => PRICE_KINDS.includes(note.kind));
    expect(notes).toHaveLength(7);
    for (const note of notes) {
      const diff = endpointDiff(note.key);
      const claims = claimsOf(note);
      const version = claims.find((claim) => claim.path === "pricing_version_id");
      expect(version, note.key).toBeDefined();
      expect(diff.fields).toContainEqual({ path: "pricing_version_id", before: version!.before, after: version!.after });
      const rateClaims = claims.filter((claim) => claim !== version);
      expect(rateClaims.length, note.key).toBeGreaterThan(0);
      for (const { path, before, after } of rateClaims) {
        const percent = HAND_PERCENT[`${before} → ${after}`];
        expect(percent, `${before} → ${after}`).toBeDefined();
        expect(diff.rates, note.key).toContainEqual({ path, before: Number(before), after: Number(after), percent });
        // The raw records agree with the note.
        expect(rawRatesByPath(rawRecord(base, note.key)).get(path)).toBe(Number(before));
        expect(rawRatesByPath(rawRecord(nextDay, note.key)).get(path)).toBe(Number(after));
      }
      expect(diff.tags, note.key).toEqual(["metadata", "price"]);
      const ratePaths = diff.rates.map((rate) => rate.path);
      if (note.kind === "flat-price") {
        // "pricing_json and display_pricing follow"
        expect(ratePaths.some((path) => path.startsWith("pricing_json."))).toBe(true);
        expect(ratePaths.some((path) => path.startsWith("pricing.display_pricing["))).toBe(true);
      }
      if (note.kind === "pricing-json-only") expect(ratePaths.filter((path) => path === "pricing.prompt" || path === "pricing.completion")).toEqual([]);
      if (note.kind === "override-only") expect(ratePaths.filter((path) => path.startsWith("pricing_json"))).toEqual([]);
      if (note.kind === "override-long-context") {
        const override = diff.rates.find((rate) => rate.path.startsWith("pricing.overrides["))!;
        expect(diff.rates.filter((rate) => /^pricing_json\..*_long_context$/.test(rate.path)).map(({ before, after }) => ({ before, after }))).toEqual([
          { before: override.before, after: override.after },
        ]);
      }
    }
  });

  it("reports a deprecation note as only deprecation_date, at the note's instant", () => {
    const notes = manifest.notes.filter((note) => note.kind === "deprecation");
    expect(notes).toHaveLength(4);
    for (const note of notes) {
      const [, instant] = /null → (\S+)$/.exec(note.what)!;
      expect(Date.parse(rawRecord(nextDay, note.key).deprecation_date)).toBe(Date.parse(instant));
      expect(endpointDiff(note.key), note.key).toEqual({
        fields: [{ path: "deprecation_date", before: null, after: Date.parse(instant) }],
        tags: ["deprecation"],
        rates: [],
      });
    }
  });

  it("reports a pricing_version_id-only note as metadata with no rates", () => {
    const notes = manifest.notes.filter((note) => note.kind === "pricing-version-only");
    expect(notes).toHaveLength(1);
    for (const note of notes) {
      const [, before, after] = /pricing_version_id (\S+) → (\S+);/.exec(note.what)!;
      expect(endpointDiff(note.key)).toEqual({ fields: [{ path: "pricing_version_id", before, after }], tags: ["metadata"], rates: [] });
    }
  });

  it("reports a model edit as the fields its note names, tagged metadata", () => {
    const notes = manifest.notes.filter((note) => note.kind === "model-edit");
    expect(notes.map((note) => note.key).sort()).toEqual(["mistralai/mistral-medium-3", "openai/o3"]);
    const rawEntry = (recording: RawRecording, slug: string) => recording[modelsKeyOf(recording)].data.find((entry: any) => entry.slug === slug);
    for (const note of notes) {
      const diff = modelDiff(note.key);
      const named = note.what.split(";").map((clause) => clause.trim().split(/[ (]/)[0]);
      expect(
        diff.fields.map((field) => field.path),
        note.key,
      ).toEqual(named.sort());
      expect(diff.tags).toEqual(["metadata"]);
      expect(diff.rates).toEqual([]);
      const [, updatedAt] = /updated_at → (\S+)/.exec(note.what)!;
      expect(diff.fields).toContainEqual({ path: "updated_at", before: Date.parse(rawEntry(base, note.key).updated_at), after: Date.parse(updatedAt) });
    }
    const o3 = modelDiff("openai/o3").fields.find((field) => field.path === "description") as { before: string; after: string };
    expect(o3).toEqual({ path: "description", before: rawEntry(base, "openai/o3").description, after: rawEntry(nextDay, "openai/o3").description });
    expect(o3.after.startsWith(o3.before)).toBe(true); // "a sentence appended"
    expect(modelDiff("mistralai/mistral-medium-3").fields).toContainEqual({ path: "knowledge_cutoff", before: null, after: Date.parse("2025-03-01") });
  });

  it("reports a variant that left as a variants set change tagged availability", () => {
    const notes = manifest.notes.filter((note) => note.kind === "variant-removed" && !note.key.includes("|"));
    expect(notes.map((note) => note.key)).toEqual(["deepseek/deepseek-prover-v2"]);
    for (const note of notes) {
      const [, variant] = /\(variant (\S+)\)/.exec(note.what)!;
      const entry = base[modelsKeyOf(base)].data.find((e: any) => e.slug === note.key && e.endpoint?.variant === variant);
      expect(modelDiff(note.key)).toEqual({ fields: [{ path: "variants", added: [], removed: [`${entry.permaslug} [${variant}]`] }], tags: ["availability"], rates: [] });
    }
  });

  it("diffs the variants of every model listed on both days as the raw catalogues' (permaslug, variant) pairs with an endpoint", () => {
    const listedOn = (recording: RawRecording) => new Set(recording[modelsKeyOf(recording)].data.map((entry: any) => entry.slug));
    const [baseSlugs, nextDaySlugs] = [listedOn(base), listedOn(nextDay)];
    const changed: string[] = [];
    for (const slug of stored.before.models.keys()) {
      if (!baseSlugs.has(slug) || !nextDaySlugs.has(slug)) continue;
      const [was, now] = [rawVariantNames(base, slug), rawVariantNames(nextDay, slug)];
      const added = [...now].filter((name) => !was.has(name)).sort();
      const removed = [...was].filter((name) => !now.has(name)).sort();
      const field = modelDiff(slug).fields.find((f) => f.path === "variants");
      if (added.length === 0 && removed.length === 0) {
        expect(field, slug).toBeUndefined();
      } else {
        changed.push(slug);
        expect(field, slug).toEqual({ path: "variants", added, removed });
        expect(modelDiff(slug).tags, slug).toContain("availability");
      }
    }
    // The prover's free variant left; claude-2 and grok-beta kept their entries with endpoint: null.
    expect(changed.sort()).toEqual(["anthropic/claude-2", "deepseek/deepseek-prover-v2", "x-ai/grok-beta"]);
  });

  it("finds nothing in the entities the manifest does not list", () => {
    const listedModels = new Set(Object.values(manifest.models).flat());
    const listedEndpoints = new Set(
      Object.values(manifest.endpoints)
        .flat()
        .map((key) => endpointKey(endpointParts(key))),
    );
    const models = [...stored.before.models.keys()].filter((slug) => !listedModels.has(slug));
    const endpoints = [...stored.before.endpoints.keys()].filter((key) => !listedEndpoints.has(key));
    expect(models.length).toBeGreaterThan(400);
    expect(endpoints.length).toBeGreaterThan(300);
    for (const slug of models) expect(modelDiff(slug), slug).toEqual(EMPTY);
    for (const key of endpoints) {
      expect(diffEntity("endpoint", stored.before.endpoints.get(key)!.value, stored.after.endpoints.get(key)!.value), key).toEqual(EMPTY);
    }
  });

  it("finds a change exactly where the stored content hash changed", () => {
    const check = <T extends object>(kind: "model" | "endpoint", before: Stored<T>, after: Stored<T>) => {
      for (const [key, row] of before) {
        const next = after.get(key)!;
        expect(diffEntity(kind, row.value, next.value).fields.length > 0, key).toBe(row.content_hash !== next.content_hash);
      }
    };
    check("model", stored.before.models, stored.after.models);
    check("endpoint", stored.before.endpoints, stored.after.endpoints);
  });
});
