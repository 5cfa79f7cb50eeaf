/**
 * The HTTP feeds (convex/http.ts) through convex-test's `t.fetch`. Most cases read a hand-made
 * change table, small enough to list each feed's entries by eye: three runs, one with a broad
 * rewrite whose per-endpoint rows fold into it, a slug with XML markup in it. They check each
 * filter, paging through `next` links to the end, the JSON feed against the stored rows, ETag and
 * If-None-Match, and the 400s. One case runs two real snapshots (the 2026 golden base, then the
 * next day) and checks that the Atom feed lists exactly the rows of `or_changes`, and an endpoint's
 * price history against the raw recordings. Atom is read with a strict XML parser and checked
 * against RFC 4287 (tests/support/atom.ts); ETags against node:crypto's SHA-256.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { allRows, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { readAtomFeed, type AtomFeed } from "../support/atom";
import { endpointsKeyIn, GOLDEN_2026_PATHS, loadRecording, type RawRecording } from "../support/recording";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 6, 24, 12);
const ENTRY = "urn:openrouter-snapshots:change:";
const E1 = '["acme/alpha-1","standard","e1"]';
const E2 = '["acme/alpha-1","standard","e2"]';

type ChangeRow = Omit<Doc<"or_changes">, "_id" | "_creationTime">;

/** The hand-made change table's rows, by name, in the order they were written. */
type Seeded = Record<(typeof NAMES)[number], Id<"or_changes">>;
const NAMES = ["alphaAdded", "e1Added", "e2Added", "rewrite", "e1Rewritten", "e2Repriced", "markupAdded", "alphaContext", "e1Price", "e2Removed"] as const;

function change(run_id: Id<"snapshot_runs">, snapshot_at: number, row: Partial<ChangeRow> & Pick<ChangeRow, "entity" | "key" | "event">): ChangeRow {
  return { snapshot_at, run_id, model_slug: null, provider_slug: null, reason: null, fields: [], tags: [], rates: [], max_abs_percent: null, revert: "", ...row };
}

/**
 * Three runs an hour apart. Run A adds a model and its two endpoints. Run B rewrites
 * `pricing_version_id` on both endpoints (a rewrite row of count 2); e1 changed nothing else, so its
 * row folds into the rewrite, while e2 also moved its prompt price by −20% and stays. Run C adds a
 * model whose slug holds markup, widens alpha's context, raises e1's prompt price by 50% and
 * removes e2.
 */
async function seed(t: TestConvex): Promise<Seeded> {
  return t.run(async (ctx) => {
    const run = (snapshot_at: number) =>
      ctx.db.insert("snapshot_runs", { snapshot_at, started_at: snapshot_at, status: "ok", config: { output: "convex", source: "remote", maxConcurrency: 8 } });
    const [a, b, c] = [await run(T0), await run(T0 + HOUR), await run(T0 + 2 * HOUR)];
    const endpoint = (key: string, provider_slug: string) => ({ entity: "endpoint" as const, key, model_slug: "acme/alpha", provider_slug });
    const rows: Record<(typeof NAMES)[number], ChangeRow> = {
      alphaAdded: change(a, T0, { entity: "model", key: "acme/alpha", model_slug: "acme/alpha", event: "added", tags: ["availability"] }),
      e1Added: change(a, T0, { ...endpoint(E1, "azure"), event: "added", tags: ["availability"] }),
      e2Added: change(a, T0, { ...endpoint(E2, "fastco"), event: "added", tags: ["availability"] }),
      rewrite: change(b, T0 + HOUR, { entity: "endpoint", key: "pricing_version_id", event: "rewrite", tags: ["metadata"], count: 2 }),
      e1Rewritten: change(b, T0 + HOUR, {
        ...endpoint(E1, "azure"),
        event: "updated",
        fields: [{ path: "pricing_version_id", before: "v1", after: "v2", tag: "metadata" }],
        tags: ["metadata"],
      }),
      e2Repriced: change(b, T0 + HOUR, {
        ...endpoint(E2, "fastco"),
        event: "updated",
        fields: [
          { path: "pricing.prompt", before: 0.000001, after: 0.0000008, tag: "price" },
          { path: "pricing_version_id", before: "v1", after: "v2", tag: "metadata" },
        ],
        tags: ["metadata", "price"],
        rates: [{ path: "pricing.prompt", before: 0.000001, after: 0.0000008, percent: -20 }],
        max_abs_percent: 20,
      }),
      markupAdded: change(c, T0 + 2 * HOUR, { entity: "model", key: `acme/<b>&"q"`, model_slug: `acme/<b>&"q"`, event: "added", tags: ["availability"] }),
      alphaContext: change(c, T0 + 2 * HOUR, {
        entity: "model",
        key: "acme/alpha",
        model_slug: "acme/alpha",
        event: "updated",
        fields: [{ path: "context_length", before: 8192, after: 16384, tag: "context" }],
        tags: ["context"],
      }),
      e1Price: change(c, T0 + 2 * HOUR, {
        ...endpoint(E1, "azure"),
        event: "updated",
        fields: [{ path: "pricing.prompt", before: 0.000002, after: 0.000003, tag: "price" }],
        tags: ["price"],
        rates: [{ path: "pricing.prompt", before: 0.000002, after: 0.000003, percent: 50 }],
        max_abs_percent: 50,
      }),
      e2Removed: change(c, T0 + 2 * HOUR, { ...endpoint(E2, "fastco"), event: "removed", reason: "gone from the catalogue", tags: ["availability"] }),
    };
    const ids: Partial<Seeded> = {};
    for (const name of NAMES) ids[name] = await ctx.db.insert("or_changes", rows[name]);
    return ids as Seeded;
  });
}

