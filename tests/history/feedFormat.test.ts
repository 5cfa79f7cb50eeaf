/**
 * feedFormat, what the HTTP feeds send: titles and details of hand-made change rows (one per
 * event, a price move among several rates, sets, long and multi-line values, a rewrite), XML
 * escaping of markup, quotes and the characters XML 1.0 forbids, an Atom document read back with
 * a strict XML parser and checked against RFC 4287, the JSON bodies, links, ETags (SHA-256 test
 * vectors from FIPS 180-2) and If-None-Match. Every expected text is written out by hand.
 */
import { describe, expect, it } from "vitest";
import {
  bodyResponse,
  changeDetails,
  changeEntryId,
  changeTitle,
  decimalText,
  errorResponse,
  escapeXmlAttribute,
  escapeXmlText,
  etagOf,
  feedId,
  feedLinks,
  feedTitle,
  matchesIfNoneMatch,
  renderAtomFeed,
  renderJsonFeed,
  renderPriceHistory,
  signedPercent,
  type FeedItem,
  type PriceHistory,
} from "../../src/history/feedFormat";
import { parseXml, readAtomFeed } from "../support/atom";

const T = Date.UTC(2026, 6, 25, 12);
const GPT4O_AZURE = '["openai/gpt-4o-2024-05-13","standard","az-1"]';

function row(overrides: Partial<FeedItem>): FeedItem {
  return {
    _id: "c1",
    snapshot_at: T,
    entity: "model",
    key: "x/y",
    model_slug: "x/y",
    provider_slug: null,
    event: "updated",
    reason: null,
    fields: [],
    tags: [],
    rates: [],
    max_abs_percent: null,
    ...overrides,
  };
}

const priceCut = row({
  _id: "c-price",
  entity: "endpoint",
  key: GPT4O_AZURE,
  model_slug: "openai/gpt-4o",
  provider_slug: "azure",
  fields: [{ path: "pricing.prompt", before: 0.0000025, after: 0.000002, tag: "price" }],
  tags: ["price"],
  rates: [{ path: "pricing.prompt", before: 0.0000025, after: 0.000002, percent: -20 }],
  max_abs_percent: 20,
});

