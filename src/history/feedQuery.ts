/**
 * feedQuery: the query parameters of the HTTP feeds (`/changes.atom`, `/changes.json`,
 * `/price-history.json`), read into the feed's filter, a page size and a cursor, or an endpoint's key.
 *
 * Owns: which parameters each route takes, how each is spelt (`since`/`until` as epoch ms or an
 * ISO-8601 date), and the one-line message that names a bad parameter and what it allows. Must not
 * touch: Convex (the caller reads), how the feed is rendered (feedFormat.ts), which rows a filter
 * shows (feed.ts).
 *
 * Rules:
 * - Every parameter at most once; an unknown one, an empty value or a value of the wrong form is a
 *   `ParameterError`, never a silent default, so a typo cannot widen a feed unnoticed.
 * - `since` and `until` are inclusive. A date alone is 00:00 UTC that day; a date-time needs a zone
 *   (`Z` or `±HH:MM`), since the server's own zone means nothing to a client. A `+` left unencoded
 *   in a URL reads back as a space, so `…T12:00:00 02:00` is taken as `+02:00`.
 * - `limit` is the rows one page reads (default `DEFAULT_FEED_LIMIT`), capped at the caller's
 *   maximum rather than rejected, as the queries cap `numItems`.
 */
import type { FeedFilter } from "./feed";
import type { ChangeTag, EntityKind } from "./entityDiff";

/** The parameters of `/changes.atom` and `/changes.json`. */
export const FEED_PARAMETERS = ["since", "until", "entity", "tag", "model", "provider", "min_percent", "limit", "cursor"] as const;

/** The parameters of `/price-history.json`: an endpoint's key, all three required. */
export const PRICE_HISTORY_PARAMETERS = ["model_permaslug", "variant", "endpoint_id"] as const;

export const ENTITY_KINDS = ["model", "endpoint"] as const satisfies readonly EntityKind[];

export const CHANGE_TAGS = [
  "price",
  "context",
  "limits",
  "capabilities",
  "data_policy",
  "deprecation",
  "availability",
  "metadata",
] as const satisfies readonly ChangeTag[];
// The other way round: a tag added to `ChangeTag` must be listed here, or this does not compile.
const everyTagListed: [Exclude<ChangeTag, (typeof CHANGE_TAGS)[number]>] extends [never] ? true : false = true;
void everyTagListed;

/** Rows a feed page reads when no `limit` is given. */
export const DEFAULT_FEED_LIMIT = 50;

/** The furthest instant from the epoch a `Date` holds (ms): further ones could not be written back as a date. */
const MAX_INSTANT = 8.64e15;

/** A feed request: the filter, the rows one page reads, and where the page starts (null: the newest). */
export type FeedRequest = { filter: FeedFilter; limit: number; cursor: string | null };

export type EndpointKeyParameters = { model_permaslug: string; variant: string; endpoint_id: string };

/** A bad query parameter: `message` is one line that names it and says what it allows. */
export class ParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = "ParameterError";
  }
}

/**
 * The feed request a URL's query asks for.
 *
 * @param maxLimit the most rows a page may read (the query's own cap); a larger `limit` is capped
 * @throws ParameterError naming the first bad parameter
 * @example parseFeedQuery(new URLSearchParams("tag=price&since=2026-07-24&limit=20"), { maxLimit: 200 })
 * // → { filter: { since: 1784851200000, tag: "price" }, limit: 20, cursor: null }
 */
export function parseFeedQuery(params: URLSearchParams, { maxLimit }: { maxLimit: number }): FeedRequest {
  const values = singleValues(params, FEED_PARAMETERS);
  const filter: FeedFilter = {};
  if (values.since !== undefined) filter.since = parseInstant("since", values.since);
  if (values.until !== undefined) filter.until = parseInstant("until", values.until);
  if (values.entity !== undefined) filter.entity = oneOf("entity", values.entity, ENTITY_KINDS);
  if (values.tag !== undefined) filter.tag = oneOf("tag", values.tag, CHANGE_TAGS);
  if (values.model !== undefined) filter.model = values.model;
  if (values.provider !== undefined) filter.provider = values.provider;
  if (values.min_percent !== undefined) filter.min_percent = parsePercent(values.min_percent);
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new ParameterError("since", `since (${isoOf(filter.since)}) must not be after until (${isoOf(filter.until)})`);
  }
  const limit = values.limit === undefined ? Math.min(DEFAULT_FEED_LIMIT, maxLimit) : parseLimit(values.limit, maxLimit);
  return { filter, limit, cursor: values.cursor ?? null };
}

