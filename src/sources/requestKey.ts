/**
 * Request keys: the one name a request has in recordings, archives and error reports.
 *
 * The key is the request path, then, where there is a query, `?` and
 * `new URLSearchParams(entriesSortedByKey).toString()`.
 */

export type RequestParams = Record<string, string>;

export type SourceRequest = { path: string; params: RequestParams };

export const MODELS_PATH = "/api/frontend/models";
export const ENDPOINTS_PATH = "/api/frontend/stats/endpoint";

/** @example requestKey({ path: "/a", params: { variant: "free", permaslug: "x/y" } }) === "/a?permaslug=x%2Fy&variant=free" */
export function requestKey(request: SourceRequest): string {
  const query = sortedQuery(request.params);
  return query === "" ? request.path : `${request.path}?${query}`;
}

/** The query part of a request key: params sorted by name, URL-encoded; "" when there are none. */
export function sortedQuery(params: RequestParams): string {
  const entries = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(entries).toString();
}

/** The archive type of a request: which list it fetched. */
export type RequestType = "models" | "endpoints";

export function requestType(path: string): RequestType {
  if (path === MODELS_PATH) return "models";
  if (path === ENDPOINTS_PATH) return "endpoints";
  throw new Error(`unknown request path ${path}`);
}

export function pathOfType(type: RequestType): string {
  return type === "models" ? MODELS_PATH : ENDPOINTS_PATH;
}