async function get(t: TestConvex, path: string, headers: Record<string, string> = {}) {
  const response = await t.fetch(path, { headers });
  return { response, body: await response.text() };
}

/** Fetches an Atom page, checks it is a 200 and a valid feed, and reads it. */
async function atomPage(t: TestConvex, path: string): Promise<AtomFeed> {
  const { response, body } = await get(t, path);
  expect(response.status, `${path}: ${body}`).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("application/atom+xml; charset=utf-8");
  return readAtomFeed(body);
}

/** Every entry of a feed, following `next` links from `path` to the last page; and how many pages. */
async function allEntries(t: TestConvex, path: string) {
  const entries: AtomFeed["entries"] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next !== undefined) {
    const feed = await atomPage(t, next);
    entries.push(...feed.entries);
    pages++;
    expect(pages).toBeLessThan(100);
    next = feed.links.next === undefined ? undefined : relative(feed.links.next);
  }
  return { entries, pages };
}

function relative(url: string): string {
  const { pathname, search } = new URL(url);
  return pathname + search;
}

const sha256 = (body: string) => `"${createHash("sha256").update(body, "utf8").digest("hex")}"`;

describe("HTTP feeds over a hand-made change table", () => {
  let t: TestConvex;
  let ids: Seeded;
  const idsOf = (...names: (typeof NAMES)[number][]) => names.map((name) => ENTRY + ids[name]);

  beforeAll(async () => {
    t = setupTest();
    ids = await seed(t);
  });

  it("lists every change newest first, with a rewrite's own rows folded into it, titled in plain English", async () => {
    const feed = await atomPage(t, "/changes.atom");
    expect(feed.id).toBe("urn:openrouter-snapshots:changes");
    expect(feed.updated).toBe(new Date(T0 + 2 * HOUR).toISOString());
    expect(feed.links.self).toBe("https://some.convex.site/changes.atom");
    expect(feed.links.next).toBeUndefined();
    expect(feed.links.alternate).toBe("https://some.convex.site/changes.json");
    // Within a run, newest written first (the index's order); e1's rewritten row is folded.
    expect(feed.entries.map((entry) => entry.id)).toEqual(
      idsOf("e2Removed", "e1Price", "alphaContext", "markupAdded", "e2Repriced", "rewrite", "e2Added", "e1Added", "alphaAdded"),
    );
    expect(Object.fromEntries(feed.entries.map((entry) => [entry.id, entry.title]))).toEqual({
      [ENTRY + ids.e2Removed]: "acme/alpha · endpoint fastco removed (gone from the catalogue)",
      [ENTRY + ids.e1Price]: "acme/alpha · endpoint azure: price +50% (pricing.prompt 0.000002 → 0.000003)",
      [ENTRY + ids.alphaContext]: "acme/alpha: context_length 8192 → 16384",
      [ENTRY + ids.markupAdded]: `acme/<b>&"q" added`,
      [ENTRY + ids.e2Repriced]: "acme/alpha · endpoint fastco: price −20% (pricing.prompt 0.000001 → 0.0000008); pricing_version_id v1 → v2",
      [ENTRY + ids.rewrite]: "rewrite: pricing_version_id changed on 2 endpoints",
      [ENTRY + ids.e2Added]: "acme/alpha · endpoint fastco added",
      [ENTRY + ids.e1Added]: "acme/alpha · endpoint azure added",
      [ENTRY + ids.alphaAdded]: "acme/alpha added",
    });
    expect(feed.entries.map((entry) => entry.updated)).toEqual(
      [...Array(4).fill(T0 + 2 * HOUR), T0 + HOUR, T0 + HOUR, T0, T0, T0].map((ms) => new Date(ms).toISOString()),
    );
    const price = feed.entries.find((entry) => entry.id === ENTRY + ids.e1Price)!;
    expect(price.categories.map((category) => category.term).sort()).toEqual(["price", "updated"]);
    expect(price.content).toContain("pricing.prompt: 0.000002 → 0.000003 (+50%)");
  });

  it("filters by tag, minimum price change, model, provider, entity and time, as the query parameters say", async () => {
    const entryIds = async (query: string) => (await atomPage(t, `/changes.atom?${query}`)).entries.map((entry) => entry.id);
    expect(await entryIds("tag=price")).toEqual(idsOf("e1Price", "e2Repriced"));
    expect(await entryIds("tag=price&min_percent=30")).toEqual(idsOf("e1Price"));
    expect(await entryIds("min_percent=20")).toEqual(idsOf("e1Price", "e2Repriced"));
    // With a model or provider, each entity's own rows are what was asked for: nothing folds, and the rewrite names no model.
    expect(await entryIds("model=acme%2Falpha")).toEqual(idsOf("e2Removed", "e1Price", "alphaContext", "e2Repriced", "e1Rewritten", "e2Added", "e1Added", "alphaAdded"));
    expect(await entryIds("provider=azure")).toEqual(idsOf("e1Price", "e1Rewritten", "e1Added"));
    expect(await entryIds("entity=model")).toEqual(idsOf("alphaContext", "markupAdded", "alphaAdded"));
    expect(await entryIds("entity=endpoint")).toEqual(idsOf("e2Removed", "e1Price", "e2Repriced", "rewrite", "e2Added", "e1Added"));
    // since/until are inclusive; ISO with a zone and epoch ms name the same instant.
    expect(await entryIds(`since=2026-07-24T14:00:00%2B01:00&until=${T0 + HOUR}`)).toEqual(idsOf("e2Repriced", "rewrite"));
    expect(await entryIds("since=2026-07-24T13:30:00Z")).toEqual(idsOf("e2Removed", "e1Price", "alphaContext", "markupAdded"));
    expect(await entryIds("until=2026-07-24")).toEqual([]);
    const filtered = await atomPage(t, "/changes.atom?provider=azure&since=2026-07-24T12:00:00Z");
    expect(filtered.id).toBe(`urn:openrouter-snapshots:changes;since=${T0};provider=azure`);
    expect(filtered.title).toBe("OpenRouter catalogue changes (since 2026-07-24T12:00:00.000Z, provider azure)");
  });

  it("pages through next links to the last page, which has none, and lists every entry once", async () => {
    const whole = (await atomPage(t, "/changes.atom")).entries.map((entry) => entry.id);
    const paged = await allEntries(t, "/changes.atom?limit=2");
    expect(paged.entries.map((entry) => entry.id)).toEqual(whole);
    // Ten rows read two a page: at least five pages (the folded row leaves one page short).
    expect(paged.pages).toBeGreaterThanOrEqual(5);
    const first = await atomPage(t, "/changes.atom?limit=2&tag=price");
    expect(new URL(first.links.next!).searchParams.get("tag")).toBe("price");
    expect(new URL(first.links.next!).searchParams.get("limit")).toBe("2");
    expect(first.links.first).toBe("https://some.convex.site/changes.atom?limit=2&tag=price");
  });

  it("sends the same page as JSON: each stored row as it is, with its time and title, and the next cursor", async () => {
    const stored = new Map((await allRows(t, "or_changes")).map(({ revert: _revert, ...row }) => [row._id as string, row]));
    const items: any[] = [];
    let path: string | null = "/changes.json?limit=4";
    let cursors = 0;
    while (path !== null) {
      const { response, body } = await get(t, path);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
      const page = JSON.parse(body);
      expect(Object.keys(page).sort()).toEqual(["items", "next", "next_cursor"]);
      items.push(...page.items);
      if (page.next_cursor !== null) {
        cursors++;
        expect(new URL(page.next).searchParams.get("cursor")).toBe(page.next_cursor);
      }
      path = page.next === null ? null : relative(page.next);
    }
    expect(cursors).toBeGreaterThanOrEqual(2);
    expect(items.map((item) => item._id)).toEqual([
      ids.e2Removed,
      ids.e1Price,
      ids.alphaContext,
      ids.markupAdded,
      ids.e2Repriced,
      ids.rewrite,
      ids.e2Added,
      ids.e1Added,
      ids.alphaAdded,
    ]);
    for (const { time, title, ...item } of items) {
      expect(item).toEqual(stored.get(item._id));
      expect(time).toBe(new Date(item.snapshot_at).toISOString());
      expect(typeof title).toBe("string");
    }
    expect(items.find((item) => item._id === ids.rewrite).title).toBe("rewrite: pricing_version_id changed on 2 endpoints");
  });

  it("tags each body with the SHA-256 of its bytes, and answers a matching If-None-Match with 304 and no body", async () => {
    const { response, body } = await get(t, "/changes.atom?tag=price");
    const etag = response.headers.get("ETag")!;
    expect(etag).toBe(sha256(body));
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    // The same page asked again is the same bytes.
    expect((await get(t, "/changes.atom?tag=price")).body).toBe(body);
    for (const header of [etag, `W/${etag}`, `"0000", ${etag}`, "*"]) {
      const again = await get(t, "/changes.atom?tag=price", { "If-None-Match": header });
      expect(again.response.status, header).toBe(304);
      expect(again.body).toBe("");
      expect(again.response.headers.get("ETag")).toBe(etag);
    }
    expect((await get(t, "/changes.atom?tag=price", { "If-None-Match": '"0000"' })).response.status).toBe(200);
    const json = await get(t, "/changes.json?tag=price");
    expect(json.response.headers.get("ETag")).toBe(sha256(json.body));
    expect((await get(t, "/changes.json?tag=price", { "If-None-Match": json.response.headers.get("ETag")! })).response.status).toBe(304);

    // A new change makes a new page, and the old tag no longer matches.
    const added = await t.run(async (ctx) => {
      const run_id = (await ctx.db.get(ids.e1Price))!.run_id;
      return ctx.db.insert(
        "or_changes",
        change(run_id!, T0 + 3 * HOUR, {
          entity: "endpoint",
          key: E1,
          model_slug: "acme/alpha",
          provider_slug: "azure",
          event: "updated",
          fields: [{ path: "pricing.prompt", before: 0.000003, after: 0.000001, tag: "price" }],
          tags: ["price"],
          rates: [{ path: "pricing.prompt", before: 0.000003, after: 0.000001, percent: -66.67 }],
          max_abs_percent: 66.67,
        }),
      );
    });
    try {
      const changed = await get(t, "/changes.atom?tag=price", { "If-None-Match": etag });
      expect(changed.response.status).toBe(200);
      expect(changed.response.headers.get("ETag")).not.toBe(etag);
      expect(readAtomFeed(changed.body).entries[0].id).toBe(ENTRY + added);
    } finally {
      await t.run((ctx) => ctx.db.delete(added));
    }
  });

  it("rejects a bad or unknown parameter with 400 and one line naming it and what it allows", async () => {
    const cases: [string, string][] = [
      ["/changes.atom?tag=cost", 'tag must be one of price, context, limits, capabilities, data_policy, deprecation, availability, metadata, got "cost"'],
      ["/changes.json?entity=models", 'entity must be one of model, endpoint, got "models"'],
      ["/changes.json?since=yesterday", "since must be epoch milliseconds"],
      ["/changes.json?until=2026-07-24T12:00:00", "until must be epoch milliseconds"],
      ["/changes.json?since=2026-07-25&until=2026-07-24", "since (2026-07-25T00:00:00.000Z) must not be after until (2026-07-24T00:00:00.000Z)"],
      ["/changes.json?min_percent=-5", "min_percent must be a number of at least 0"],
      ["/changes.json?limit=0", "limit must be a whole number from 1"],
      ["/changes.json?tags=price", 'unknown parameter "tags"; allowed: since, until, entity, tag, model, provider, min_percent, limit, cursor'],
      ["/changes.json?tag=price&tag=context", "tag may be given once, got it 2 times"],
      ["/changes.json?model=", "model must not be empty"],
      ["/changes.json?cursor=not-a-cursor", "cursor must be the cursor of a next link of this same feed"],
      ["/price-history.json?model_permaslug=a&endpoint_id=e1", "variant is required (give model_permaslug, variant and endpoint_id)"],
      ["/price-history.json?model_permaslug=a&variant=standard&endpoint_id=e1&at=0", 'unknown parameter "at"; allowed: model_permaslug, variant, endpoint_id'],
    ];
    for (const [path, message] of cases) {
      const { response, body } = await get(t, path);
      expect(response.status, path).toBe(400);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
      expect(response.headers.get("ETag")).toBeNull();
      const line = path.startsWith("/changes.atom") ? body.trimEnd() : JSON.parse(body).error;
      expect(response.headers.get("Content-Type")).toBe(path.startsWith("/changes.atom") ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
      expect(line, path).toContain(message);
      expect(line).not.toContain("\n");
      expect(line).not.toMatch(/\bat .*:\d+:\d+/);
    }
    // Above the cap is capped, not refused.
    const capped = JSON.parse((await get(t, "/changes.json?limit=100000")).body);
    expect(capped.items).toHaveLength(9);
  });

  it("answers 404 with a JSON error for an endpoint it does not know", async () => {
    const { response, body } = await get(t, "/price-history.json?model_permaslug=acme%2Falpha-1&variant=standard&endpoint_id=nope");
    expect(response.status).toBe(404);
    expect(JSON.parse(body)).toEqual({ error: 'no endpoint with model_permaslug "acme/alpha-1", variant "standard" and endpoint_id "nope"' });
  });
});

describe("HTTP feeds after two real snapshots", () => {
  const base = loadRecording(GOLDEN_2026_PATHS.base);
  const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
  let t: TestConvex;

  beforeAll(async () => {
    t = setupTest();
    let recording: RawRecording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      expect(await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 })).toMatchObject({ status: "ok", ok: true });
      recording = nextDay;
      expect(await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY })).toMatchObject({ status: "ok", ok: true });
    });
  });

  it("lists exactly the rows of or_changes, newest first, each titled with its model", async () => {
    const rows = await allRows(t, "or_changes");
    // Neither run rewrote a path broadly, so every row is an entry of its own.
    expect(rows.filter((row) => row.event === "rewrite")).toEqual([]);
    expect(rows.filter((row) => row.snapshot_at === T0 + DAY).length).toBeGreaterThan(0);
    const { entries } = await allEntries(t, "/changes.atom?limit=200");
    const byId = new Map(rows.map((row) => [ENTRY + row._id, row]));
    expect(entries.map((entry) => entry.id).sort()).toEqual([...byId.keys()].sort());
    const times = entries.map((entry) => Date.parse(entry.updated));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (const entry of entries) {
      const row = byId.get(entry.id)!;
      expect(entry.updated).toBe(new Date(row.snapshot_at).toISOString());
      expect(entry.title.startsWith(row.model_slug!), entry.title).toBe(true);
      if (row.event !== "updated") expect(entry.title).toContain(` ${row.event}`);
      expect(entry.categories.filter((category) => category.scheme?.endsWith(":tag")).map((category) => category.term)).toEqual(row.tags);
    }
    // The next day's changes alone.
    const day = await allEntries(t, `/changes.atom?since=${new Date(T0 + DAY).toISOString()}`);
    expect(day.entries.map((entry) => entry.id).sort()).toEqual(
      rows
        .filter((row) => row.snapshot_at === T0 + DAY)
        .map((row) => ENTRY + row._id)
        .sort(),
    );
  });

  it("serves an endpoint's price history: the base price from the first snapshot, the next day's from the second", async () => {
    const [permaslug, variant, id] = ["deepseek/deepseek-chat-v3-0324", "standard", "820376cb-f110-4d56-ab52-5bd6ca269420"];
    const recordIn = (recording: RawRecording) => recording[endpointsKeyIn("v1", permaslug, variant)].data.find((record: any) => record.id === id);
    const [before, after] = [Number(recordIn(base).pricing.prompt), Number(recordIn(nextDay).pricing.prompt)];
    expect(before).not.toBe(after);
    const { response, body } = await get(t, `/price-history.json?model_permaslug=${encodeURIComponent(permaslug)}&variant=${variant}&endpoint_id=${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toBe(sha256(body));
    const history = JSON.parse(body);
    expect(history).toMatchObject({ model_permaslug: permaslug, variant, endpoint_id: id, key: JSON.stringify([permaslug, variant, id]), complete: true });
    expect(history.periods.map((period: any) => [period.from_time, period.to_time, period.rates["pricing.prompt"]])).toEqual([
      [new Date(T0 + DAY).toISOString(), null, after],
      [new Date(T0).toISOString(), new Date(T0 + DAY).toISOString(), before],
    ]);
  });
});
