/**
 * statusPage: the status page (`GET /`) as one HTML document: the dashboard card, the price chart
 * of an endpoint, the latest runs, the change feed with its filters, and the upstream-drift
 * summary.
 *
 * Owns: the page's words, layout, stylesheet and its one small script. Everything is rendered here,
 * so the page reads in full without script; the script only swaps the price section in place when
 * the endpoint picker changes (without it, the picker's button reloads the page). No request leaves
 * for anything but the page's own origin, and one request draws the whole page. Must not touch:
 * Convex (the HTTP action reads through the public queries and hands the results here), how a
 * change is titled (feedFormat.ts), the chart's drawing (priceChart.ts).
 *
 * @example renderStatusPage({ now: Date.now(), card, runs, newFields, feed, price })
 */
import { changeTitle, type FeedItem, type PriceHistory } from "../history/feedFormat";
import { CHANGE_TAGS, ENTITY_KINDS, type EndpointKeyParameters } from "../history/feedQuery";
import { agoText, amountIn, durationText, plural, utcText } from "./format";
import { markup, raw, type SafeHtml } from "./html";
import { renderPriceChart, type ChartSeries } from "./priceChart";
import type { EndpointOption } from "./statusQuery";

/** The dashboard card as `snapshots_v2:status` returns it. */
export type StatusCard = {
  last_run: null | {
    run_id: string;
    snapshot_at: number;
    status: string;
    ok: boolean | null;
    health: string | null;
    reasons: readonly string[];
    withheld: { run_id: string; models: number; endpoints: number } | null;
    duration_ms: number | null;
    errors: number;
    models: { processed: number; updated: number };
    endpoints: { processed: number; updated: number };
  };
  last_success_at: number | null;
  in_progress: boolean;
  stale: boolean;
  running_since: number | null;
  new_fields_7d: number;
};

type KindCounts = { total: number; insert: number; update: number; stable: number; unavailable: number };

/** What the page reads of a `snapshot_runs` row. */
export type RunRow = {
  _id: string;
  snapshot_at: number;
  status: string;
  health?: string;
  health_reasons?: readonly string[];
  duration_ms?: number;
  error?: string;
  config: { output: string; source: string; replay_from?: string };
  report?: {
    models: KindCounts;
    endpoints: KindCounts;
    issues: number;
    events?: number;
    fields?: { seen: number; new: number; gone: number; new_fields: readonly string[]; baseline: boolean };
  };
};

/** What the page reads of an `upstream_fields` row. */
export type DriftField = { scope: string; path: string; treatment: string; first_seen_at: number; count: number; example: string };

export type StatusPageData = {
  /** The instant the page is drawn at: "ago" and the chart's right end. */
  now: number;
  card: StatusCard;
  /** The newest runs, newest first. */
  runs: readonly RunRow[];
  /** Fields new upstream in the last 7 days, newest first (`upstream_fields:recent`). */
  newFields: readonly DriftField[];
  feed: {
    /** The feed's parameters as sent (no cursor): the page's links keep them. */
    params: readonly [string, string][];
    items: readonly FeedItem[];
    nextCursor: string | null;
    /** True when this page is not the first. */
    paged: boolean;
    /** Why the feed could not be read (a bad cursor), or null. */
    error: string | null;
  };
  price: {
    options: readonly EndpointOption[];
    /** The endpoint charted, and whether the page asked for it (else it is the default). */
    selected: { key: string; endpoint: EndpointKeyParameters; asked: boolean } | null;
    /** Its history; null when there is no such endpoint, or it could not be read. */
    history: PriceHistory | null;
    /** Why its history could not be read, or null. */
    error: string | null;
  };
};

/** A new field's example value is cut to this many characters in the drift table. */
const DRIFT_EXAMPLE_CHARS = 80;

/**
 * The status page.
 *
 * @example renderStatusPage(data).html.startsWith("<!doctype html>") // → true
 */
export function renderStatusPage(data: StatusPageData): SafeHtml {
  const main = markup`<main>
    ${cardSection(data.card, data.now)} ${priceSection(data)} ${runsSection(data.runs, data.now)} ${changesSection(data)} ${driftSection(data)}
  </main>`;
  return documentOf("OpenRouter snapshots: status", data.now, main);
}

/**
 * A page that says what was wrong with the request, with a way back.
 *
 * @example renderErrorPage("tag must be one of price, …, got \"cost\"", Date.now())
 */