describe("changeTitle", () => {
  it("says what changed, in plain English, for each kind of event", () => {
    expect(changeTitle(priceCut)).toBe("openai/gpt-4o · endpoint azure: price −20% (pricing.prompt 0.0000025 → 0.000002)");
    expect(changeTitle(row({ event: "added", tags: ["availability"] }))).toBe("x/y added");
    expect(changeTitle(row({ event: "added", reason: "listed with no endpoint now" }))).toBe("x/y added (unavailable: listed with no endpoint now)");
    expect(changeTitle(row({ event: "removed", reason: "gone from the catalogue" }))).toBe("x/y removed (gone from the catalogue)");
    expect(changeTitle(row({ event: "returned", reason: "gone from the catalogue" }))).toBe("x/y returned");
    expect(
      changeTitle(row({ entity: "endpoint", key: '["a/b-1","free","e1"]', model_slug: "a/b", provider_slug: "p", event: "moved", reason: '["a/b-2","standard","e2"]' })),
    ).toBe("a/b:free · endpoint p moved to a/b-2 · endpoint e2");
    expect(changeTitle(row({ event: "rewrite", entity: "endpoint", key: "pricing_version_id", model_slug: null, count: 812 }))).toBe(
      "rewrite: pricing_version_id changed on 812 endpoints",
    );
    expect(changeTitle(row({ event: "rewrite", entity: "model", key: "description", model_slug: null, count: 1 }))).toBe("rewrite: description changed on 1 model");
  });

  it("names an endpoint without a provider by its id, and one with an unreadable key by the key", () => {
    expect(changeTitle(row({ entity: "endpoint", key: '["a/b","standard","e9"]', model_slug: "a/b", provider_slug: null, event: "added" }))).toBe(
      "a/b · endpoint e9 added",
    );
    expect(changeTitle(row({ entity: "endpoint", key: "odd", model_slug: "a/b", event: "added" }))).toBe("endpoint odd added");
  });

  it("leads with the rate that moved most, and counts the others", () => {
    const item = row({
      entity: "endpoint",
      key: GPT4O_AZURE,
      model_slug: "openai/gpt-4o",
      provider_slug: "azure",
      fields: [
        { path: "pricing.completion", before: 0.00001, after: 0.000005, tag: "price" },
        { path: "pricing.prompt", before: 0.000001, after: 0.0000011, tag: "price" },
        { path: "pricing.request", before: null, after: 0.001, tag: "price" },
      ],
      rates: [
        { path: "pricing.completion", before: 0.00001, after: 0.000005, percent: -50 },
        { path: "pricing.prompt", before: 0.000001, after: 0.0000011, percent: 10 },
        { path: "pricing.request", before: null, after: 0.001, percent: null },
      ],
    });
    expect(changeTitle(item)).toBe("openai/gpt-4o · endpoint azure: price −50% (pricing.completion 0.00001 → 0.000005, 2 more rates)");
    expect(changeTitle(row({ rates: [{ path: "pricing.image", before: null, after: 0.001, percent: null }] }))).toBe("x/y: price (pricing.image none → 0.001)");
  });

  it("tells values, sets and the rest, at most three, each cut short on one line", () => {
    expect(changeTitle(row({ fields: [{ path: "context_length", before: 8192, after: 16384, tag: "context" }] }))).toBe("x/y: context_length 8192 → 16384");
    expect(changeTitle(row({ fields: [{ path: "supported_parameters", added: ["tools", "tool_choice"], removed: ["seed"], tag: "capabilities" }] }))).toBe(
      "x/y: supported_parameters +tools +tool_choice −seed",
    );
    expect(changeTitle(row({ fields: [{ path: "features", added: ["a", "b", "c", "d", "e"], removed: [], tag: "capabilities" }] }))).toBe(
      "x/y: features +a +b +c +2 more",
    );
    expect(changeTitle(row({ fields: [{ path: "deprecation_date", before: null, after: "2026-09-01", tag: "deprecation" }] }))).toBe(
      "x/y: deprecation_date none → 2026-09-01",
    );
    expect(changeTitle(row({ fields: [{ path: "is_free", before: false, after: true, tag: "metadata" }] }))).toBe("x/y: is_free false → true");
    expect(changeTitle(row({ fields: [{ path: "default_parameters", before: { temperature: 1 }, after: {}, tag: "capabilities" }] }))).toBe(
      'x/y: default_parameters {"temperature":1} → {}',
    );
    const description = row({ fields: [{ path: "description", before: "A model.\nIt is\tgood.", after: "x".repeat(50), tag: "metadata" }] });
    expect(changeTitle(description)).toBe(`x/y: description A model. It is good. → ${"x".repeat(39)}…`);
    const many = row({
      fields: ["a", "b", "c", "d", "e"].map((path, index) => ({ path, before: index, after: index + 1, tag: "metadata" })),
    });
    expect(changeTitle(many)).toBe("x/y: a 0 → 1; b 1 → 2; c 2 → 3; 2 more changes");
    // A row whose values were left out still names its paths.
    expect(changeTitle(row({ fields_cut: true, fields: [{ path: "description", before: null, after: null, tag: "metadata" }] }))).toBe("x/y: description changed");
  });
});

describe("changeDetails", () => {
  it("lists every change with its before and after, then the snapshot, tags and key", () => {
    const item = row({
      ...priceCut,
      fields: [...priceCut.fields, { path: "pricing_version_id", before: "v1", after: "v2", tag: "metadata" }],
      tags: ["metadata", "price"],
    });
    expect(changeDetails(item).split("\n")).toEqual([
      "openai/gpt-4o · endpoint azure: price −20% (pricing.prompt 0.0000025 → 0.000002); pricing_version_id v1 → v2",
      "",
      "pricing.prompt: 0.0000025 → 0.000002 (−20%)",
      "pricing_version_id: v1 → v2",
      "",
      "Snapshot: 2026-07-25T12:00:00.000Z",
      "Tags: metadata, price",
      `Key: ${GPT4O_AZURE}`,
    ]);
  });

  it("says why for an availability event, and what a rewrite stands for", () => {
    expect(
      changeDetails(row({ event: "removed", reason: "gone from the catalogue", tags: ["availability"] }))
        .split("\n")
        .slice(0, 3),
    ).toEqual(["x/y removed (gone from the catalogue)", "", "Why: gone from the catalogue"]);
    const rewrite = changeDetails(
      row({ event: "rewrite", entity: "endpoint", key: "pricing.prompt", model_slug: null, count: 300, max_abs_percent: 12.5, tags: ["price"] }),
    );
    expect(rewrite).toContain("One snapshot changed pricing.prompt on 300 endpoints; rates moved by up to 12.5%.");
    expect(rewrite).toContain("filter by model or provider");
  });
});

