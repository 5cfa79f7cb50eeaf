/**
 * feedFormat: what the HTTP feeds send. A change row told in plain English (a title and a few
 * lines of detail), the Atom 1.0 feed (RFC 4287) and the JSON feed of a page of rows, an
 * endpoint's price history as JSON, and the response around a body: its strong `ETag`, the 304
 * that answers a matching `If-None-Match`, its caching headers, and one-line errors.
 *
 * Owns: the wording of titles, XML escaping (text the XML 1.0 `Char` production forbids becomes
 * U+FFFD: a feed that one stray control character made unreadable would stop every reader), the
 * feed's and entries' ids (`urn:openrouter-snapshots:…`), and its links (self, first, next with the
 * cursor, the other format as alternate). Must not touch: Convex (the caller reads the rows through
 * `changes:feed` and `changes:priceHistory`), which rows a page holds (feed.ts), parameters
 * (feedQuery.ts). Web-standard APIs only: this runs in Convex's default runtime.
 *
 * A body depends only on the rows and the URL asked for, never on the clock, so the same page asked
 * twice has the same ETag: the feed's `updated` is its newest entry's snapshot (the epoch when a
 * page holds none).
 */
import type { EntityKind, RateChange } from "./entityDiff";
import type { FeedFilter } from "./feed";

/** One changed path as a change row holds it (`vFieldChange`): a value's before and after, or a set's names added and removed. */
export type FieldChangeView = { path: string; tag?: string; before?: unknown; after?: unknown; added?: readonly string[]; removed?: readonly string[] };

/** What the feeds read of a change row, as `changes:feed` returns it. */
export type FeedItem = {
  _id: string;
  snapshot_at: number;
  entity: EntityKind;
  key: string;
  model_slug: string | null;
  provider_slug: string | null;
  event: string;
  reason: string | null;
  fields: readonly FieldChangeView[];
  tags: readonly string[];
  rates: readonly RateChange[];
  max_abs_percent: number | null;
  count?: number;
  fields_cut?: boolean;
  backfilled?: boolean;
};

/** An endpoint's price history as `changes:priceHistory` returns it. */
export type PriceHistory = {
  key: string;
  complete: boolean;
  periods: readonly { from: number | null; to: number | null; available: boolean; rates: Record<string, number> }[];
};

/** A feed page's links: the page itself, the first page, the next page (null on the last), and the same page in the other format. */
export type FeedLinks = { self: string; first: string; next: string | null; alternate: string };

export const ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8";
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";
const TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";

/** Pages are rewritten at most hourly (a snapshot) and revalidate cheaply through their ETag. */
export const FEED_CACHE_CONTROL = "public, max-age=300";

const ATOM_NS = "http://www.w3.org/2005/Atom";
const URN = "urn:openrouter-snapshots";
const GENERATOR = "openrouter-snapshots";
/** Values in a title are cut to this many characters, in the details to `DETAIL_VALUE_CHARS`. */
const TITLE_VALUE_CHARS = 40;
const DETAIL_VALUE_CHARS = 200;
/** Changes named in a title before "N more"; lines of detail before "… and N more". */
const TITLE_PARTS = 3;
const DETAIL_LINES = 100;

// ---------------------------------------------------------------------------------------------
// A change in plain English

/**
 * A change row's one-line title.
 *
 * @example changeTitle({ entity: "endpoint", event: "updated", model_slug: "openai/gpt-4o", provider_slug: "azure", key: '["openai/gpt-4o","standard","e1"]',
 *   rates: [{ path: "pricing.prompt", before: 0.0000025, after: 0.000002, percent: -20 }], fields: [{ path: "pricing.prompt", tag: "price", … }], … })
 * // → "openai/gpt-4o · endpoint azure: price −20% (pricing.prompt 0.0000025 → 0.000002)"
 * @example changeTitle({ entity: "endpoint", event: "rewrite", key: "pricing_version_id", count: 812, … }) // → "rewrite: pricing_version_id changed on 812 endpoints"
 */
