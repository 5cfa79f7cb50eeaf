// @vitest-environment node
// Tests bench/syntheticCatalogue: scaled and "next hour" recordings, checked against counts taken from the raw JSON.
import { describe, expect, it } from "vitest";
import { nextHourRecording, scaleRecording, type Recording } from "../../bench/syntheticCatalogue";
import { countRaw, endpointsKey, endpointsKeyIn, GOLDEN_2026_PATHS, loadGolden, loadRecording, MODELS_KEY, modelsKeyOf } from "../support/recording";

const golden = loadGolden();
const goldenJson = JSON.stringify(golden);
const raw = countRaw(golden);

const entriesOf = (recording: Recording): any[] => recording[MODELS_KEY].data;
const listKeysOf = (recording: Recording) => Object.keys(recording).filter((key) => key.startsWith("/api/frontend/stats/endpoint?"));
const keyOfEntry = (entry: any) => endpointsKey(entry.permaslug, entry.endpoint.variant);

/** How many entries / list records satisfy each cross-reference rule, counted from the raw JSON. */
function referenceCounts(recording: Recording) {
  const counts = { listExists: 0, idInList: 0, modelSlug: 0, modelPermaslug: 0, variantSlugPrefix: 0, variantPermaslugPrefix: 0, recordModelPermaslug: 0, recordVariantPermaslugPrefix: 0 };
  for (const entry of entriesOf(recording)) {
    if (!entry.endpoint) continue;
    const list = recording[keyOfEntry(entry)];
    if (list) counts.listExists++;
    if (list?.data.some((record: any) => record.id === entry.endpoint.id)) counts.idInList++;
    if (entry.endpoint.model.slug === entry.slug) counts.modelSlug++;
    if (entry.endpoint.model.permaslug === entry.permaslug) counts.modelPermaslug++;
    if (entry.endpoint.model_variant_slug.startsWith(entry.slug)) counts.variantSlugPrefix++;
    if (entry.endpoint.model_variant_permaslug.startsWith(entry.permaslug)) counts.variantPermaslugPrefix++;
    for (const record of list?.data ?? []) {
      if (record.model.permaslug === entry.permaslug) counts.recordModelPermaslug++;
      if (record.model_variant_permaslug.startsWith(entry.permaslug)) counts.recordVariantPermaslugPrefix++;
    }
  }
  return counts;
}

function endpointIds(recording: Recording): Set<string> {
  const ids = new Set<string>();
  for (const key of listKeysOf(recording)) for (const record of recording[key].data) ids.add(record.id);
  return ids;
}

