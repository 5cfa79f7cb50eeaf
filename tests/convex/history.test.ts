/**
 * The change history end to end (issue 13), on convex-test with transaction limits: four real
 * runs through the loopback fake (the 2026 base, a telemetry-only hour, a day of real changes of
 * every kind, and an hour that rewrites one field on every endpoint), then the history they left.
 *
 * Expected figures come from the raw recordings and the next-day change list
 * (tests/golden/changes-2026-next-day.json, its notes read by tests/support/goldenDay.ts), or from
 * the stored rows after each run (what that run observed, checked against the raw recordings by
 * upstream2026.test.ts), never from the history code.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc } from "../../convex/_generated/dataModel";
import { allRows, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import {
  cloneRecording,
  countRaw,
  GOLDEN_2026_PATHS,
  loadChangeManifest,
  loadRecording,
  modelsKeyOf,
  type ChangeManifest,
  type RawRecording,
} from "../support/recording";
import { claimsOf, endpointParts, HAND_PERCENT, PRICE_KINDS, rawRatesByPath, rawRecord, type Note } from "../support/goldenDay";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextHour = loadRecording(GOLDEN_2026_PATHS.nextHour);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const manifest = loadChangeManifest() as ChangeManifest & { notes: Note[] };
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 6, 24, 12);
const T1 = T0 + HOUR;
const T2 = T0 + 24 * HOUR;
const T3 = T2 + HOUR;

/** Next day with every endpoint record's `pricing_version_id` new (lists and embedded copies): one field rewritten across the table. */
const rewritten = cloneRecording(nextDay);
let rewrittenEndpoints = 0;
for (const key of countRaw(rewritten).variantKeys) {
  for (const record of rewritten[key].data) {
    if (record.pricing_version_id == null) continue;
    record.pricing_version_id = `${record.pricing_version_id}-r`;
    rewrittenEndpoints++;
  }
}
for (const entry of rewritten[modelsKeyOf(rewritten)].data)
  if (entry.endpoint?.pricing_version_id != null) entry.endpoint.pricing_version_id = `${entry.endpoint.pricing_version_id}-r`;

/** Keys of a stored row that are bookkeeping, listed here by hand. */
const BOOKKEEPING = ["_id", "_creationTime", "content_hash", "first_seen_at", "changed_at", "unavailable_at", "unavailable_reason", "returned_at"];
const contentOfRow = (row: object) => Object.fromEntries(Object.entries(row).filter(([key]) => !BOOKKEEPING.includes(key)));
const keyOfEndpoint = (row: { model_permaslug: string; variant: string; endpoint_id: string }) => JSON.stringify([row.model_permaslug, row.variant, row.endpoint_id]);

type Observed = { models: Map<string, object>; endpoints: Map<string, object> };
let t: TestConvex;
const reports: Awaited<ReturnType<typeof runAt>>[] = [];
/** The available rows after each run: what that run observed upstream. */
const observed: Observed[] = [];
let changes: Doc<"or_changes">[];
let dryRun: { report: Awaited<ReturnType<typeof runAt>>; lines: string[] };
let changesAfterDryRun = 0;
const at = (snapshot_at: number) => changes.filter((row) => row.snapshot_at === snapshot_at);

async function runAt(snapshot_at: number) {
  return t.action(internal.snapshots_v2.runDemo, { snapshot_at });
}

beforeAll(async () => {
  t = setupTest();
  let recording: RawRecording = base;
  await withFakeOpenRouter({ recording: () => recording }, async () => {
    for (const [next, snapshot_at] of [
      [base, T0],
      [nextHour, T1],
      [nextDay, T2],
      [rewritten, T3],
    ] as const) {
      recording = next;
      if (snapshot_at === T2) {
        // First a dry run of the day against the state it will change: the events it would write.
        const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
        dryRun = { report: await t.action(internal.snapshots_v2.runDemo, { snapshot_at, output: "dry-run" }), lines: log.mock.calls.map((call) => String(call[0])) };
        log.mockRestore();
        changesAfterDryRun = (await allRows(t, "or_changes")).length;
      }
      reports.push(await runAt(snapshot_at));
      const available = <Row extends { unavailable_at: number | null }>(rows: Row[]) => rows.filter((row) => row.unavailable_at === null);
      observed.push({
        models: new Map(available(await allRows(t, "or_models")).map((row) => [row.slug, contentOfRow(row)])),
        endpoints: new Map(available(await allRows(t, "or_endpoints")).map((row) => [keyOfEndpoint(row), contentOfRow(row)])),
      });
    }
  });
  changes = await allRows(t, "or_changes");
}, 240_000);

