/**
 * feed: which change rows a feed shows, for the query, the HTTP feeds and webhooks alike.
 *
 * Owns: the feed's filter (time range, entity kind, tag, model, provider, minimum absolute price
 * change), which of the change table's indexes serves it best, the test every row read through
 * that index must still pass, and folding a broad rewrite's per-entity rows into its one summary
 * row. Must not touch: Convex (the caller reads), how an item is rendered.
 *
 * Rules:
 * - The index is the most selective filter given: model, then provider, then entity kind, else
 *   time alone; every index ends in `snapshot_at`, so the time range is part of it. The rest is
 *   tested on each row read (`matchesFilter`), so a page may hold fewer items than were read.
 * - A model filter matches the model's own events and its endpoints'.
 * - `min_percent` keeps only rows with a rate that moved at least that much (a price change).
 * - Without a model or provider filter, a run's broad rewrites stand for the `updated` rows whose
 *   every changed path is one of them (`foldRewrites`): the feed shows one item, not hundreds.
 *   With one, the entity's own events are what was asked for, and rewrites (which name no model)
 *   are not shown.
 */
import type { ChangeTag, EntityKind } from "./entityDiff";

export type FeedFilter = {
  since?: number;
  until?: number;
  entity?: EntityKind;
  tag?: ChangeTag;
  model?: string;
  provider?: string;
  min_percent?: number;
};

/** What the feed reads of a change row. */
export type FeedRow = {
  snapshot_at: number;
  run_id: string | null;
  entity: EntityKind;
  key: string;
  model_slug: string | null;
  provider_slug: string | null;
  event: string;
  fields: readonly { path: string }[];
  tags: readonly string[];
  max_abs_percent: number | null;
};

/** The change table's index for a filter, and the equality it fixes before `snapshot_at`. */
export type FeedIndex =
  | { index: "by_model_slug_and_snapshot_at"; field: "model_slug"; value: string }
  | { index: "by_provider_slug_and_snapshot_at"; field: "provider_slug"; value: string }
  | { index: "by_entity_and_snapshot_at"; field: "entity"; value: EntityKind }
  | { index: "by_snapshot_at"; field: null; value: null };

/**
 * The index that serves `filter`.
 *
 * @example feedIndex({ provider: "openai", tag: "price" }) // → { index: "by_provider_slug_and_snapshot_at", field: "provider_slug", value: "openai" }
 */
export function feedIndex(filter: FeedFilter): FeedIndex {
  if (filter.model !== undefined) return { index: "by_model_slug_and_snapshot_at", field: "model_slug", value: filter.model };
  if (filter.provider !== undefined) return { index: "by_provider_slug_and_snapshot_at", field: "provider_slug", value: filter.provider };
  if (filter.entity !== undefined) return { index: "by_entity_and_snapshot_at", field: "entity", value: filter.entity };
  return { index: "by_snapshot_at", field: null, value: null };
}

/**
 * Whether `row` passes every filter (the index's own included, so any index may be used).
 *
 * @example matchesFilter(row, { tag: "price", min_percent: 10 }) // true when the row is a price change of at least 10%
 */
export function matchesFilter(row: FeedRow, filter: FeedFilter): boolean {
  if (filter.since !== undefined && row.snapshot_at < filter.since) return false;
  if (filter.until !== undefined && row.snapshot_at > filter.until) return false;
  if (filter.entity !== undefined && row.entity !== filter.entity) return false;
  if (filter.model !== undefined && row.model_slug !== filter.model) return false;
  if (filter.provider !== undefined && row.provider_slug !== filter.provider) return false;
  if (filter.tag !== undefined && !row.tags.includes(filter.tag)) return false;
  if (filter.min_percent !== undefined && !(row.max_abs_percent !== null && row.max_abs_percent >= filter.min_percent)) return false;
  return true;
}

/** Whether a feed under `filter` folds broad rewrites (see the file's rules). */
export function foldsRewrites(filter: FeedFilter): boolean {
  return filter.model === undefined && filter.provider === undefined;
}

/**
 * `rows` without the `updated` rows that a rewrite of their run stands for: every path they
 * changed is one of the run's rewrites of their entity kind.
 *
 * @param rewrites each run's rewrite rows (`event: "rewrite"`, `key` the path)
 */
export function foldRewrites<Row extends FeedRow>(rows: readonly Row[], rewrites: ReadonlyMap<string, readonly FeedRow[]>): Row[] {
  return rows.filter((row) => {
    if (row.event !== "updated" || row.run_id === null) return true;
    const paths = new Set((rewrites.get(row.run_id) ?? []).filter((rewrite) => rewrite.entity === row.entity).map((rewrite) => rewrite.key));
    return paths.size === 0 || !row.fields.every((field) => paths.has(field.path));
  });
}

/**
 * Checks a filter sent by a client, naming what is wrong.
 *
 * @throws RangeError when a time is not finite, the range is reversed, or `min_percent` is negative or not finite
 */
export function checkFilter(filter: FeedFilter): FeedFilter {
  for (const name of ["since", "until", "min_percent"] as const) {
    const value = filter[name];
    if (value !== undefined && !Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  }
  if (filter.min_percent !== undefined && filter.min_percent < 0) throw new RangeError(`min_percent must be at least 0, got ${filter.min_percent}`);
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new RangeError(`since (${filter.since}) is after until (${filter.until})`);
  }
  return filter;
}
