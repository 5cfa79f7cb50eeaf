/**
 * The status page's pure parts (src/statusPage/) on hand-made cases small enough to check by eye:
 * escaping, the card's verdict and reasons, the page's parameters, which endpoint the chart shows
 * and which rates it charts, and the drawing's shape. The page in a real browser, on real runs, is
 * tests/browser/statusPage.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { FeedItem, PriceHistory } from "../../src/history/feedFormat";
import { ParameterError } from "../../src/history/feedQuery";
import { amountText, durationText, isPricePath, rateText, rateUnit } from "../../src/statusPage/format";
import { escapeHtml, markup, raw } from "../../src/statusPage/html";
import { chartSeries, renderPriceChart } from "../../src/statusPage/priceChart";
import { renderStatusPage, verdictOf, type StatusCard, type StatusPageData } from "../../src/statusPage/statusPage";
import { defaultPriceEndpoint, parseStatusPageQuery, priceOptions } from "../../src/statusPage/statusQuery";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 6, 24, 12);
const E1 = JSON.stringify(["acme/alpha-1", "standard", "e1"]);
const E2 = JSON.stringify(["acme/alpha-1", "standard", "e2"]);

function card(lastRun: Partial<NonNullable<StatusCard["last_run"]>> | null, rest: Partial<StatusCard> = {}): StatusCard {
  return {
    last_run: lastRun && {
      run_id: "run1",
      snapshot_at: T0,
      status: "ok",
      ok: true,
      health: "healthy",
      reasons: [],
      withheld: null,
      duration_ms: 2500,
      errors: 0,
      models: { processed: 3, updated: 1 },
      endpoints: { processed: 2, updated: 0 },
      ...lastRun,
    },
    last_success_at: T0,
    in_progress: false,
    stale: false,
    running_since: null,
    new_fields_7d: 0,
    ...rest,
  };
}

function priceChange(key: string, snapshot_at: number, percent: number): FeedItem {
  return {
    _id: `c${key}${snapshot_at}`,
    snapshot_at,
    entity: "endpoint",
    key,
    model_slug: "acme/alpha",
    provider_slug: key === E1 ? "azure" : "fastco",
    event: "updated",
    reason: null,
    fields: [],
    tags: ["price"],
    rates: [{ path: "pricing.prompt", before: 1, after: 1 + percent / 100, percent }],
    max_abs_percent: Math.abs(percent),
  };
}

function pageData(overrides: Partial<StatusPageData> = {}): StatusPageData {
  return {
    now: T0 + HOUR,
    card: card({}),
    runs: [],
    newFields: [],
    feed: { params: [], items: [], nextCursor: null, paged: false, error: null },
    price: { options: [], selected: null, history: null, error: null },
    ...overrides,
  };
}

describe("html", () => {
  it("escapes every value but markup it made itself", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const item = `<img src=x onerror="alert(1)">`;
    expect(markup`<li title="${item}">${item}</li>`.html).toBe(
      `<li title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</li>`,
    );
    expect(markup`<ul>${["a", "<b>"].map((text) => markup`<li>${text}</li>`)}${null}${false}${undefined}${0}</ul>`.html).toBe("<ul><li>a</li><li>&lt;b&gt;</li>0</ul>");
    expect(markup`${raw("<br>")}`.html).toBe("<br>");
  });
});

describe("the card", () => {
  it("says one verdict: healthy, unhealthy, failed, stale, or no runs", () => {
    expect(verdictOf(card({})).word).toBe("Healthy");
    expect(verdictOf(card({ ok: false, health: "unhealthy: 0 endpoints", reasons: ["0 endpoints"] })).word).toBe("Unhealthy");
    expect(verdictOf(card({ status: "failed", ok: false, health: "failed: boom" })).word).toBe("Failed");
    expect(verdictOf(card({}, { stale: true, running_since: T0 })).word).toBe("Stale");
    expect(verdictOf(card(null, { last_success_at: null })).word).toBe("No runs yet");
  });

  it("reads sensibly before the first run: no figures to show, no chart to draw", () => {
    const page = renderStatusPage(pageData({ card: card(null, { last_success_at: null }) })).html;
    expect(page).toContain(`data-figure="verdict">No runs yet<`);
    expect(page).toContain(`data-figure="last-success">never<`);
    expect(page).not.toContain(`data-figure="models"`);
    expect(page).toContain("No recent price change to chart.");
    expect(page).toContain("No change recorded yet.");
  });

  it("lists every reason, escaped, and names the withheld removals with the command that accepts them", () => {
    const reasons = ["0 endpoints", "30 of 300 endpoint lists failed to fetch (10%, limit 10%)", `<script>alert("x")</script>`];
    const page = renderStatusPage(
      pageData({ card: card({ ok: false, health: `unhealthy: ${reasons.join("; ")}`, reasons, withheld: { run_id: "run9", models: 2, endpoints: 1 } }) }),
    ).html;
    const listed = /<ul class="reasons" data-figure="reasons">(.*?)<\/ul>/s.exec(page)![1];
    expect(listed.match(/<li>/g)).toHaveLength(3);
    expect(listed).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page).not.toContain(`<script>alert`);
    expect(page).toContain("2 models and 1 endpoint");
    expect(page).toContain(`npx convex run removals:acceptWithheld '{&quot;run_id&quot;:&quot;run9&quot;}'`);
  });
});

describe("the feed and the drift table", () => {
  it("show upstream text as text, and link a price change to its chart keeping the filters", () => {
    const hostile = priceChange(E1, T0, 10);
    hostile.model_slug = `acme/<img src=x onerror=alert(1)>`;
    const page = renderStatusPage(
      pageData({
        feed: { params: [["tag", "price"]], items: [hostile], nextCursor: "c2", paged: false, error: null },
        newFields: [{ scope: "endpoint", path: "pricing.<b>", treatment: "unmapped", first_seen_at: T0, count: 3, example: `"${"x".repeat(100)}"` }],
      }),
    ).html;
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("acme/&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain("<code>endpoint:pricing.&lt;b&gt;</code>");
    expect(page).toContain(`<code>&quot;${"x".repeat(78)}…</code>`);
    expect(page).toContain(`href="?tag=price&amp;endpoint=${encodeURIComponent(E1)}#price"`);
    expect(page).toContain(`<a rel="next" href="?tag=price&amp;cursor=c2#changes">Older changes</a>`);
    expect(page).toContain(`<a href="/changes.atom?tag=price">Atom</a>`);
  });
});

describe("the page's parameters", () => {
  it("reads the feed's parameters and an endpoint key, dropping the empty fields a form sends", () => {
    const asked = parseStatusPageQuery(new URLSearchParams(`tag=price&model=&provider=&endpoint=${encodeURIComponent(E1)}`), { maxLimit: 200 });
    expect(asked).toEqual({
      feed: { filter: { tag: "price" }, limit: 30, cursor: null },
      endpoint: { model_permaslug: "acme/alpha-1", variant: "standard", endpoint_id: "e1" },
      feedParams: [["tag", "price"]],
    });
    expect(parseStatusPageQuery(new URLSearchParams("limit=500&cursor=abc"), { maxLimit: 200 }).feed).toEqual({ filter: {}, limit: 200, cursor: "abc" });
  });

  it("names a bad parameter", () => {
    const fails = (query: string) => {
      try {
        parseStatusPageQuery(new URLSearchParams(query), { maxLimit: 200 });
      } catch (error) {
        expect(error).toBeInstanceOf(ParameterError);
        return (error as Error).message;
      }
      throw new Error(`${query} was accepted`);
    };
    expect(fails("tag=cost")).toBe('tag must be one of price, context, limits, capabilities, data_policy, deprecation, availability, metadata, got "cost"');
    expect(fails("at=1")).toBe('unknown parameter "at"; allowed: since, until, entity, tag, model, provider, min_percent, limit, cursor, endpoint');
    expect(fails('endpoint=["a","b"]')).toBe('endpoint must be an endpoint key, ["model_permaslug","variant","endpoint_id"] as JSON, got "[\\"a\\",\\"b\\"]"');
    expect(fails(`endpoint=${encodeURIComponent(E1)}&endpoint=${encodeURIComponent(E2)}`)).toBe("endpoint may be given once, got it 2 times");
  });
});

describe("which endpoint the chart shows", () => {
  it("offers each endpoint of the price changes once, newest first, and defaults to the newest snapshot's largest move", () => {
    // Newest first, as the feed returns them: e2 moved 5% in the newest snapshot, e1 3% then and 50% an hour before.
    const items = [priceChange(E1, T0 + HOUR, 3), priceChange(E2, T0 + HOUR, -5), priceChange(E1, T0, 50)];
    expect(priceOptions(items).map((option) => [option.key, option.label])).toEqual([
      [E1, "acme/alpha · azure (+3%)"],
      [E2, "acme/alpha · fastco (−5%)"],
    ]);
    expect(defaultPriceEndpoint(items)).toBe(E2);
    expect(defaultPriceEndpoint([])).toBeNull();
  });
});

describe("the price chart", () => {
  const period = (from: number | null, to: number | null, rates: Record<string, number>, available = true) => ({ from, to, available, rates });

  it("charts the rates that changed, once per distinct series, never a multiplier or a threshold", () => {
    const periods = [
      period(T0, T0 + HOUR, {
        "pricing.prompt": 3e-7,
        "pricing.completion": 1e-6,
        "pricing_json.x:prompt_tokens": 3e-7,
        "pricing.display_pricing[0].price": 3e-7,
        "pricing.display_pricing[0].displayMultiplier": 1e6,
        "pricing_json.long_context_threshold": 128000,
      }),
      period(T0 + HOUR, null, {
        "pricing.prompt": 2.7e-7,
        "pricing.completion": 1e-6,
        "pricing_json.x:prompt_tokens": 2.7e-7,
        "pricing.display_pricing[0].price": 2.7e-7,
        "pricing.display_pricing[0].displayMultiplier": 1e3,
        "pricing_json.long_context_threshold": 200000,
      }),
    ];
    // Only the prompt changed as a price; the completion fills the second panel.
    expect(chartSeries(periods).series.map((series) => [series.path, series.values])).toEqual([
      ["pricing.prompt", [3e-7, 2.7e-7]],
      ["pricing.completion", [1e-6, 1e-6]],
    ]);
  });

  it("draws one step per period, joined where one ends as the next starts, and an unavailable period dashed", () => {
    const history: PriceHistory = {
      key: E1,
      complete: false,
      // Newest first, as the query returns them: before history, a change, then unavailable.
      periods: [
        period(T0 + 2 * HOUR, null, { "pricing.image": 0.002 }, false),
        period(T0, T0 + 2 * HOUR, { "pricing.image": 0.002 }),
        period(null, T0, { "pricing.image": 0.001 }),
      ],
    };
    const chart = renderPriceChart(history, { now: T0 + 3 * HOUR, label: "acme/alpha · azure" })!;
    const svg = chart.svg.html;
    expect(chart.charted.map((series) => series.path)).toEqual(["pricing.image"]);
    const live = /<path class="step" data-rate="pricing.image" d="([^"]+)"/.exec(svg)![1];
    expect(live).toMatch(/^M[\d.]+ [\d.]+H[\d.]+V[\d.]+H[\d.]+$/);
    expect(svg).toMatch(/<path class="step gone" d="M[\d.]+ [\d.]+H[\d.]+"/);
    expect(svg).toContain(">before history</text>");
    expect(svg).toContain(">now</text>");
    expect(svg).toContain("now $0.002 / image");
    expect(svg).toContain("<title>2026-07-24 12:00 UTC: $0.002 / image</title>");
    expect(svg).toContain("(unavailable)</title>");
    expect([...svg.matchAll(/class="grid" data-value="([^"]+)"/g)].map((match) => Number(match[1]))).toEqual([0, 0.00125, 0.0025]);
  });
});

describe("figures in words", () => {
  it("shows rates in their units", () => {
    expect(rateText(2.7e-7, rateUnit("pricing.prompt"))).toBe("$0.27 / 1M tokens");
    expect(rateText(2.5e-6, rateUnit("pricing.overrides[0].prompt"))).toBe("$2.5 / 1M tokens");
    expect(rateText(1.1e-6, rateUnit("pricing_json.openai:completion_tokens"))).toBe("$1.1 / 1M tokens");
    expect(rateText(0.04, rateUnit("pricing.image"))).toBe("$0.04 / image");
    expect(rateText(3.5, rateUnit("pricing_json.bfl:upstream_cost_cents"))).toBe("3.5");
    expect([amountText(0), amountText(0.075), amountText(100), amountText(0.00004), amountText(1234.5)]).toEqual(["0", "0.075", "100", "0.00004", "1235"]);
    expect(["pricing.discount", "pricing.overrides[0].min_prompt_tokens", "pricing_json.openai:flex_tier_multiplier", "pricing.prompt"].map(isPricePath)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect([durationText(850), durationText(2274), durationText(125_000)]).toEqual(["850 ms", "2.3 s", "2 min 5 s"]);
  });
});
