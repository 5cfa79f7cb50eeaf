/**
 * HTTP routes: the change feeds and an endpoint's price history, read-only, for feed readers and
 * scripts. Thin: parameters are read by src/history/feedQuery.ts and bodies written by
 * src/history/feedFormat.ts; every read goes through the public `changes:feed` and
 * `changes:priceHistory` queries (an HTTP action cannot read the database itself). Must not
 * touch: writes.
 *
 * - GET /changes.atom: the change feed as Atom 1.0, newest first, one entry per change (a broad
 *   rewrite is one entry); a `next` link carries the cursor of the next page.
 * - GET /changes.json: the same page as JSON, `{ items, next_cursor, next }`.
 *   Both take since, until (epoch ms or ISO-8601), entity, tag, model, provider, min_percent,
 *   limit (rows a page reads: default 50, at most 200) and cursor.
 * - GET /price-history.json?model_permaslug=…&variant=…&endpoint_id=…: every rate the endpoint has
 *   had and since when; 404 when there is no such endpoint.
 *
 * - GET /: the status page (src/statusPage/): the dashboard card, an endpoint's price chart, the
 *   latest runs, the change feed with the feeds' filters, and the upstream-drift summary; one HTML
 *   document that reads in full without script. Takes the feeds' parameters and `endpoint` (an
 *   endpoint's key, `["model_permaslug","variant","endpoint_id"]`) for the chart; without it, the
 *   chart shows the newest snapshot's largest price move. Revalidated on every load.
 *
 * A bad or unknown parameter is a 400 with one line naming it. Every 200 carries a strong ETag and
 * answers a matching If-None-Match with 304.
 *
 * @example curl "https://<deployment>.convex.site/changes.atom?tag=price&min_percent=10"
 */
import { httpRouter, type FunctionArgs } from "convex/server";
import { ConvexError } from "convex/values";
import { api } from "./_generated/api";
import { httpAction, type ActionCtx } from "./_generated/server";
import { MAX_PAGE_SIZE } from "./lib/queryLimits";
import {
  ATOM_CONTENT_TYPE,
  bodyResponse,
  errorResponse,
  feedLinks,
  JSON_CONTENT_TYPE,
  renderAtomFeed,
  renderJsonFeed,
  renderPriceHistory,
} from "../src/history/feedFormat";
import { ParameterError, parseFeedQuery, parsePriceHistoryQuery } from "../src/history/feedQuery";
import { endpointKey } from "../src/openrouter/schemas";
import { contentSecurityPolicy, htmlResponse } from "../src/statusPage/pageResponse";
import { renderErrorPage, renderStatusPage, SCRIPT, STYLESHEET, type StatusPageData } from "../src/statusPage/statusPage";
import { defaultPriceEndpoint, parseEndpointKey, parseStatusPageQuery, priceOptions } from "../src/statusPage/statusQuery";

const http = httpRouter();

http.route({ path: "/changes.atom", method: "GET", handler: httpAction((ctx, request) => serveFeed(ctx, request, "atom")) });
http.route({ path: "/changes.json", method: "GET", handler: httpAction((ctx, request) => serveFeed(ctx, request, "json")) });
http.route({ path: "/price-history.json", method: "GET", handler: httpAction(servePriceHistory) });
http.route({ path: "/", method: "GET", handler: httpAction(serveStatusPage) });

export default http;

async function serveFeed(ctx: ActionCtx, request: Request, format: "atom" | "json"): Promise<Response> {
  const errorsAs = format === "atom" ? "text" : "json";
  const url = new URL(request.url);
  let feed;
  try {
    feed = parseFeedQuery(url.searchParams, { maxLimit: MAX_PAGE_SIZE });
  } catch (error) {
    if (error instanceof ParameterError) return errorResponse(400, error.message, errorsAs);
    throw error;
  }
  const { filter, limit, cursor } = feed;
  let page;
  try {
    page = await ctx.runQuery(api.changes.feed, { ...filter, paginationOpts: { numItems: limit, cursor } });
  } catch (error) {
    if (error instanceof ConvexError) return errorResponse(400, String(error.data), errorsAs);
    // Convex rejects a cursor it did not give, or gave another query, with an error of its own that
    // names the cursor; any other failure (a read limit, a bug) is a server error, not the caller's.
    if (cursor !== null && /cursor/i.test(error instanceof Error ? error.message : String(error))) {
      return errorResponse(400, "cursor must be the cursor of a next link of this same feed (same filters)", errorsAs);
    }
    throw error;
  }
  const links = feedLinks(request.url, page.isDone ? null : page.continueCursor, format === "atom" ? "/changes.json" : "/changes.atom");
  if (format === "json")
    return bodyResponse(request, renderJsonFeed({ items: page.page, nextCursor: page.isDone ? null : page.continueCursor, next: links.next }), JSON_CONTENT_TYPE);
  return bodyResponse(request, renderAtomFeed({ items: page.page, filter, links }), ATOM_CONTENT_TYPE);
}