describe("change rows written with the state", () => {
  it("records every entity of a first run as added, and says so in the report", () => {
    const raw = countRaw(base);
    const first = at(T0);
    expect(reports[0]).toMatchObject({ status: "ok", events: raw.models + raw.endpoints });
    expect(first.filter((row) => row.entity === "model")).toHaveLength(raw.models);
    expect(first.filter((row) => row.entity === "endpoint")).toHaveLength(raw.endpoints);
    expect(new Set(first.map((row) => row.event))).toEqual(new Set(["added"]));
    // Models listed with no endpoint arrive unavailable, and say why.
    expect(first.filter((row) => row.reason !== null)).toHaveLength(raw.models - raw.availableModels);
  });

  it("writes no change row for an hour where only telemetry changed", () => {
    expect(reports[1]).toMatchObject({ status: "ok", events: 0 });
    expect(at(T1)).toEqual([]);
  });

  it("writes exactly one row per real change of the next day, as added, updated or removed", () => {
    const day = at(T2);
    const actual = day.map((row) => `${row.entity} ${row.event} ${row.key}`).sort();
    const endpoint = (key: string) => keyOfEndpoint(endpointParts(key));
    const expected = [
      ...manifest.models.insert.map((slug) => `model added ${slug}`),
      ...manifest.models.update.map((slug) => `model updated ${slug}`),
      ...manifest.models.unavailable.map((slug) => `model removed ${slug}`),
      ...manifest.endpoints.insert.map((key) => `endpoint added ${endpoint(key)}`),
      ...manifest.endpoints.update.map((key) => `endpoint updated ${endpoint(key)}`),
      ...manifest.endpoints.unavailable.map((key) => `endpoint removed ${endpoint(key)}`),
    ].sort();
    expect(actual).toEqual(expected);
    expect(reports[2].events).toBe(expected.length);
  });

  it("says why each removed entity went: gone from the list, or listed with no endpoint now", () => {
    const reasonOf = (slug: string) => at(T2).find((row) => row.entity === "model" && row.key === slug)?.reason;
    for (const note of manifest.notes.filter((n) => n.kind === "model-retired" && !n.key.includes("|")))
      expect(reasonOf(note.key), note.key).toBe("listed with no endpoint now");
    for (const note of manifest.notes.filter((n) => n.kind === "model-removed" && !n.key.includes("|"))) expect(reasonOf(note.key), note.key).toBe("gone upstream");
    for (const row of at(T2).filter((r) => r.entity === "endpoint" && r.event === "removed")) {
      expect(row).toMatchObject({ reason: "gone upstream", tags: ["availability"], fields: [] });
    }
  });

  it("carries each price note's rates with old, new and percentage, tagged price; a version change alone is metadata", () => {
    const rowOf = (key: string) => at(T2).find((row) => row.entity === "endpoint" && row.key === keyOfEndpoint(endpointParts(key)))!;
    const notes = manifest.notes.filter((note) => PRICE_KINDS.includes(note.kind));
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) {
      const row = rowOf(note.key);
      expect(row.tags, note.key).toContain("price");
      const rateClaims = claimsOf(note).filter((claim) => claim.path !== "pricing_version_id");
      for (const { path, before, after } of rateClaims) {
        const percent = HAND_PERCENT[`${before} → ${after}`];
        expect(row.rates, note.key).toContainEqual({ path, before: Number(before), after: Number(after), percent });
      }
      // Every rate listed is one that differs between the raw records.
      const [was, now] = [rawRatesByPath(rawRecord(base, note.key)), rawRatesByPath(rawRecord(nextDay, note.key))];
      for (const rate of row.rates)
        expect({ before: was.get(rate.path) ?? null, after: now.get(rate.path) ?? null }, rate.path).toEqual({ before: rate.before, after: rate.after });
      expect(row.max_abs_percent).toBe(Math.max(...row.rates.map((rate) => Math.abs(rate.percent ?? 0))));
    }
    for (const note of manifest.notes.filter((n) => n.kind === "pricing-version-only")) {
      const row = rowOf(note.key);
      const [claim] = claimsOf(note);
      expect(row).toMatchObject({ event: "updated", tags: ["metadata"], rates: [], max_abs_percent: null });
      expect(row.fields).toEqual([{ path: "pricing_version_id", before: claim.before, after: claim.after, tag: "metadata" }]);
    }
  });

  it("tags deprecations, model edits and a removed variant with their before and after", () => {
    for (const note of manifest.notes.filter((n) => n.kind === "deprecation")) {
      const row = at(T2).find((r) => r.key === keyOfEndpoint(endpointParts(note.key)))!;
      const date = note.what.split(" → ")[1];
      // Stored as epoch milliseconds.
      expect(row.fields, note.key).toContainEqual({
        path: "deprecation_date",
        before: null,
        after: Date.parse(rawRecord(nextDay, note.key).deprecation_date),
        tag: "deprecation",
      });
      expect(Date.parse(rawRecord(nextDay, note.key).deprecation_date)).toBe(Date.parse(date));
      expect(row.tags).toContain("deprecation");
    }
    const mistral = at(T2).find((r) => r.entity === "model" && r.key === "mistralai/mistral-medium-3")!;
    // The note's "2025-03-01", stored as epoch milliseconds.
    expect(mistral.fields).toContainEqual({ path: "knowledge_cutoff", before: null, after: Date.UTC(2025, 2, 1), tag: "metadata" });
    const prover = at(T2).find((r) => r.entity === "model" && r.key === "deepseek/deepseek-prover-v2")!;
    const variantsChange = prover.fields.find((field) => field.path === "variants")!;
    expect(variantsChange).toMatchObject({ added: [], tag: "availability" });
    expect((variantsChange as { removed: string[] }).removed).toHaveLength(1);
    expect((variantsChange as { removed: string[] }).removed[0]).toMatch(/ \[free\]$/);
  });
});