describe("scaleRecording", () => {
  it("k=1 returns a deep copy equal to the input, and never mutates the input", () => {
    const out = scaleRecording(golden, 1);
    expect(out).toEqual(golden);
    expect(out).not.toBe(golden);
    scaleRecording(golden, 3, { endpointsPerVariant: 3 });
    expect(JSON.stringify(golden)).toBe(goldenJson);
  });

  it("k=3 triples every raw count and keeps every cross-reference consistent", () => {
    const out = scaleRecording(golden, 3);
    const scaled = countRaw(out);
    expect(scaled.entries).toBe(3 * raw.entries);
    expect(scaled.models).toBe(3 * raw.models);
    expect(scaled.variantFetches).toBe(3 * raw.variantFetches);
    expect(scaled.endpoints).toBe(3 * raw.endpoints);
    expect(Object.keys(out).length).toBe(1 + 3 * listKeysOf(golden).length);

    // Copy 0 is the original.
    expect(entriesOf(out).slice(0, raw.entries)).toEqual(entriesOf(golden));
    for (const key of listKeysOf(golden)) expect(out[key]).toEqual(golden[key]);

    // Every list a models entry references exists, and each list's ids are distinct.
    for (const key of scaled.variantKeys) expect(out[key], key).toBeDefined();
    for (const key of listKeysOf(out)) {
      const ids = out[key].data.map((record: any) => record.id);
      expect(new Set(ids).size, key).toBe(ids.length);
    }

    // Each cross-reference rule holds for exactly 3× as many entries/records as in the golden.
    const before = referenceCounts(golden);
    expect(before.listExists).toBe(raw.variantFetches);
    const after = referenceCounts(out);
    for (const rule of Object.keys(before) as (keyof typeof before)[]) expect(after[rule], rule).toBe(3 * before[rule]);

    // Slugs (and permaslugs) are distinct across copies; a slug shared by several variants stays shared.
    const copies = [0, 1, 2].map((copy) => entriesOf(out).slice(copy * raw.entries, (copy + 1) * raw.entries));
    const slugSets = copies.map((entries) => new Set(entries.map((entry) => entry.slug)));
    const permaslugSets = copies.map((entries) => new Set(entries.map((entry) => entry.permaslug)));
    for (const sets of [slugSets, permaslugSets]) {
      expect(sets.map((set) => set.size)).toEqual([0, 1, 2].map(() => sets[0].size));
      expect(new Set(sets.flatMap((set) => [...set])).size).toBe(3 * sets[0].size);
    }
    // Endpoint ids of the clones are new.
    const originalIds = endpointIds(golden);
    const cloneIds = new Set(listKeysOf(out).filter((key) => !(key in golden)).flatMap((key) => out[key].data.map((r: any) => r.id)));
    expect([...cloneIds].filter((id) => originalIds.has(id))).toEqual([]);
    expect(cloneIds.size).toBe(2 * originalIds.size);
  });

  it("endpointsPerVariant pads every list to at least that many records", () => {
    const lengths = listKeysOf(golden).map((key) => golden[key].data.length);
    const expected = lengths.reduce((sum, length) => sum + Math.max(3, length), 0);
    for (const k of [1, 2]) {
      const out = scaleRecording(golden, k, { endpointsPerVariant: 3 });
      expect(countRaw(out).endpoints).toBe(k * expected);
      for (const key of listKeysOf(out)) {
        const records: any[] = out[key].data;
        expect(records.length, key).toBeGreaterThanOrEqual(3);
        expect(new Set(records.map((r) => r.id)).size, key).toBe(records.length);
        expect(new Set(records.map((r) => r.provider_name)).size, key).toBe(records.length);
      }
    }
    // Lists already longer than 3 keep all their records.
    const out = scaleRecording(golden, 1, { endpointsPerVariant: 3 });
    for (const key of listKeysOf(golden)) if (golden[key].data.length >= 3) expect(out[key]).toEqual(golden[key]);
  });

  it("is deterministic per seed, and the seed changes the derived ids", () => {
    const a = JSON.stringify(scaleRecording(golden, 3, { seed: 7, endpointsPerVariant: 3 }));
    const b = JSON.stringify(scaleRecording(golden, 3, { seed: 7, endpointsPerVariant: 3 }));
    expect(a).toBe(b);
    const seedOne = scaleRecording(golden, 2);
    const seedTwo = scaleRecording(golden, 2, { seed: 2 });
    const originalIds = endpointIds(golden);
    const newIds = (recording: Recording) => [...endpointIds(recording)].filter((id) => !originalIds.has(id));
    const one = newIds(seedOne);
    const two = new Set(newIds(seedTwo));
    expect(one.length).toBe(originalIds.size);
    expect(one.filter((id) => two.has(id))).toEqual([]);
  });

  it("k=10 stays linear in size", () => {
    const out = scaleRecording(golden, 10);
    const scaled = countRaw(out);
    expect([scaled.entries, scaled.models, scaled.variantFetches, scaled.endpoints]).toEqual([10 * raw.entries, 10 * raw.models, 10 * raw.variantFetches, 10 * raw.endpoints]);
    expect(JSON.stringify(out).length).toBeLessThan(10.5 * goldenJson.length);
  });
});