describe("numbers", () => {
  it("writes numbers in plain decimals with their shortest digits", () => {
    expect(decimalText(2.5e-7)).toBe("0.00000025");
    expect(decimalText(0.000002)).toBe("0.000002");
    expect(decimalText(-3e-7)).toBe("-0.0000003");
    expect(decimalText(1.2345e-10)).toBe("0.00000000012345");
    expect(decimalText(123.45)).toBe("123.45");
    expect(decimalText(1e21)).toBe("1000000000000000000000");
    expect(decimalText(1.5e22)).toBe("15000000000000000000000");
    expect(decimalText(0)).toBe("0");
    expect(signedPercent(-20)).toBe("−20%");
    expect(signedPercent(33.33)).toBe("+33.33%");
    expect(signedPercent(0)).toBe("0%");
  });
});

describe("XML escaping", () => {
  it("escapes markup, keeps tab and newline in text and a carriage return as a reference", () => {
    expect(escapeXmlText(`a < b && c > d "q" 'a'`)).toBe(`a &lt; b &amp;&amp; c &gt; d "q" 'a'`);
    expect(escapeXmlText("]]>")).toBe("]]&gt;");
    expect(escapeXmlText("tab\there\nline\r\n")).toBe("tab\there\nline&#13;\n");
    expect(escapeXmlAttribute(`say "hi" & 'bye' <\t\n\r>`)).toBe("say &quot;hi&quot; &amp; &apos;bye&apos; &lt;&#9;&#10;&#13;&gt;");
  });

  it("replaces every character XML 1.0 forbids with U+FFFD, and keeps astral characters", () => {
    const forbidden = ["\u0000", "\u0001", "\u0008", "\u000B", "\u000C", "\u000E", "\u001F", "\uFFFE", "\uFFFF", "\uD800", "\uDFFF"];
    for (const char of forbidden) {
      expect(escapeXmlText(`a${char}b`), JSON.stringify(char)).toBe("a\uFFFDb");
      expect(escapeXmlAttribute(`a${char}b`), JSON.stringify(char)).toBe("a\uFFFDb");
    }
    expect(escapeXmlText("emoji 😀, é, \u007F, \u0085")).toBe("emoji 😀, é, \u007F, \u0085");
    // A surrogate pair split the wrong way round is two lone surrogates.
    expect(escapeXmlText("\uDE00\uD83D")).toBe("\uFFFD\uFFFD");
  });
});