describe("dry runs", () => {
  it("show the events they would write, and write none", () => {
    expect(dryRun.report).toMatchObject({ status: "ok", output: "dry-run", events: at(T2).length });
    expect(changesAfterDryRun).toBe(at(T0).length);
    const eventLines = dryRun.lines.filter((line) => line.trimStart().startsWith("event "));
    expect(eventLines.length).toBeGreaterThan(0);
    const written = new Set(at(T2).map((row) => `event ${row.event} ${row.entity} ${row.key} [${row.tags.join(", ")}]`));
    for (const line of eventLines)
      expect(
        [...written].some((prefix) => line.trimStart().startsWith(prefix)),
        line,
      ).toBe(true);
    const summary = dryRun.lines.find((line) => line.startsWith("dry run (nothing written)"))!;
    expect(summary).toContain(`${at(T2).length} change events`);
  });
});

describe("broad rewrites", () => {
  it("writes every per-endpoint row and one summary row with the count", () => {
    const hour = at(T3);
    const perEndpoint = hour.filter((row) => row.event === "updated" && row.entity === "endpoint");
    expect(perEndpoint).toHaveLength(rewrittenEndpoints);
    expect(hour.filter((row) => row.event === "rewrite")).toEqual([
      expect.objectContaining({ entity: "endpoint", key: "pricing_version_id", count: rewrittenEndpoints, tags: ["metadata"], run_id: reports[3].run_id }),
    ]);
  });

  it("shows the rewrite as one item in the feed, and the entities' own rows to a provider filter", async () => {
    const page = await t.query(api.changes.feed, { since: T3, paginationOpts: { numItems: 200, cursor: null } });
    const items = page.page.filter((row) => row.snapshot_at === T3);
    expect(items.map((row) => row.event)).toEqual(["rewrite"]);
    const provider = at(T3).find((row) => row.provider_slug !== null)!.provider_slug!;
    const ofProvider = await t.query(api.changes.feed, { provider, since: T3, paginationOpts: { numItems: 200, cursor: null } });
    expect(ofProvider.page.map((row) => row._id).sort()).toEqual(
      at(T3)
        .filter((row) => row.provider_slug === provider)
        .map((row) => row._id)
        .sort(),
    );
  });
});