describe("nextHourRecording", () => {
  /** Independent diff: distinct slugs whose entries differ, and (listKey, id) records that differ. */
  function diff(before: Recording, after: Recording) {
    const group = (recording: Recording) => {
      const bySlug = new Map<string, string[]>();
      for (const entry of entriesOf(recording)) bySlug.set(entry.slug, [...(bySlug.get(entry.slug) ?? []), JSON.stringify(entry)]);
      return bySlug;
    };
    const a = group(before);
    const b = group(after);
    let models = 0;
    for (const [slug, entries] of a) if (JSON.stringify(entries) !== JSON.stringify(b.get(slug))) models++;
    const changed = new Set<string>();
    for (const key of countRaw(before).variantKeys) {
      before[key].data.forEach((record: any, index: number) => {
        if (JSON.stringify(record) !== JSON.stringify(after[key].data[index])) changed.add(`${key}#${record.id}`);
      });
    }
    return { models, endpoints: changed.size };
  }

  it("changes round(1% of distinct slugs + endpoint records), reports exactly the diff, and keeps keys and ids", () => {
    const total = raw.models + raw.endpoints;
    const result = nextHourRecording(golden, 0.01);
    expect(result.total).toBe(total);
    expect(result.changed).toBe(Math.round(0.01 * total));
    expect(result.changed).toBe(result.changedModels + result.changedEndpoints);
    expect(diff(golden, result.recording)).toEqual({ models: result.changedModels, endpoints: result.changedEndpoints });
    expect(JSON.stringify(golden)).toBe(goldenJson);

    const out = result.recording;
    expect(Object.keys(out)).toEqual(Object.keys(golden));
    const identity = (entry: any) => [entry.slug, entry.permaslug, entry.endpoint?.id ?? null, entry.endpoint?.variant ?? null];
    expect(entriesOf(out).map(identity)).toEqual(entriesOf(golden).map(identity));
    for (const key of listKeysOf(golden)) {
      const ids = (recording: Recording) => recording[key].data.map((r: any) => [r.id, r.model.slug, r.model.permaslug, r.model_variant_slug, r.model_variant_permaslug]);
      expect(ids(out), key).toEqual(ids(golden));
    }
    expect(countRaw(out)).toEqual(raw);
  });

  it("changes every slug's entries together, and bumps prices numerically", () => {
    const result = nextHourRecording(golden, 0.3, 5);
    const total = raw.models + raw.endpoints;
    expect(result.changed).toBe(Math.round(0.3 * total));
    expect(diff(golden, result.recording)).toEqual({ models: result.changedModels, endpoints: result.changedEndpoints });
    const before = entriesOf(golden);
    const after = entriesOf(result.recording);
    const changedSlugs = new Set(after.filter((entry, index) => entry.description !== before[index].description).map((entry) => entry.slug));
    expect(changedSlugs.size).toBe(result.changedModels);
    after.forEach((entry, index) => {
      if (changedSlugs.has(entry.slug)) expect(entry.description).toBe(`${before[index].description} (rev 5)`);
    });
    for (const key of raw.variantKeys) {
      golden[key].data.forEach((record: any, index: number) => {
        const next = result.recording[key].data[index];
        if (JSON.stringify(next) === JSON.stringify(record)) return;
        expect(typeof next.pricing.completion).toBe("string");
        expect(next.pricing.completion).not.toMatch(/e/i);
        expect(Number(next.pricing.completion)).not.toBe(Number(record.pricing.completion));
        expect({ ...next, pricing: { ...next.pricing, completion: record.pricing.completion } }).toEqual(record);
      });
    }
  });

  it("is deterministic per seed; fraction 0 and 1 change nothing and everything", () => {
    expect(JSON.stringify(nextHourRecording(golden, 0.05, 3))).toBe(JSON.stringify(nextHourRecording(golden, 0.05, 3)));
    expect(JSON.stringify(nextHourRecording(golden, 0.05, 3).recording)).not.toBe(JSON.stringify(nextHourRecording(golden, 0.05, 4).recording));
    const none = nextHourRecording(golden, 0);
    expect(none.changed).toBe(0);
    expect(none.recording).toEqual(golden);
    const all = nextHourRecording(golden, 1);
    expect(all).toMatchObject({ changedModels: raw.models, changedEndpoints: raw.endpoints });
    expect(diff(golden, all.recording)).toEqual({ models: raw.models, endpoints: raw.endpoints });
  });

  it("works on a scaled recording", () => {
    const scaled = scaleRecording(golden, 2, { endpointsPerVariant: 3 });
    const counts = countRaw(scaled);
    const result = nextHourRecording(scaled, 0.02, 9);
    expect(result.total).toBe(counts.models + counts.endpoints);
    expect(result.changed).toBe(Math.round(0.02 * (counts.models + counts.endpoints)));
    expect(diff(scaled, result.recording)).toEqual({ models: result.changedModels, endpoints: result.changedEndpoints });
  });
});