export function changeTitle(item: FeedItem): string {
  if (item.event === "rewrite") return oneLine(`rewrite: ${item.key} changed on ${countOf(item.count, item.entity)}`);
  const subject = subjectOf(item);
  switch (item.event) {
    case "added":
      return oneLine(`${subject} added${item.reason ? ` (unavailable: ${item.reason})` : ""}`);
    case "removed":
      return oneLine(`${subject} removed${item.reason ? ` (${item.reason})` : ""}`);
    case "returned":
      return oneLine(`${subject} returned`);
    case "moved":
      return oneLine(`${subject} moved${item.reason ? ` to ${endpointLabel(item.reason)}` : ""}`);
    case "updated": {
      const parts = changeParts(item);
      if (parts.length === 0) return oneLine(`${subject} updated`);
      const more = parts.length > TITLE_PARTS ? `; ${parts.length - TITLE_PARTS} more changes` : "";
      return oneLine(`${subject}: ${parts.slice(0, TITLE_PARTS).join("; ")}${more}`);
    }
    default:
      return oneLine(`${subject}: ${item.event}`);
  }
}

/**
 * A change row's details, one fact a line: the title, why, each changed path with its before and
 * after, then the snapshot, tags and key.
 *
 * @example changeDetails(updatedRow).split("\n") // → ["x/y: context_length 8192 → 16384", "", "context_length: 8192 → 16384", "", "Snapshot: 2026-07-25T12:00:00.000Z", "Tags: context", "Key: x/y"]
 */
export function changeDetails(item: FeedItem): string {
  const lines: string[] = [changeTitle(item), ""];
  if (item.event === "rewrite") {
    const percent = item.max_abs_percent === null ? "" : `; rates moved by up to ${decimalText(item.max_abs_percent)}%`;
    lines.push(
      oneLine(`One snapshot changed ${item.key} on ${countOf(item.count, item.entity)}${percent}.`),
      `This entry stands for their own changes of it; filter by model or provider to list them one by one.`,
    );
  } else {
    const why = reasonLine(item);
    if (why !== null) lines.push(oneLine(why));
    const changes = [
      ...item.rates.map(
        (rate) => `${rate.path}: ${rateValue(rate.before)} → ${rateValue(rate.after)}${rate.percent === null ? "" : ` (${signedPercent(rate.percent)})`}`,
      ),
      ...fieldsBesideRates(item).map((field) => fieldLine(field, DETAIL_VALUE_CHARS, item.fields_cut === true)),
    ].map(oneLine);
    lines.push(...changes.slice(0, DETAIL_LINES));
    if (changes.length > DETAIL_LINES) lines.push(`… and ${changes.length - DETAIL_LINES} more`);
    if (item.fields_cut) lines.push("(the values were too large to record; the paths are all there)");
  }
  lines.push("", `Snapshot: ${isoTime(item.snapshot_at)}`, `Tags: ${item.tags.join(", ")}`, oneLine(`Key: ${item.key}`));
  if (item.backfilled) lines.push("Rebuilt from the archived snapshots.");
  return lines.join("\n");
}

function subjectOf(item: FeedItem): string {
  if (item.entity === "model") return item.model_slug ?? item.key;
  const key = parseEndpointKey(item.key);
  if (key === null) return `endpoint ${item.key}`;
  const [permaslug, variant, endpointId] = key;
  return `${item.model_slug ?? permaslug}${variantSuffix(variant)} · endpoint ${item.provider_slug ?? endpointId}`;
}

/** `["permaslug","variant","id"]` (an `endpointKey`) as words; any other text as it is. */
function endpointLabel(key: string): string {
  const parsed = parseEndpointKey(key);
  if (parsed === null) return key;
  const [permaslug, variant, endpointId] = parsed;
  return `${permaslug}${variantSuffix(variant)} · endpoint ${endpointId}`;
}

