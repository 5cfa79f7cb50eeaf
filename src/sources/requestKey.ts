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
  const entries = Object.entries(request.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return request.path;
  return `${request.path}?${new URLSearchParams(entries).toString()}`;
}
