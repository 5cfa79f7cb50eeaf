/**
 * statusQuery: what the status page (`GET /`) is asked for, and which endpoints its price chart
 * offers.
 *
 * Owns: the page's query parameters (the change feed's own, read by `parseFeedQuery`, plus
 * `endpoint`, an endpoint's key as the change rows spell it), the endpoint picker's choices (the
 * endpoints of the newest price changes) and its default (the largest price move of the newest
 * snapshot that moved any). Must not touch: Convex (the caller reads), markup.
 *
 * A form sends a field left empty as `name=`; the page drops those (a filter not given), where the
 * feeds' own URLs reject an empty value.
 */
import { decimalText, type FeedItem } from "../history/feedFormat";
import { ParameterError, parseFeedQuery, type EndpointKeyParameters, type FeedRequest } from "../history/feedQuery";

/** The page's parameters beside the feed's. */
export const PAGE_PARAMETERS = ["endpoint"] as const;

/** Rows of the feed the page shows when no `limit` is given: one screenful or two. */
export const PAGE_FEED_LIMIT = 30;

/**
 * The page's request: the feed's, the endpoint asked for (null: the default), and the feed's
 * parameters as they were sent (empty ones and the cursor left out), for the page's own links.
 */
export type StatusPageRequest = { feed: FeedRequest; endpoint: EndpointKeyParameters | null; feedParams: [string, string][] };

/** An endpoint the price chart can show: its key (the picker's value) and how it reads. */
export type EndpointOption = { key: string; endpoint: EndpointKeyParameters; label: string };

/**
 * The page's request from its URL's query.
 *
 * @throws ParameterError naming the first bad parameter
 * @example parseStatusPageQuery(new URLSearchParams('tag=price&model=&endpoint=["a/b","standard","e1"]'), { maxLimit: 200 })
 * // → { feed: { filter: { tag: "price" }, limit: 30, cursor: null }, endpoint: { model_permaslug: "a/b", variant: "standard", endpoint_id: "e1" }, feedParams: [["tag", "price"]] }
 */
export function parseStatusPageQuery(params: URLSearchParams, { maxLimit }: { maxLimit: number }): StatusPageRequest {
  const feedParams = new URLSearchParams();
  const sent: [string, string][] = [];
  let endpointText: string | undefined;
  for (const [name, value] of params) {
    if (value === "") continue;
    if (name === "endpoint") {
      if (endpointText !== undefined) throw new ParameterError(name, `endpoint may be given once, got it ${params.getAll(name).length} times`);
      endpointText = value;
    } else {
      feedParams.append(name, value);
      if (name !== "cursor") sent.push([name, value]);
    }
  }
  if (!feedParams.has("limit")) feedParams.set("limit", String(Math.min(PAGE_FEED_LIMIT, maxLimit)));
  let feed: FeedRequest;
  try {
    feed = parseFeedQuery(feedParams, { maxLimit });
  } catch (error) {
    if (error instanceof ParameterError && error.message.startsWith("unknown parameter")) {
      throw new ParameterError(error.parameter, `${error.message}, endpoint`);
    }
    throw error;
  }
  return { feed, endpoint: endpointText === undefined ? null : parseEndpointKey(endpointText), feedParams: sent };
}

/**
 * An endpoint's key, `["model_permaslug","variant","endpoint_id"]`, read back into its parts.
 *
 * @throws ParameterError naming `endpoint`
 * @example parseEndpointKey('["a/b","standard","e1"]') // → { model_permaslug: "a/b", variant: "standard", endpoint_id: "e1" }
 */
export function parseEndpointKey(text: string): EndpointKeyParameters {
  let parts: unknown;
  try {
    parts = JSON.parse(text);
  } catch {
    parts = null;
  }
  if (!Array.isArray(parts) || parts.length !== 3 || !parts.every((part) => typeof part === "string" && part !== "")) {
    const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
    throw new ParameterError("endpoint", `endpoint must be an endpoint key, ["model_permaslug","variant","endpoint_id"] as JSON, got ${shown}`);
  }
  const [model_permaslug, variant, endpoint_id] = parts as string[];
  return { model_permaslug, variant, endpoint_id };
}

/**
 * The endpoints of these price changes (the feed filtered by `tag=price`, newest first), each once,
 * in the order they last changed price.
 *
 * @example priceOptions(page)[0] // → { key: '["deepseek/…","standard","8203…"]', endpoint: {…}, label: "deepseek/deepseek-chat-v3-0324 · chutes (+25%)" }
 */
export function priceOptions(items: readonly FeedItem[]): EndpointOption[] {
  const options: EndpointOption[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (item.entity !== "endpoint" || item.event === "rewrite" || seen.has(item.key)) continue;
    let endpoint: EndpointKeyParameters;
    try {
      endpoint = parseEndpointKey(item.key);
    } catch {
      continue;
    }
    seen.add(item.key);
    const move = item.max_abs_percent === null ? "" : ` (${largestMove(item)})`;
    options.push({ key: item.key, endpoint, label: `${item.model_slug ?? endpoint.model_permaslug} · ${item.provider_slug ?? endpoint.endpoint_id}${move}` });
  }
  return options;
}

/**
 * The endpoint the chart shows when none is asked for: of the newest snapshot's price changes,
 * the one that moved a rate the most; null when no price ever changed.
 *
 * @example defaultPriceEndpoint(page) // → the key of the newest snapshot's largest price move
 */
export function defaultPriceEndpoint(items: readonly FeedItem[]): string | null {
  const changes = items.filter((item) => item.entity === "endpoint" && item.event !== "rewrite");
  if (changes.length === 0) return null;
  const newest = Math.max(...changes.map((item) => item.snapshot_at));
  const candidates = changes.filter((item) => item.snapshot_at === newest);
  return candidates.reduce((best, item) => ((item.max_abs_percent ?? -1) > (best.max_abs_percent ?? -1) ? item : best)).key;
}

/** The move of the rate that moved most, signed: "+25%", "−12.5%". */
function largestMove(item: FeedItem): string {
  const rate = item.rates
    .filter((change) => change.percent !== null)
    .reduce<FeedItem["rates"][number] | null>((best, change) => (best === null || Math.abs(change.percent!) > Math.abs(best.percent!) ? change : best), null);
  if (rate === null) return `${decimalText(item.max_abs_percent!)}%`;
  return `${rate.percent! > 0 ? "+" : "−"}${decimalText(Math.abs(rate.percent!))}%`;
}