function parseEndpointKey(key: string): [string, string, string] | null {
  try {
    const parsed: unknown = JSON.parse(key);
    return Array.isArray(parsed) && parsed.length === 3 && parsed.every((part) => typeof part === "string") ? (parsed as [string, string, string]) : null;
  } catch {
    return null;
  }
}

function variantSuffix(variant: string): string {
  return variant === "standard" ? "" : `:${variant}`;
}

function reasonLine(item: FeedItem): string | null {
  if (item.reason === null) return null;
  switch (item.event) {
    case "added":
      return `Unavailable from the start: ${item.reason}`;
    case "removed":
      return `Why: ${item.reason}`;
    case "returned":
      return `It had been unavailable: ${item.reason}`;
    case "moved":
      return `Moved to ${endpointLabel(item.reason)}`;
    default:
      return `Why: ${item.reason}`;
  }
}

/** The changes of an `updated` row for a title: the price move first, then each other path. */
function changeParts(item: FeedItem): string[] {
  const parts = item.rates.length > 0 ? [pricePart(item.rates)] : [];
  return parts.concat(fieldsBesideRates(item).map((field) => fieldPart(field, item.fields_cut === true)));
}

/** The fields to show beside the rates: a price-tagged field is told by its rates. */
function fieldsBesideRates(item: FeedItem): readonly FieldChangeView[] {
  return item.rates.length === 0 ? item.fields : item.fields.filter((field) => field.tag !== "price");
}

/** The rate that moved most (by |percent|, else the first), and how many others moved. */
function pricePart(rates: readonly RateChange[]): string {
  const withPercent = rates.filter((rate) => rate.percent !== null);
  const main = withPercent.length > 0 ? withPercent.reduce((a, b) => (Math.abs(b.percent!) > Math.abs(a.percent!) ? b : a)) : rates[0];
  const others = rates.length > 1 ? `, ${rates.length - 1} more ${rates.length === 2 ? "rate" : "rates"}` : "";
  const percent = main.percent === null ? "" : ` ${signedPercent(main.percent)}`;
  return `price${percent} (${main.path} ${rateValue(main.before)} → ${rateValue(main.after)}${others})`;
}

function fieldPart(field: FieldChangeView, cut: boolean): string {
  if (cut) return `${field.path} changed`;
  if (field.added !== undefined || field.removed !== undefined) {
    const names = [...(field.added ?? []).map((name) => `+${name}`), ...(field.removed ?? []).map((name) => `−${name}`)];
    const more = names.length > TITLE_PARTS ? ` +${names.length - TITLE_PARTS} more` : "";
    return `${field.path} ${names
      .slice(0, TITLE_PARTS)
      .map((name) => cutText(name, TITLE_VALUE_CHARS))
      .join(" ")}${more}`;
  }
  return `${field.path} ${valueText(field.before, TITLE_VALUE_CHARS, field.path)} → ${valueText(field.after, TITLE_VALUE_CHARS, field.path)}`;
}

function fieldLine(field: FieldChangeView, chars: number, cut: boolean): string {
  if (cut) return `${field.path}: changed`;
  if (field.added !== undefined || field.removed !== undefined) {
    const added = field.added?.length ? `added ${field.added.map((name) => cutText(name, chars)).join(", ")}` : "";
    const removed = field.removed?.length ? `removed ${field.removed.map((name) => cutText(name, chars)).join(", ")}` : "";
    return `${field.path}: ${[added, removed].filter(Boolean).join("; ")}`;
  }
  return `${field.path}: ${valueText(field.before, chars, field.path)} → ${valueText(field.after, chars, field.path)}`;
}

function countOf(count: number | undefined, entity: EntityKind): string {
  return count === undefined ? `many ${entity}s` : `${count} ${entity}${count === 1 ? "" : "s"}`;
}

/**
 * A percentage with its sign: `+` or the minus sign `−` (U+2212).
 *
 * @example signedPercent(-20) // → "−20%"
 */
export function signedPercent(percent: number): string {
  if (percent === 0) return "0%";
  return `${percent > 0 ? "+" : "−"}${decimalText(Math.abs(percent))}%`;
}

