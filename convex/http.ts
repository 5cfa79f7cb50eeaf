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
 * A bad or unknown parameter is a 400 with one line naming it. Every 200 carries a strong ETag and
 * answers a matching If-None-Match with 304.
 *
 * @example curl "https://<deployment>.convex.site/changes.atom?tag=price&min_percent=10"
 */
import { httpRouter } from "convex/server";
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

const http = httpRouter();

http.route({ path: "/changes.atom", method: "GET", handler: httpAction((ctx, request) => serveFeed(ctx, request, "atom")) });
http.route({ path: "/changes.json", method: "GET", handler: httpAction((ctx, request) => serveFeed(ctx, request, "json")) });
http.route({ path: "/price-history.json", method: "GET", handler: httpAction(servePriceHistory) });

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
    // Convex rejects a cursor it did not give, or gave another query, with an error of its own.
    if (cursor !== null) return errorResponse(400, "cursor must be the cursor of a next link of this same feed (same filters)", errorsAs);
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