describe("renderAtomFeed", () => {
  const hostile = row({
    _id: "c-hostile",
    snapshot_at: T - 3_600_000,
    key: `evil/<script>&"'`,
    model_slug: `evil/<script>&"'\u0001`,
    event: "added",
    reason: "a ]]> b\r\nc",
    tags: ["availability"],
  });
  const rewrite = row({ _id: "c-rewrite", event: "rewrite", entity: "endpoint", key: "pricing_version_id", model_slug: null, count: 812, tags: ["metadata"] });
  const url = "https://x.convex.site/changes.atom?tag=price&min_percent=10&limit=2";
  const links = feedLinks(url, "next&cursor", "/changes.json");
  const xml = renderAtomFeed({ items: [priceCut, hostile, rewrite], filter: { tag: "price", min_percent: 10 }, links });

  it("is well-formed, holds what RFC 4287 requires, and reads back every text exactly", () => {
    const feed = readAtomFeed(xml);
    expect(feed.id).toBe("urn:openrouter-snapshots:changes;tag=price;min_percent=10");
    expect(feed.title).toBe("OpenRouter catalogue changes (tag price, min_percent 10)");
    // The newest entry's snapshot, not the clock.
    expect(feed.updated).toBe("2026-07-25T12:00:00.000Z");
    expect(feed.links).toEqual({
      self: url,
      first: "https://x.convex.site/changes.atom?tag=price&min_percent=10&limit=2",
      next: "https://x.convex.site/changes.atom?tag=price&min_percent=10&limit=2&cursor=next%26cursor",
      alternate: "https://x.convex.site/changes.json?tag=price&min_percent=10&limit=2",
    });
    expect(feed.entries.map((entry) => entry.id)).toEqual([
      "urn:openrouter-snapshots:change:c-price",
      "urn:openrouter-snapshots:change:c-hostile",
      "urn:openrouter-snapshots:change:c-rewrite",
    ]);
    expect(feed.entries.map((entry) => entry.updated)).toEqual(["2026-07-25T12:00:00.000Z", "2026-07-25T11:00:00.000Z", "2026-07-25T12:00:00.000Z"]);
    expect(feed.entries.map((entry) => entry.title)).toEqual([
      "openai/gpt-4o · endpoint azure: price −20% (pricing.prompt 0.0000025 → 0.000002)",
      `evil/<script>&"'\uFFFD added (unavailable: a ]]> b c)`,
      "rewrite: pricing_version_id changed on 812 endpoints",
    ]);
    expect(feed.entries[1].content).toContain(`Key: evil/<script>&"'`);
    expect(feed.entries[0].categories).toEqual([
      { scheme: "urn:openrouter-snapshots:event", term: "updated" },
      { scheme: "urn:openrouter-snapshots:tag", term: "price" },
    ]);
  });

  it("has no next link on the last page, and the epoch as `updated` when a page is empty", () => {
    const feed = readAtomFeed(renderAtomFeed({ items: [], filter: {}, links: feedLinks("https://x.convex.site/changes.atom", null, "/changes.json") }));
    expect(feed.links.next).toBeUndefined();
    expect(feed.entries).toEqual([]);
    expect(feed.updated).toBe("1970-01-01T00:00:00.000Z");
    expect(feed.id).toBe("urn:openrouter-snapshots:changes");
  });

  it("keeps a carriage return through a real parser", () => {
    expect(parseXml(`<a>${escapeXmlText("x\r\ny")}</a>`).text).toBe("x\r\ny");
    expect(parseXml(`<a b="${escapeXmlAttribute("x\r\n\ty")}"/>`).attributes.b).toBe("x\r\n\ty");
  });
});

describe("ids and links", () => {
  it("gives a feed one id whatever the page or the spelling of its instants", () => {
    expect(feedId({ model: "openai/gpt-4o", tag: "price" })).toBe("urn:openrouter-snapshots:changes;tag=price;model=openai%2Fgpt-4o");
    expect(feedId({ since: Date.UTC(2026, 6, 24) })).toBe("urn:openrouter-snapshots:changes;since=1784851200000");
    expect(feedTitle({ since: Date.UTC(2026, 6, 24), entity: "endpoint" })).toBe("OpenRouter catalogue changes (since 2026-07-24T00:00:00.000Z, entity endpoint)");
    expect(changeEntryId({ _id: "k1" })).toBe("urn:openrouter-snapshots:change:k1");
  });

  it("links the next page with the cursor, the first without, and the same page in the other format", () => {
    const links = feedLinks("https://x.convex.site/changes.json?cursor=c1&tag=price", "c2", "/changes.atom");
    expect(links).toEqual({
      self: "https://x.convex.site/changes.json?cursor=c1&tag=price",
      first: "https://x.convex.site/changes.json?tag=price",
      next: "https://x.convex.site/changes.json?cursor=c2&tag=price",
      alternate: "https://x.convex.site/changes.atom?cursor=c1&tag=price",
    });
  });
});