function rateValue(rate: number | null): string {
  return rate === null ? "none" : decimalText(rate);
}

/** Fields stored as epoch milliseconds (docs/data-model.md): told as dates. */
const INSTANT_FIELDS = new Set(["deprecation_date", "created_at", "updated_at", "hf_updated_at", "knowledge_cutoff"]);

/**
 * A stored value in a few words: none for null or absent, an instant field's epoch ms as its UTC
 * date (and time, unless midnight), other numbers in decimals, text as it is, anything else as
 * JSON; cut at `chars`.
 */
function valueText(value: unknown, chars: number, path = ""): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "number" && INSTANT_FIELDS.has(path.slice(path.lastIndexOf(".") + 1)) && Number.isFinite(value) && Math.abs(value) <= 8.64e15) {
    const iso = new Date(value).toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (typeof value === "number") return decimalText(value);
  if (typeof value === "string") return cutText(value, chars);
  return cutText(JSON.stringify(value) ?? String(value), chars);
}

function cutText(text: string, chars: number): string {
  const flat = oneLine(text);
  return flat.length > chars ? `${flat.slice(0, chars - 1)}…` : flat;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * A number in plain decimals, never in exponent form, with the digits of its shortest spelling.
 *
 * @example decimalText(2.5e-7) // → "0.00000025"
 */
export function decimalText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, head, tail = "", exponentText] = match;
  const digits = head + tail;
  const point = 1 + Number(exponentText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * An instant as RFC 3339 in UTC (Atom's date form).
 *
 * @example isoTime(0) // → "1970-01-01T00:00:00.000Z"
 */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Atom

/**
 * XML character data: `&`, `<` and `>` escaped, a carriage return kept as `&#13;`, and every
 * character XML 1.0 forbids even as a reference (C0 controls but tab and newline, U+FFFE, U+FFFF,
 * unpaired surrogates) replaced by U+FFFD.
 *
 * @example escapeXmlText("a < b & \u0001") // → "a &lt; b &amp; \uFFFD"
 */
export function escapeXmlText(text: string): string {
  return allowedXmlChars(text).replace(/[&<>\r]/g, (char) => XML_ESCAPES[char]);
}

/**
 * An XML attribute value for double quotes: as `escapeXmlText`, plus `"`, `'`, and tab and newline
 * as references, so a parser's attribute normalisation keeps them.
 *
 * @example escapeXmlAttribute('say "hi"\n') // → "say &quot;hi&quot;&#10;"
 */
export function escapeXmlAttribute(text: string): string {
  return allowedXmlChars(text).replace(/[&<>"'\t\n\r]/g, (char) => XML_ESCAPES[char]);
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" };

// eslint-disable-next-line no-control-regex -- XML 1.0 forbids these control characters: matching them is the point.
const FORBIDDEN_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function allowedXmlChars(text: string): string {
  return text.replace(FORBIDDEN_XML_CHARS, "\uFFFD");
}

/**
 * The Atom id of a change row: stable for as long as the row exists.
 *
 * @example changeEntryId({ _id: "k17abc" }) // → "urn:openrouter-snapshots:change:k17abc"
 */
export function changeEntryId(item: Pick<FeedItem, "_id">): string {
  return `${URN}:change:${item._id}`;
}

/**
 * The Atom id of the feed a filter makes: every page of it shares it, and `since`/`until` count
 * in ms however they were spelt.
 *
 * @example feedId({ tag: "price", model: "openai/gpt-4o" }) // → "urn:openrouter-snapshots:changes;tag=price;model=openai%2Fgpt-4o"
 */
export function feedId(filter: FeedFilter): string {
  return `${URN}:changes${filterEntries(filter)
    .map(([name, value]) => `;${name}=${encodeURIComponent(String(value))}`)
    .join("")}`;
}

/**
 * The feed's title: what it shows.
 *
 * @example feedTitle({ tag: "price", min_percent: 10 }) // → "OpenRouter catalogue changes (tag price, min_percent 10)"
 */
export function feedTitle(filter: FeedFilter): string {
  const described = filterEntries(filter).map(([name, value]) => `${name} ${name === "since" || name === "until" ? isoTime(value as number) : value}`);
  return `OpenRouter catalogue changes${described.length > 0 ? ` (${described.join(", ")})` : ""}`;
}

const FILTER_ORDER = ["since", "until", "entity", "tag", "model", "provider", "min_percent"] as const satisfies readonly (keyof FeedFilter)[];

function filterEntries(filter: FeedFilter): [string, string | number][] {
  return FILTER_ORDER.flatMap((name) => (filter[name] === undefined ? [] : [[name, filter[name]] as [string, string | number]]));
}

/**
 * A feed page's links from the URL it was asked at: `next` carries the cursor, `first` has none,
 * `alternate` is the same page at `alternatePath`.
 *
 * @example feedLinks("https://x.convex.site/changes.atom?tag=price", "c2", "/changes.json").next // → "https://x.convex.site/changes.atom?tag=price&cursor=c2"
 */
export function feedLinks(requestUrl: string, nextCursor: string | null, alternatePath: string): FeedLinks {
  const withCursor = (cursor: string | null, path?: string) => {
    const url = new URL(requestUrl);
    if (path !== undefined) url.pathname = path;
    if (cursor === null) url.searchParams.delete("cursor");
    else url.searchParams.set("cursor", cursor);
    return url.href;
  };
  const current = new URL(requestUrl).searchParams.get("cursor");
  return { self: requestUrl, first: withCursor(null), next: nextCursor === null ? null : withCursor(nextCursor), alternate: withCursor(current, alternatePath) };
}

/**
 * A page of the change feed as an Atom 1.0 document: the feed's id, title, subtitle, updated,
 * author, generator and links (self, first, next, alternate), then one entry per row with its id,
 * title, updated, a category per tag and for the event, and the details as text content.
 *
 * @example renderAtomFeed({ items: page.page, filter: { tag: "price" }, links: feedLinks(request.url, page.isDone ? null : page.continueCursor, "/changes.json") })
 */
export function renderAtomFeed({ items, filter, links }: { items: readonly FeedItem[]; filter: FeedFilter; links: FeedLinks }): string {
  const updated = items.reduce((newest, item) => Math.max(newest, item.snapshot_at), 0);
  const link = (rel: string, href: string, type: string) => `  <link rel="${rel}" type="${type}" href="${escapeXmlAttribute(href)}"/>`;
  const lines = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<feed xmlns="${ATOM_NS}">`,
    `  <id>${escapeXmlText(feedId(filter))}</id>`,
    `  <title type="text">${escapeXmlText(feedTitle(filter))}</title>`,
    `  <subtitle type="text">Changes to OpenRouter's models and endpoints, newest first, as recorded by hourly snapshots.</subtitle>`,
    `  <updated>${isoTime(updated)}</updated>`,
    `  <author><name>${GENERATOR}</name></author>`,
    `  <generator>${GENERATOR}</generator>`,
    link("self", links.self, "application/atom+xml"),
    link("first", links.first, "application/atom+xml"),
    ...(links.next === null ? [] : [link("next", links.next, "application/atom+xml")]),
    link("alternate", links.alternate, "application/json"),
    ...items.flatMap(atomEntry),
    `</feed>`,
  ];
  return `${lines.join("\n")}\n`;
}

function atomEntry(item: FeedItem): string[] {
  const category = (scheme: string, term: string) => `    <category scheme="${URN}:${scheme}" term="${escapeXmlAttribute(term)}"/>`;
  return [
    `  <entry>`,
    `    <id>${escapeXmlText(changeEntryId(item))}</id>`,
    `    <title type="text">${escapeXmlText(changeTitle(item))}</title>`,
    `    <updated>${isoTime(item.snapshot_at)}</updated>`,
    category("event", item.event),
    ...item.tags.map((tag) => category("tag", tag)),
    `    <content type="text">${escapeXmlText(changeDetails(item))}</content>`,
    `  </entry>`,
  ];
}

// ---------------------------------------------------------------------------------------------
// JSON

/**
 * A page of the change feed as JSON: each row as `changes:feed` returns it plus `time` (its
 * snapshot, ISO-8601) and `title`; `next_cursor` and `next` (the next page's URL) are null on the
 * last page.
 *
 * @example renderJsonFeed({ items: page.page, nextCursor: null, next: null }) // → '{"items":[{…,"time":"2026-07-25T12:00:00.000Z","title":"x/y added"}],"next_cursor":null,"next":null}'
 */
export function renderJsonFeed({ items, nextCursor, next }: { items: readonly FeedItem[]; nextCursor: string | null; next: string | null }): string {
  return JSON.stringify({ items: items.map((item) => ({ ...item, time: isoTime(item.snapshot_at), title: changeTitle(item) })), next_cursor: nextCursor, next });
}

/**
 * An endpoint's price history as JSON: the endpoint, `complete` and the periods as
 * `changes:priceHistory` returns them, each with `from_time`/`to_time` (ISO-8601, or null).
 *
 * @example renderPriceHistory({ model_permaslug: "a/b", variant: "standard", endpoint_id: "e1" }, history)
 * // → '{"model_permaslug":"a/b",…,"periods":[{"from":…,"to":null,"available":true,"rates":{…},"from_time":"…","to_time":null}]}'
 */
export function renderPriceHistory(endpoint: { model_permaslug: string; variant: string; endpoint_id: string }, history: PriceHistory): string {
  const time = (ms: number | null) => (ms === null ? null : isoTime(ms));
  return JSON.stringify({
    model_permaslug: endpoint.model_permaslug,
    variant: endpoint.variant,
    endpoint_id: endpoint.endpoint_id,
    key: history.key,
    complete: history.complete,
    periods: history.periods.map((period) => ({ ...period, from_time: time(period.from), to_time: time(period.to) })),
  });
}

// ---------------------------------------------------------------------------------------------
// Responses

/**
 * A strong ETag of a body: its SHA-256 in hex, quoted.
 *
 * @example await etagOf("") // → '"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"'
 */
export async function etagOf(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return `"${Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("")}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag`: `*`, or any tag it lists (weak comparison, as
 * RFC 9110 asks for this header, so `W/"x"` matches `"x"`).
 *
 * @example matchesIfNoneMatch('"a", W/"b"', '"b"') // → true
 */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  for (const [, tag] of header.matchAll(/(?:W\/)?("[^"]*")/g)) if (tag === opaque) return true;
  return false;
}

/**
 * The 200 response of a body, with its ETag and caching headers; 304 without a body when the
 * request's `If-None-Match` matches.
 *
 * @example await bodyResponse(request, renderJsonFeed(page), JSON_CONTENT_TYPE)
 */
export async function bodyResponse(request: Request, body: string, contentType: string): Promise<Response> {
  const etag = await etagOf(body);
  const headers = { ETag: etag, "Cache-Control": FEED_CACHE_CONTROL, "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag" };
  if (matchesIfNoneMatch(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { status: 200, headers: { ...headers, "Content-Type": contentType } });
}

/**
 * An error response: one line, as JSON `{"error": …}` or as plain text (for the Atom feed, whose
 * readers show text), never cached.
 *
 * @example errorResponse(400, 'tag must be one of price, …, got "cost"', "json")
 */
export function errorResponse(status: number, message: string, as: "json" | "text"): Response {
  const headers = { "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" };
  const line = oneLine(message);
  if (as === "json") return new Response(JSON.stringify({ error: line }), { status, headers: { ...headers, "Content-Type": JSON_CONTENT_TYPE } });
  return new Response(`${line}\n`, { status, headers: { ...headers, "Content-Type": TEXT_CONTENT_TYPE } });
}