describe("on the 2026-shaped recording (v1 paths)", () => {
  const base = loadRecording(GOLDEN_2026_PATHS.base);
  const baseJson = JSON.stringify(base);
  const rawBase = countRaw(base);
  const entries = (recording: Recording): any[] => recording[modelsKeyOf(recording)].data;
  const lists = (recording: Recording) => Object.keys(recording).filter((key) => key.startsWith("/api/frontend/v1/stats/endpoint?"));
  const records = (recording: Recording): any[] => lists(recording).flatMap((key) => recording[key].data);

  it("the base holds what tests/golden/README.md counts", () => {
    // 537 entries, 483 distinct slugs, 326 variants with a list, 338 endpoint records (3 aliases have no list).
    expect([entries(base).length, rawBase.models, rawBase.variantFetches, rawBase.endpoints, lists(base).length]).toEqual([537, 483, 326, 338, 326]);
  });

  it("k=3 triples every raw count, keeps every key unique and every reference pointing inside its copy", () => {
    const out = scaleRecording(base, 3);
    expect(JSON.stringify(base)).toBe(baseJson);
    const scaled = countRaw(out);
    expect(scaled.family).toBe("v1");
    expect([scaled.entries, scaled.models, scaled.aliases, scaled.variantFetches, scaled.endpoints]).toEqual([3 * rawBase.entries, 3 * rawBase.models, 3 * rawBase.aliases, 3 * rawBase.variantFetches, 3 * rawBase.endpoints]);
    expect(lists(out).length).toBe(3 * lists(base).length);

    // Keys: slugs, permaslugs, endpoint ids and entity keys (permaslug|variant|id) are distinct across copies.
    const distinct = (values: unknown[]) => new Set(values).size;
    expect(distinct(entries(out).map((e) => e.slug))).toBe(3 * distinct(entries(base).map((e) => e.slug)));
    expect(distinct(entries(out).map((e) => e.permaslug))).toBe(3 * distinct(entries(base).map((e) => e.permaslug)));
    expect(distinct(records(out).map((r) => r.id))).toBe(3 * distinct(records(base).map((r) => r.id)));
    const entityKeys = (recording: Recording) =>
      [...countRaw(recording).variantKeys].flatMap((key) => {
        const params = new URLSearchParams(key.slice(key.indexOf("?") + 1));
        return recording[key].data.map((r: any) => `${params.get("permaslug")}|${params.get("variant")}|${r.id}`);
      });
    expect(distinct(entityKeys(out))).toBe(3 * distinct(entityKeys(base)));
    expect(distinct(entityKeys(out))).toBe(entityKeys(out).length);

    // References: each entry's list exists and holds its embedded endpoint; an alias's embedded
    // endpoint is a record of some list; telemetry names its own record; an alias names a model.
    const references = (recording: Recording) => {
      const ids = new Set(records(recording).map((r) => r.id));
      const slugs = new Set(entries(recording).map((e) => e.slug));
      const counts = { listHoldsEmbedded: 0, embeddedIdListed: 0, statsNameRecord: 0, aliasTargetListed: 0 };
      for (const entry of entries(recording)) {
        if (!entry.endpoint) continue;
        if (ids.has(entry.endpoint.id)) counts.embeddedIdListed++;
        if (entry.slug.startsWith("~")) {
          if (slugs.has(entry.endpoint.model.slug)) counts.aliasTargetListed++;
          continue;
        }
        if (recording[endpointsKeyIn("v1", entry.permaslug, entry.endpoint.variant)]?.data.some((r: any) => r.id === entry.endpoint.id)) counts.listHoldsEmbedded++;
      }
      for (const record of records(recording)) {
        const blocks = [record.stats, ...Object.values(record.statsByTier ?? {})].filter(Boolean) as any[];
        if (blocks.length > 0 && blocks.every((block) => block.endpoint_id === record.id)) counts.statsNameRecord++;
      }
      return counts;
    };
    const before = references(base);
    expect(before).toEqual({
      listHoldsEmbedded: entries(base).filter((e) => e.endpoint && !e.slug.startsWith("~")).length,
      embeddedIdListed: entries(base).filter((e) => e.endpoint).length,
      statsNameRecord: records(base).filter((r) => r.stats).length,
      aliasTargetListed: rawBase.aliases,
    });
    expect(references(out)).toEqual({
      listHoldsEmbedded: 3 * before.listHoldsEmbedded,
      embeddedIdListed: 3 * before.embeddedIdListed,
      statsNameRecord: 3 * before.statsNameRecord,
      aliasTargetListed: 3 * before.aliasTargetListed,
    });
  });

  it("1% of its entities change, exactly the records the raw diff finds", () => {
    const scaled = scaleRecording(base, 2);
    const counts = countRaw(scaled);
    const result = nextHourRecording(scaled, 0.01, 3);
    expect(result.total).toBe(2 * (rawBase.models + rawBase.endpoints));
    expect(result.changed).toBe(Math.round(0.01 * 2 * (rawBase.models + rawBase.endpoints)));
    const changedSlugs = new Set(entries(scaled).filter((entry, index) => JSON.stringify(entry) !== JSON.stringify(entries(result.recording)[index])).map((entry) => entry.slug));
    let changedRecords = 0;
    for (const key of counts.variantKeys) {
      scaled[key].data.forEach((record: any, index: number) => {
        if (JSON.stringify(record) !== JSON.stringify(result.recording[key].data[index])) changedRecords++;
      });
    }
    expect({ models: changedSlugs.size, endpoints: changedRecords }).toEqual({ models: result.changedModels, endpoints: result.changedEndpoints });
    expect(Object.keys(result.recording)).toEqual(Object.keys(scaled));
  });
});