describe("JSON bodies", () => {
  it("sends each row as it is, with its time and title, and the next cursor", () => {
    const body = JSON.parse(renderJsonFeed({ items: [priceCut], nextCursor: "c2", next: "https://x/changes.json?cursor=c2" }));
    expect(body).toEqual({
      items: [{ ...priceCut, time: "2026-07-25T12:00:00.000Z", title: "openai/gpt-4o · endpoint azure: price −20% (pricing.prompt 0.0000025 → 0.000002)" }],
      next_cursor: "c2",
      next: "https://x/changes.json?cursor=c2",
    });
  });

  it("sends a price history with ISO times beside the ms", () => {
    const history: PriceHistory = {
      key: GPT4O_AZURE,
      complete: false,
      periods: [
        { from: T, to: null, available: true, rates: { "pricing.prompt": 0.000002 } },
        { from: null, to: T, available: true, rates: {} },
      ],
    };
    expect(JSON.parse(renderPriceHistory({ model_permaslug: "openai/gpt-4o-2024-05-13", variant: "standard", endpoint_id: "az-1" }, history))).toEqual({
      model_permaslug: "openai/gpt-4o-2024-05-13",
      variant: "standard",
      endpoint_id: "az-1",
      key: GPT4O_AZURE,
      complete: false,
      periods: [
        { from: T, to: null, from_time: "2026-07-25T12:00:00.000Z", to_time: null, available: true, rates: { "pricing.prompt": 0.000002 } },
        { from: null, to: T, from_time: null, to_time: "2026-07-25T12:00:00.000Z", available: true, rates: {} },
      ],
    });
  });
});

describe("responses", () => {
  it("tags a body with its SHA-256 (FIPS 180-2 test vectors), quoted", async () => {
    expect(await etagOf("")).toBe('"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"');
    expect(await etagOf("abc")).toBe('"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"');
  });

  it("matches If-None-Match against any listed tag, weak or strong, and *", () => {
    const etag = '"ba7816bf"';
    expect(matchesIfNoneMatch(null, etag)).toBe(false);
    expect(matchesIfNoneMatch('"ba7816bf"', etag)).toBe(true);
    expect(matchesIfNoneMatch('W/"ba7816bf"', etag)).toBe(true);
    expect(matchesIfNoneMatch('"x", "y,z" ,"ba7816bf"', etag)).toBe(true);
    expect(matchesIfNoneMatch(" * ", etag)).toBe(true);
    expect(matchesIfNoneMatch('"ba7816b"', etag)).toBe(false);
    expect(matchesIfNoneMatch("ba7816bf", etag)).toBe(false);
    expect(matchesIfNoneMatch("", etag)).toBe(false);
  });

  it("answers 200 with the body and its headers, and 304 without a body when the tag matches", async () => {
    const ok = await bodyResponse(new Request("https://x/a"), "abc", "application/json; charset=utf-8");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("abc");
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      etag: '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"',
      "content-type": "application/json; charset=utf-8",
      "cache-control": "public, max-age=300",
    });
    const notModified = await bodyResponse(new Request("https://x/a", { headers: { "If-None-Match": `"0", ${ok.headers.get("ETag")}` } }), "abc", "application/json");
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(notModified.headers.get("ETag")).toBe(ok.headers.get("ETag"));
  });

  it("sends an error as one line, JSON or text, never cached", async () => {
    const json = errorResponse(400, "tag must be one of price\n, got x", "json");
    expect(json.status).toBe(400);
    expect(json.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(json.headers.get("Cache-Control")).toBe("no-store");
    expect(await json.json()).toEqual({ error: "tag must be one of price , got x" });
    const text = errorResponse(400, "limit must be…", "text");
    expect(text.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(await text.text()).toBe("limit must be…\n");
  });
});

describe("instants in titles", () => {
  it("tells a deprecation date and an update time as dates, not epoch milliseconds", () => {
    // 2026-09-01T00:00:00Z and 2026-07-25T09:14:07.512Z, worked out by hand.
    const line = changeTitle({
      _id: "c1",
      snapshot_at: 1,
      entity: "endpoint",
      key: '["a/b","standard","e1"]',
      model_slug: "a/b",
      provider_slug: "p",
      event: "updated",
      reason: null,
      fields: [
        { path: "deprecation_date", before: null, after: 1788220800000, tag: "deprecation" },
        { path: "updated_at", before: 1784970847512, after: 1784970847512, tag: "metadata" },
      ],
      tags: ["deprecation", "metadata"],
      rates: [],
      max_abs_percent: null,
    });
    expect(line).toContain("deprecation_date none → 2026-09-01");
    expect(line).toContain("updated_at 2026-07-25T09:14:07.512Z → 2026-07-25T09:14:07.512Z");
  });
});