describe("the feed's filters", () => {
  /** Every item of the feed under `filter`, paging until done. */
  async function wholeFeed(filter: Record<string, unknown>) {
    const items = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { page: { _id: string }[]; isDone: boolean; continueCursor: string } = await t.query(api.changes.feed, {
        ...filter,
        paginationOpts: { numItems: 150, cursor },
      });
      items.push(...page.page);
      if (page.isDone) return items;
      cursor = page.continueCursor;
    }
  }

  it("returns, newest first, exactly the rows that pass each filter", async () => {
    const day = (filter: (row: Doc<"or_changes">) => boolean) =>
      at(T2)
        .filter(filter)
        .map((row) => row._id)
        .sort();
    const ids = (items: { _id: string }[]) => items.map((item) => item._id).sort();
    expect(ids(await wholeFeed({ since: T2, until: T2, tag: "price" }))).toEqual(day((row) => row.tags.includes("price")));
    expect(ids(await wholeFeed({ since: T2, until: T2, tag: "price", min_percent: 15 }))).toEqual(day((row) => (row.max_abs_percent ?? -1) >= 15));
    expect(ids(await wholeFeed({ since: T2, until: T2, entity: "model" }))).toEqual(day((row) => row.entity === "model"));
    expect(ids(await wholeFeed({ since: T2, until: T2, model: "meta-llama/llama-4-scout" }))).toEqual(day((row) => row.model_slug === "meta-llama/llama-4-scout"));
    const all = await wholeFeed({});
    expect(all.length).toBe(
      changes.length - rewrittenEndpoints + at(T3).filter((row) => row.event === "updated" && row.fields.some((f) => f.path !== "pricing_version_id")).length,
    );
    const times = (all as unknown as { snapshot_at: number }[]).map((row) => row.snapshot_at);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("names a bad filter", async () => {
    await expect(t.query(api.changes.feed, { since: 5, until: 4, paginationOpts: { numItems: 10, cursor: null } })).rejects.toThrow("since (5) is after until (4)");
    await expect(t.query(api.changes.feed, { min_percent: -1, paginationOpts: { numItems: 10, cursor: null } })).rejects.toThrow("min_percent must be at least 0");
  });
});

describe("as of an instant", () => {
  /** The catalogue as of `instant`, every page, as the observed maps. */
  async function catalogueAt(instant: number): Promise<Observed & { exact: boolean }> {
    const result: Observed & { exact: boolean } = { models: new Map(), endpoints: new Map(), exact: true };
    for (const entity of ["model", "endpoint"] as const) {
      let cursor: string | null = null;
      for (;;) {
        const page: { exact: boolean; page: { value: any }[]; isDone: boolean; continueCursor: string } = await t.query(api.changes.catalogueAsOf, {
          at: instant,
          entity,
          paginationOpts: { numItems: 100, cursor },
        });
        result.exact &&= page.exact;
        for (const { value } of page.page) {
          if (entity === "model") result.models.set(value.slug, value);
          else result.endpoints.set(keyOfEndpoint(value), value);
        }
        if (page.isDone) break;
        cursor = page.continueCursor;
      }
    }
    return result;
  }

  it("gives, at every run's snapshot, exactly the catalogue that run observed", async () => {
    for (const [index, instant] of [T0, T1, T2, T3].entries()) {
      const asOf = await catalogueAt(instant);
      expect(asOf.exact).toBe(true);
      expect(asOf.models, `models at run ${index}`).toEqual(observed[index].models);
      expect(asOf.endpoints, `endpoints at run ${index}`).toEqual(observed[index].endpoints);
    }
    const before = await catalogueAt(T0 - 1);
    expect(before).toEqual({ models: new Map(), endpoints: new Map(), exact: false });
  });

  it("rolls one endpoint and one model back, and gives an endpoint's price history from the raw rates", async () => {
    const note = manifest.notes.find((n) => n.kind === "flat-price")!;
    const key = endpointParts(note.key);
    const atBase = await t.query(api.changes.endpointAsOf, { ...key, at: T2 - 1 });
    expect(atBase.exact).toBe(true);
    expect(atBase.state?.value).toEqual(observed[1].endpoints.get(keyOfEndpoint(key)));
    const history = (await t.query(api.changes.priceHistory, key))!;
    expect(history.complete).toBe(true);
    // T3 only rewrote pricing_version_id: the rates of T2 hold on.
    expect(history.periods).toEqual([
      { from: T2, to: null, available: true, rates: Object.fromEntries(rawRatesByPath(rawRecord(nextDay, note.key))) },
      { from: T0, to: T2, available: true, rates: Object.fromEntries(rawRatesByPath(rawRecord(base, note.key))) },
    ]);
    expect(await t.query(api.changes.priceHistory, { ...key, endpoint_id: "no-such-endpoint" })).toBeNull();
    const removed = manifest.notes.find((n) => n.kind === "model-removed" && !n.key.includes("|"))!.key;
    expect((await t.query(api.changes.modelAsOf, { slug: removed, at: T1 })).state).toMatchObject({ available: true, value: observed[1].models.get(removed) });
    expect((await t.query(api.changes.modelAsOf, { slug: removed, at: T2 })).state).toMatchObject({ available: false, unavailable_reason: "gone upstream" });
    const added = manifest.models.insert[0];
    expect((await t.query(api.changes.modelAsOf, { slug: added, at: T1 })).state).toBeNull();
    await expect(t.query(api.changes.modelAsOf, { slug: added, at: Number.NaN })).rejects.toThrow("at must be a finite number");
  });
});