async function servePriceHistory(ctx: ActionCtx, request: Request): Promise<Response> {
  let key;
  try {
    key = parsePriceHistoryQuery(new URL(request.url).searchParams);
  } catch (error) {
    if (error instanceof ParameterError) return errorResponse(400, error.message, "json");
    throw error;
  }
  let history;
  try {
    history = await ctx.runQuery(api.changes.priceHistory, key);
  } catch (error) {
    // The query's own refusal (an endpoint with more changes than one read may hold) is said as it is, not as a bare 500.
    if (error instanceof ConvexError) return errorResponse(500, String(error.data), "json");
    throw error;
  }
  if (history === null) {
    return errorResponse(
      404,
      `no endpoint with model_permaslug ${JSON.stringify(key.model_permaslug)}, variant ${JSON.stringify(key.variant)} and endpoint_id ${JSON.stringify(key.endpoint_id)}`,
      "json",
    );
  }
  return bodyResponse(request, renderPriceHistory(key, history), JSON_CONTENT_TYPE);
}

/** What the status page shows of each list: the newest runs, fields new this week, and the price changes its endpoint picker offers. */
const PAGE_RUNS = 10;
const PAGE_NEW_FIELDS = 20;
const PAGE_PRICE_CHANGES = 100;

async function serveStatusPage(ctx: ActionCtx, request: Request): Promise<Response> {
  // The page tells time to the minute, so within a minute the same data is the same body (and a reload a 304).
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const csp = await contentSecurityPolicy({ script: SCRIPT, style: STYLESHEET });
  let asked;
  try {
    asked = parseStatusPageQuery(new URL(request.url).searchParams, { maxLimit: MAX_PAGE_SIZE });
  } catch (error) {
    if (error instanceof ParameterError) return htmlResponse(request, renderErrorPage(error.message, now).html, { status: 400, csp });
    throw error;
  }
  const { filter, limit, cursor } = asked.feed;
  const [card, runs, newFields, priceChanges, feed] = await Promise.all([
    ctx.runQuery(api.snapshots_v2.status, { now }),
    ctx.runQuery(api.snapshot_runs.list, { paginationOpts: { numItems: PAGE_RUNS, cursor: null } }),
    ctx.runQuery(api.upstream_fields.recent, { now, limit: PAGE_NEW_FIELDS }),
    ctx.runQuery(api.changes.feed, { tag: "price", paginationOpts: { numItems: PAGE_PRICE_CHANGES, cursor: null } }),
    readFeedForPage(ctx, { ...filter, paginationOpts: { numItems: limit, cursor } }),
  ]);
  const key = asked.endpoint ? endpointKey(asked.endpoint) : defaultPriceEndpoint(priceChanges.page);
  const endpoint = key === null ? null : (asked.endpoint ?? parseEndpointKey(key));
  let history = null;
  let priceError = null;
  try {
    history = endpoint === null ? null : await ctx.runQuery(api.changes.priceHistory, endpoint);
  } catch (error) {
    // The query's own refusal (an endpoint with more changes than one read may hold) is said on the page.
    if (!(error instanceof ConvexError)) throw error;
    priceError = String(error.data);
  }
  const data: StatusPageData = {
    now,
    card,
    runs: runs.page,
    newFields,
    feed: {
      params: asked.feedParams,
      items: "error" in feed ? [] : feed.page,
      nextCursor: "error" in feed || feed.isDone ? null : feed.continueCursor,
      paged: cursor !== null,
      error: "error" in feed ? feed.error : null,
    },
    price: {
      options: priceOptions(priceChanges.page),
      selected: key === null || endpoint === null ? null : { key, endpoint, asked: asked.endpoint !== null },
      history,
      error: priceError,
    },
  };
  // The default chart failing to read is said on the page, not as an outage of the page: only an asked-for endpoint makes it a 500.
  const status = "error" in feed ? 400 : priceError !== null && asked.endpoint ? 500 : asked.endpoint && history === null ? 404 : 200;
  return htmlResponse(request, renderStatusPage(data).html, { status, csp });
}

/** A page of the change feed for the status page, or the one line that says why it cannot be read (as `serveFeed` says it). */
async function readFeedForPage(ctx: ActionCtx, args: FunctionArgs<typeof api.changes.feed>) {
  try {
    return await ctx.runQuery(api.changes.feed, args);
  } catch (error) {
    if (error instanceof ConvexError) return { error: String(error.data) };
    if (args.paginationOpts.cursor !== null && /cursor/i.test(error instanceof Error ? error.message : String(error))) {
      return { error: "cursor must be the cursor of an older-changes link of this same page (same filters)" };
    }
    throw error;
  }
}