/**
 * The endpoint key a URL's query names.
 *
 * @throws ParameterError naming a missing, repeated, empty or unknown parameter
 * @example parsePriceHistoryQuery(new URLSearchParams("model_permaslug=openai/gpt-4o&variant=standard&endpoint_id=e1"))
 * // → { model_permaslug: "openai/gpt-4o", variant: "standard", endpoint_id: "e1" }
 */
export function parsePriceHistoryQuery(params: URLSearchParams): EndpointKeyParameters {
  const values = singleValues(params, PRICE_HISTORY_PARAMETERS);
  for (const name of PRICE_HISTORY_PARAMETERS) {
    if (values[name] === undefined) throw new ParameterError(name, `${name} is required (give model_permaslug, variant and endpoint_id)`);
  }
  return values as EndpointKeyParameters;
}

/**
 * An instant given as epoch milliseconds or an ISO-8601 date or date-time with a zone, in ms.
 *
 * @throws ParameterError naming `name`
 * @example parseInstant("since", "2026-07-24T12:00:00+02:00") // → 1784887200000
 */
export function parseInstant(name: string, text: string): number {
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : isoInstant(text);
  if (ms === null || !(Math.abs(ms) <= MAX_INSTANT)) {
    throw new ParameterError(
      name,
      `${name} must be epoch milliseconds (1784894400000) or an ISO-8601 date or date-time with a zone (2026-07-24, 2026-07-24T12:00:00Z), got ${shown(text)}`,
    );
  }
  return ms;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+\- ])(\d{2}):(\d{2})))?$/;

/** The ms of an ISO-8601 date (UTC midnight) or date-time with a zone; null when it is not one or names no real time. */
function isoInstant(text: string): number | null {
  const match = ISO.exec(text);
  if (!match) return null;
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", , sign, zoneHour = "0", zoneMinute = "0"] = match;
  const [y, mo, d, h, mi, s, zh, zm] = [year, month, day, hour, minute, second, zoneHour, zoneMinute].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || zh > 23 || zm > 59) return null;
  const offset = (sign === "-" ? -1 : 1) * (zh * 60 + zm) * 60_000;
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d);
  utc.setUTCHours(h, mi, s, Number(fraction.padEnd(3, "0").slice(0, 3)));
  return utc.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function parsePercent(text: string): number {
  const value = Number(text);
  if (!/^\d+(?:\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw new ParameterError("min_percent", `min_percent must be a number of at least 0 (10, 2.5), got ${shown(text)}`);
  }
  return value;
}

function parseLimit(text: string, maxLimit: number): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) {
    throw new ParameterError("limit", `limit must be a whole number from 1 (above ${maxLimit} reads ${maxLimit}), got ${shown(text)}`);
  }
  return Math.min(Number(text), maxLimit);
}

function oneOf<Value extends string>(name: string, text: string, allowed: readonly Value[]): Value {
  if (!(allowed as readonly string[]).includes(text)) throw new ParameterError(name, `${name} must be one of ${allowed.join(", ")}, got ${shown(text)}`);
  return text as Value;
}

/** Each allowed parameter's one value; an unknown, repeated or empty one throws. */
function singleValues<Name extends string>(params: URLSearchParams, allowed: readonly Name[]): Partial<Record<Name, string>> {
  const values: Partial<Record<Name, string>> = {};
  for (const [name, value] of params) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new ParameterError(name, `unknown parameter ${shown(name)}; allowed: ${allowed.join(", ")}`);
    }
    if (values[name as Name] !== undefined || params.getAll(name).length > 1)
      throw new ParameterError(name, `${name} may be given once, got it ${params.getAll(name).length} times`);
    if (value === "") throw new ParameterError(name, `${name} must not be empty`);
    values[name as Name] = value;
  }
  return values;
}

/** A value sent by a client as it goes into a message: quoted, on one line, and short. */
function shown(text: string): string {
  const quoted = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return quoted.replace(/[\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
