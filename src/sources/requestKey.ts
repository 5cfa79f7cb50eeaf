/**
 * Request keys and upstream path families: the one name a request has in recordings, archives
 * and error reports, and which paths a run asks OpenRouter for.
 *
 * The key is the request path, then, where there is a query, `?` and
 * `new URLSearchParams(entriesSortedByKey).toString()`.
 *
 * OpenRouter moved its frontend API under `/api/frontend/v1/…` (2026). Which family a run uses is
 * configuration (`UpstreamPaths`), not code: `v1` is the default, `legacy-2025` the May 2025 paths
 * that the real recording in tests/golden was taken from. Archives record a request's type
 * (`models` or `endpoints`), never its path, so a run archived under one family replays under any.
 */

export type RequestParams = Record<string, string>;

export type SourceRequest = { path: string; params: RequestParams };

/** The paths one upstream generation serves: the models list and one variant's endpoint list. */
export type PathFamily = { models: string; endpoints: string };

export const UPSTREAM_PATHS = {
  /** Today's frontend API, as every 2026 client calls it. */
  v1: { models: "/api/frontend/v1/catalog/models", endpoints: "/api/frontend/v1/stats/endpoint" },
  /** The May 2025 paths (the real recording in tests/golden). Whether they still answer is unknown. */
  "legacy-2025": { models: "/api/frontend/models", endpoints: "/api/frontend/stats/endpoint" },
} as const satisfies Record<string, PathFamily>;

export type UpstreamPaths = keyof typeof UPSTREAM_PATHS;

export const DEFAULT_UPSTREAM_PATHS: UpstreamPaths = "v1";

export const UPSTREAM_PATH_NAMES = Object.keys(UPSTREAM_PATHS) as UpstreamPaths[];

export function isUpstreamPaths(name: unknown): name is UpstreamPaths {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(UPSTREAM_PATHS, name);
}

/** A path family by name; an unknown name is an error listing the known ones. */
export function pathFamily(name: string = DEFAULT_UPSTREAM_PATHS): PathFamily {
  if (!isUpstreamPaths(name)) {
    throw new Error(`upstream paths must be one of ${UPSTREAM_PATH_NAMES.map((n) => JSON.stringify(n)).join(", ")}, got ${JSON.stringify(name)}`);
  }
  return UPSTREAM_PATHS[name];
}

/**
 * Which family a recording is keyed by, from its models-list key; null when it has neither.
 *
 * @example upstreamPathsOfRecording({ "/api/frontend/models": { data: [] } }) === "legacy-2025"
 */
export function upstreamPathsOfRecording(recording: Record<string, unknown>): UpstreamPaths | null {
  for (const name of UPSTREAM_PATH_NAMES) {
    if (Object.prototype.hasOwnProperty.call(recording, UPSTREAM_PATHS[name].models)) return name;
  }
  return null;
}

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

/** The type of a request path of any family. */
export function requestType(path: string): RequestType {
  for (const family of Object.values(UPSTREAM_PATHS)) {
    if (path === family.models) return "models";
    if (path === family.endpoints) return "endpoints";
  }
  throw new Error(`unknown request path ${path}`);
}

/** A family-independent name for a request: its type and sorted query, as archives store them. */
export function archiveKey(type: RequestType, params: string): string {
  return params === "" ? type : `${type}?${params}`;
}