export function renderErrorPage(message: string, now: number): SafeHtml {
  return documentOf(
    "OpenRouter snapshots: bad request",
    now,
    markup`<main>
      <section class="wide">
        <h2>That page cannot be shown</h2>
        <p class="error">${message}</p>
        <p><a href="?">Back to the status page</a></p>
      </section>
    </main>`,
  );
}

function documentOf(title: string, now: number, main: SafeHtml): SafeHtml {
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="icon" href="data:," />
        <link rel="alternate" type="application/atom+xml" title="Catalogue changes" href="/changes.atom" />
        ${raw(`<style>${STYLESHEET}</style>`)}
      </head>
      <body>
        <header>
          <h1>OpenRouter snapshots</h1>
          <p>Status at ${timeOf(now)} · feeds: <a href="/changes.atom">Atom</a>, <a href="/changes.json">JSON</a></p>
        </header>
        ${main}
        ${raw(`<script>${SCRIPT}</script>`)}
      </body>
    </html>
`;
}

function timeOf(ms: number): SafeHtml {
  return markup`<time datetime="${new Date(ms).toISOString()}">${utcText(ms)}</time>`;
}

// ---------------------------------------------------------------------------------------------
// The card

/** The card's one-word verdict and its tone. */
export function verdictOf(card: StatusCard): { word: string; tone: "good" | "warn" | "bad" | "idle" } {
  if (card.stale) return { word: "Stale", tone: "bad" };
  const run = card.last_run;
  if (run === null) return card.in_progress ? { word: "First run in progress", tone: "idle" } : { word: "No runs yet", tone: "idle" };
  if (run.status === "failed") return { word: "Failed", tone: "bad" };
  if (run.health === "healthy") return { word: "Healthy", tone: "good" };
  return { word: "Unhealthy", tone: "warn" };
}

function cardSection(card: StatusCard, now: number): SafeHtml {
  const verdict = verdictOf(card);
  const run = card.last_run;
  const figure = (name: string, label: string, value: unknown) => markup`<div><dt>${label}</dt><dd data-figure="${name}">${value}</dd></div>`;
  const running = card.stale
    ? markup`stale: a run started ${timeOf(card.running_since!)} is still marked running past its lease (presumed dead)`
    : card.in_progress
      ? markup`running since ${timeOf(card.running_since!)} (${agoText(card.running_since!, now)})`
      : "not running";
  const lastSuccess = card.last_success_at === null ? "never" : markup`${timeOf(card.last_success_at)} (${agoText(card.last_success_at, now)})`;
  const figures = run
    ? [
        figure("snapshot", "Snapshot", markup`${timeOf(run.snapshot_at)} (${agoText(run.snapshot_at, now)})`),
        figure("status", "Status", run.status),
        figure("health", "Health", run.health ?? "not recorded"),
        figure("duration", "Duration", run.duration_ms === null ? "not recorded" : durationText(run.duration_ms)),
        figure("models", "Models", `${run.models.processed} processed, ${run.models.updated} changed`),
        figure("endpoints", "Endpoints", `${run.endpoints.processed} processed, ${run.endpoints.updated} changed`),
        figure("errors", "Errors", run.errors),
        figure("last-success", "Last success", lastSuccess),
        figure("running", "Now", running),
        figure("new-fields", "New upstream fields", `${card.new_fields_7d} in 7 days`),
      ]
    : [figure("last-success", "Last success", lastSuccess), figure("running", "Now", running)];
  const reasons =
    run && run.reasons.length > 0
      ? markup`<h3>Why it is not healthy</h3>
          <ul class="reasons" data-figure="reasons">
            ${run.reasons.map((reason) => markup`<li>${reason}</li>`)}
          </ul>`
      : "";
  const withheld = run?.withheld
    ? markup`<p class="note" data-figure="withheld">
        Removals withheld by run <code>${run.withheld.run_id}</code>: ${plural(run.withheld.models, "model")} and ${plural(run.withheld.endpoints, "endpoint")}. If they
        are real, accept them: <code>npx convex run removals:acceptWithheld '${JSON.stringify({ run_id: run.withheld.run_id })}'</code>
      </p>`
    : "";
  const runId = run ? markup`<p class="muted small">Run <code>${run.run_id}</code></p>` : "";
  return markup`<section id="card" class="card ${verdict.tone}" aria-labelledby="card-title">
    <h2 id="card-title">Last run</h2>
    <p class="verdict"><span class="badge ${verdict.tone}" data-figure="verdict">${verdict.word}</span></p>
    <dl class="figures">${figures}</dl>
    ${reasons}${withheld}${runId}
  </section>`;
}

// ---------------------------------------------------------------------------------------------
// The price chart

function priceSection({ price, feed, now }: StatusPageData): SafeHtml {
  const { options, selected, history, error } = price;
  const hidden = feed.params.map(([name, value]) => markup`<input type="hidden" name="${name}" value="${value}" />`);
  const listed = selected !== null && options.some((option) => option.key === selected.key);
  const choices = [
    ...(selected !== null && !listed ? [markup`<option value="${selected.key}" selected>${keyLabel(selected.endpoint)}</option>`] : []),
    ...options.map((option) => markup`<option value="${option.key}"${option.key === selected?.key ? raw(" selected") : ""}>${option.label}</option>`),
  ];
  const picker =
    choices.length > 0
      ? markup`<form method="get" action="#price" class="picker">
          <label for="endpoint">Endpoint</label>
          <select id="endpoint" name="endpoint">${choices}</select>
          <noscript><button>Show</button></noscript>
          ${hidden}
        </form>`
      : "";
  let body: SafeHtml;
  if (selected === null) {
    body = markup`<p class="muted">
      No recent price change to chart. To chart any endpoint, add <code>?endpoint=["model_permaslug","variant","endpoint_id"]</code> to this page's address.
    </p>`;
  } else if (error !== null) {
    body = markup`<p class="error">${error}</p>`;
  } else if (history === null) {
    body = markup`<p class="error">
      No endpoint with model_permaslug ${JSON.stringify(selected.endpoint.model_permaslug)}, variant ${JSON.stringify(selected.endpoint.variant)} and endpoint_id
      ${JSON.stringify(selected.endpoint.endpoint_id)}.
    </p>`;
  } else {
    const option = options.find((item) => item.key === selected.key);
    const label = option ? option.label.replace(/ \([^)]*\)$/, "") : keyLabel(selected.endpoint);
    const chart = renderPriceChart(history, { now, label });
    const json = `/price-history.json?${new URLSearchParams(Object.entries(selected.endpoint)).toString()}`;
    if (chart === null) {
      body = markup`<p class="muted">This endpoint has no price to chart. <a href="${json}">Its rate card as JSON</a>.</p>`;
    } else {
      const periods = [...history.periods];
      const notCharted = chart.notCharted.length > 0 ? markup` ${plural(chart.notCharted.length, "other rate")} changed too: ${chart.notCharted.join(", ")}.` : "";
      const incomplete = history.complete ? "" : " The endpoint is older than the history: its first price held from before the history began.";
      body = markup`<figure>
          <div id="chart">${chart.svg}</div>
          <figcaption class="muted small">
            ${label}: the rates that changed, each on its own scale from zero (in the rate's unit; per-token rates per million tokens).${notCharted}${incomplete}
            <a href="${json}">Every rate as JSON</a>.
          </figcaption>
        </figure>
        ${periodsTable(periods, chart.charted)}`;
    }
  }
  return markup`<section id="price" aria-labelledby="price-title">
    <h2 id="price-title">Price history</h2>
    ${picker}
    ${body}
  </section>`;
}

/** The periods, newest first, with each charted rate's value; availability only when a period lacked it. */
function periodsTable(periods: PriceHistory["periods"], charted: readonly ChartSeries[]): SafeHtml {
  const availability = periods.some((period) => !period.available);
  const when = (ms: number | null, open: string) =>
    ms === null ? open : markup`<time datetime="${new Date(ms).toISOString()}">${utcText(ms).replace(" UTC", "")}</time>`;
  const head = charted.map(
    (series) =>
      markup`<th class="num">${series.path}${series.unit.label ? markup`<div class="small">${series.unit.usd ? "USD" : ""} per ${series.unit.label}</div>` : ""}</th>`,
  );
  const rows = periods.map(
    (period) =>
      markup`<tr>
        <td>${when(period.from, "before history")}</td>
        <td>${when(period.to, "now")}</td>
        ${availability ? markup`<td>${period.available ? "yes" : "no"}</td>` : ""}${charted.map((series) => {
          const value = period.rates[series.path];
          return markup`<td class="num">${value === undefined ? "none" : amountIn(value, series.unit)}</td>`;
        })}
      </tr>`,
  );
  return markup`<div class="scroll">
    <table class="periods">
      <thead>
        <tr>
          <th>From (UTC)</th>
          <th>To (UTC)</th>
          ${availability ? markup`<th>Available</th>` : ""}${head}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

function keyLabel(endpoint: EndpointKeyParameters): string {
  return `${endpoint.model_permaslug} · ${endpoint.variant} · ${endpoint.endpoint_id}`;
}

// ---------------------------------------------------------------------------------------------
// The latest runs

function runsSection(runs: readonly RunRow[], now: number): SafeHtml {
  if (runs.length === 0)
    return markup`<section id="runs" class="wide">
      <h2>Latest runs</h2>
      <p class="muted">No runs yet.</p>
    </section>`;
  const counts = (kind: KindCounts | undefined) =>
    kind
      ? markup`${kind.total} <span class="muted" title="added, updated, newly unavailable">+${kind.insert} ~${kind.update} −${kind.unavailable}</span>`
      : markup`<span class="muted">—</span>`;
  const rows = runs.map((run) => {
    const health = run.health_reasons && run.health_reasons.length > 0 ? run.health_reasons.join("; ") : (run.health ?? "");
    const kind = run.config.replay_from ? "replay" : run.config.output === "convex" ? "" : run.config.output;
    return markup`<tr data-run="${run._id}">
      <td>
        ${timeOf(run.snapshot_at)}
        <div class="muted small">${agoText(run.snapshot_at, now)}${kind ? ` · ${kind}` : ""}</div>
      </td>
      <td><span class="pill ${statusTone(run)}">${run.status}</span></td>
      <td class="health">${health}${run.error ? markup`<div class="error small">${run.error}</div>` : ""}</td>
      <td class="num">${run.duration_ms === undefined ? "—" : durationText(run.duration_ms)}</td>
      <td class="num">${counts(run.report?.models)}</td>
      <td class="num">${counts(run.report?.endpoints)}</td>
      <td class="num">${run.report?.issues ?? "—"}</td>
      <td class="num">${run.report?.events ?? "—"}</td>
    </tr>`;
  });
  return markup`<section id="runs" class="wide" aria-labelledby="runs-title">
    <h2 id="runs-title">Latest runs</h2>
    <div class="scroll">
      <table class="runs">
        <thead>
          <tr>
            <th>Snapshot</th>
            <th>Status</th>
            <th>Health</th>
            <th class="num">Duration</th>
            <th class="num">Models</th>
            <th class="num">Endpoints</th>
            <th class="num">Issues</th>
            <th class="num">Changes</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
    </div>
    <p class="muted small">
      Models and endpoints: seen, then added (+), updated (~) and newly unavailable (−). All runs:
      <code>npx convex run snapshot_runs:list '{"paginationOpts":{"numItems":50,"cursor":null}}'</code>
    </p>
  </section>`;
}

function statusTone(run: RunRow): string {
  if (run.status === "failed") return "bad";
  if (run.status === "running" || run.status === "skipped") return "idle";
  return run.health === "healthy" ? "good" : "warn";
}

// ---------------------------------------------------------------------------------------------
// The change feed

function changesSection({ feed, price }: StatusPageData): SafeHtml {
  const value = (name: string) => feed.params.find(([param]) => param === name)?.[1] ?? "";
  const endpointParam = price.selected?.asked ? [["endpoint", price.selected.key] as [string, string]] : [];
  const select = (name: string, choices: readonly string[]) =>
    markup`<label>${name}<select name="${name}"><option value="">any</option>${choices.map(
      (choice) => markup`<option${choice === value(name) ? raw(" selected") : ""}>${choice}</option>`,
    )}</select></label>`;
  const dates = raw(' title="Inclusive. Epoch ms, or an ISO-8601 date (00:00 UTC that day) or date-time with a zone"');
  const text = (name: string, placeholder: string, type = "text") =>
    markup`<label>${name}<input type="${type}" name="${name}" value="${value(name)}" placeholder="${placeholder}"${type === "number" ? raw(' min="0" step="any"') : ""}${name === "since" || name === "until" ? dates : ""}></label>`;
  const hidden = [...(value("limit") ? [["limit", value("limit")]] : []), ...endpointParam].map(
    ([name, param]) => markup`<input type="hidden" name="${name}" value="${param}">`,
  );
  const filters = markup`<form method="get" action="#changes" class="filters">
    ${select("entity", ENTITY_KINDS)}${select("tag", CHANGE_TAGS)}${text("model", "e.g. openai/gpt-4o")}${text("provider", "e.g. azure")}
    ${text("min_percent", "e.g. 10", "number")}${text("since", "e.g. 2026-07-24")}${text("until", "e.g. 2026-07-25")}${hidden}
    <button>Filter</button> <a href="?${query(endpointParam)}#changes">Clear</a>
  </form>`;
  const filterQuery = query(feed.params.filter(([name]) => name !== "limit"));
  const feeds = markup`<p class="muted small">
    These changes as a feed: <a href="/changes.atom${filterQuery ? `?${filterQuery}` : ""}">Atom</a>,
    <a href="/changes.json${filterQuery ? `?${filterQuery}` : ""}">JSON</a>.
  </p>`;
  let list: SafeHtml;
  if (feed.error !== null) list = markup`<p class="error">${feed.error}</p>`;
  else if (feed.items.length === 0)
    list = markup`<p class="muted">
      No change ${feed.params.length > 0 ? "matches these filters" : "recorded yet"}${feed.nextCursor ? " on this page; older ones may" : ""}.
    </p>`;
  else {
    list = markup`<ol class="changes">
      ${feed.items.map((item) => {
        const chart =
          item.entity === "endpoint" && item.event !== "rewrite" && item.tags.includes("price")
            ? markup` <a class="small" href="?${query([...feed.params, ["endpoint", item.key]])}#price">chart</a>`
            : "";
        const tags = [...item.tags, ...(item.backfilled ? ["rebuilt"] : [])].map((tag) => markup`<span class="tag">${tag}</span>`);
        return markup`<li class="change" data-event="${item.event}">
          <span class="when">${timeOf(item.snapshot_at)}</span>
          <span class="what">${changeTitle(item)}${chart}</span>
          <span class="tags">${tags}</span>
        </li>`;
      })}
    </ol>`;
  }
  const pager = [
    feed.paged ? markup`<a href="?${query([...feed.params, ...endpointParam])}#changes">Newest</a>` : "",
    feed.nextCursor ? markup`<a rel="next" href="?${query([...feed.params, ["cursor", feed.nextCursor], ...endpointParam])}#changes">Older changes</a>` : "",
  ].filter((link) => link !== "");
  return markup`<section id="changes" class="wide" aria-labelledby="changes-title">
    <h2 id="changes-title">Changes</h2>
    ${filters}
    ${list}
    ${pager.length > 0 ? markup`<p class="pager">${pager.map((link, index) => markup`${index > 0 ? " · " : ""}${link}`)}</p>` : ""}
    ${feeds}
  </section>`;
}

function query(params: readonly (readonly [string, string])[]): string {
  return new URLSearchParams(params as [string, string][]).toString();
}

// ---------------------------------------------------------------------------------------------
// Upstream drift

function driftSection({ card, runs, newFields, now }: StatusPageData): SafeHtml {
  const measured = runs.find((run) => run.report?.fields !== undefined);
  const fields = measured?.report?.fields;
  const summary = fields
    ? fields.baseline
      ? markup`The run of ${timeOf(measured!.snapshot_at)} started the drift ledger with ${plural(fields.seen, "field")}.`
      : markup`The run of ${timeOf(measured!.snapshot_at)} saw ${plural(fields.seen, "upstream field")}: ${fields.new} new, ${fields.gone} gone.`
    : markup`No run has compared upstream's fields yet.`;
  const table =
    newFields.length === 0
      ? markup`<p class="muted" data-figure="drift-new">No field has appeared upstream in the last 7 days.</p>`
      : markup`<div class="scroll">
          <table class="drift" data-figure="drift-new">
            <thead>
              <tr>
                <th>Field</th>
                <th>Treatment</th>
                <th>First seen</th>
                <th class="num">Records</th>
                <th>Example</th>
              </tr>
            </thead>
            <tbody>
              ${newFields.map(
                (field) =>
                  markup`<tr>
                    <td><code>${field.scope}:${field.path}</code></td>
                    <td>${field.treatment}</td>
                    <td>${timeOf(field.first_seen_at)} <span class="muted small">${agoText(field.first_seen_at, now)}</span></td>
                    <td class="num">${field.count}</td>
                    <td><code>${cut(field.example, DRIFT_EXAMPLE_CHARS)}</code></td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
  return markup`<section id="drift" class="wide" aria-labelledby="drift-title">
    <h2 id="drift-title">Upstream drift</h2>
    <p>${summary} ${plural(card.new_fields_7d, "field")} new in the last 7 days.</p>
    ${table}
    <p class="muted small">The whole ledger: <code>npx convex run upstream_fields:list '{"scope":"endpoint","paginationOpts":{"numItems":50,"cursor":null}}'</code></p>
  </section>`;
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Stylesheet and script: constants, so the Content-Security-Policy can name them by hash.

/** The page's stylesheet: system fonts, light and dark, two columns on a wide screen. */
export const STYLESHEET = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;--idle:#59636e;--link:#0969da;--chart:#2563eb}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--bg:#0d1117;--soft:#151b23;--good:#3fb950;--warn:#d29922;--bad:#f85149;--idle:#9198a1;--link:#4493f8;--chart:#4493f8}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1180px;padding:16px 20px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
header h1{font-size:20px;margin:0}
header p{margin:2px 0 0;color:var(--muted)}
main{display:grid;grid-template-columns:minmax(0,5fr) minmax(0,7fr);gap:16px;margin-top:14px}
@media (max-width:900px){main{grid-template-columns:minmax(0,1fr)}}
section{border:1px solid var(--line);border-radius:8px;padding:12px 16px;min-width:0}
section.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 8px}
h3{font-size:13px;margin:12px 0 4px}
.card{border-left:6px solid var(--idle)}
.card.good{border-left-color:var(--good)}.card.warn{border-left-color:var(--warn)}.card.bad{border-left-color:var(--bad)}
.verdict{margin:0 0 10px}
.badge,.pill{display:inline-block;border-radius:999px;color:#fff;background:var(--idle);font-weight:600}
.badge{padding:2px 12px;font-size:16px}
.pill{padding:0 8px;font-size:12px}
.good.badge,.good.pill{background:var(--good)}.warn.badge,.warn.pill{background:var(--warn)}.bad.badge,.bad.pill{background:var(--bad)}
dl.figures{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px 16px;margin:0}
dt{font-size:12px;color:var(--muted)}
dd{margin:0;font-weight:600}
ul.reasons{margin:0;padding-left:20px;color:var(--bad)}
.note{background:var(--soft);border-radius:6px;padding:6px 10px}
.muted{color:var(--muted)}.small{font-size:12px}.error{color:var(--bad)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.health{max-width:360px}
td time{white-space:nowrap}
figure{margin:0}
svg.chart{display:block;width:100%;max-width:720px;height:auto;margin:6px 0}
svg.chart path.step:not(.gone){stroke:var(--chart)}
svg.chart circle.point:not(.gone){fill:var(--chart)}
form{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:end;margin:0 0 10px}
label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
.picker{align-items:center}.picker label{display:inline}
.picker select{max-width:100%}
input,select,button{font:inherit;font-size:13px;padding:3px 6px;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px}
input{width:10em}
button{background:var(--soft);cursor:pointer}
ol.changes{list-style:none;margin:0;padding:0}
li.change{display:grid;grid-template-columns:11em minmax(0,1fr) auto;gap:10px;padding:4px 0;border-bottom:1px solid var(--line)}
@media (max-width:700px){li.change{grid-template-columns:minmax(0,1fr)}}
.when{color:var(--muted);font-size:12px;padding-top:1px}
.what{overflow-wrap:anywhere}
.tag{font-size:11px;border:1px solid var(--line);border-radius:4px;padding:0 5px;margin-left:4px;color:var(--muted)}
.pager{margin:8px 0 0}
[aria-busy=true]{opacity:.6}
`.trim();

/**
 * The page's script: when the endpoint picker changes, fetch the page for that endpoint and swap
 * in its price section, keeping the address in step; on any failure, submit the form instead.
 */
export const SCRIPT = `
document.addEventListener("change", async (event) => {
  const picker = event.target;
  if (!(picker instanceof HTMLSelectElement) || picker.id !== "endpoint") return;
  const form = picker.form;
  const url = new URL(form.action);
  url.search = new URLSearchParams(new FormData(form)).toString();
  const section = document.getElementById("price");
  section.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("price");
    if (!next) throw new Error("no price section");
    section.replaceWith(next);
    history.replaceState(null, "", url);
    document.getElementById("endpoint")?.focus({ preventScroll: true });
  } catch (error) {
    form.submit();
  }
});
`.trim();
