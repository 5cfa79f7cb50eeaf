/**
 * Validators of the change history: the change row, its parts, and the feed's filter (which a
 * webhook subscription stores too). Tied at compile time to the pure types they store (`ChangeEvent` in
 * src/history/changeEvents.ts), so the two cannot drift.
 */
import { v, type Infer } from "convex/values";
import type { ChangeEvent } from "../../src/history/changeEvents";
import type { FeedFilter } from "../../src/history/feed";

export const vChangeTag = v.union(
  v.literal("price"),
  v.literal("context"),
  v.literal("limits"),
  v.literal("capabilities"),
  v.literal("data_policy"),
  v.literal("deprecation"),
  v.literal("availability"),
  v.literal("metadata"),
);

export const vEntityKind = v.union(v.literal("model"), v.literal("endpoint"));

/** What happened to the entity; `rewrite` is a run's summary of one path changed across much of a table. */
export const vChangeEventKind = v.union(v.literal("added"), v.literal("removed"), v.literal("returned"), v.literal("moved"), v.literal("updated"), v.literal("rewrite"));

/** One changed path: a value (null stands for absent) or a set-like array's names added and removed, with the tag of its path. */
export const vFieldChange = v.union(
  v.object({ path: v.string(), before: v.any(), after: v.any(), tag: vChangeTag }),
  v.object({ path: v.string(), added: v.array(v.string()), removed: v.array(v.string()), tag: vChangeTag }),
);

export const vRateChange = v.object({
  path: v.string(),
  before: v.union(v.number(), v.null()),
  after: v.union(v.number(), v.null()),
  percent: v.union(v.number(), v.null()),
});

/** How many `updated` rows of a batch or run changed one path (`PathTally`). */
export const vPathTally = v.object({ entity: vEntityKind, path: v.string(), count: v.number(), tag: vChangeTag, max_abs_percent: v.union(v.number(), v.null()) });

/** The fields of a change row (`or_changes`). */
export const changeRowFields = {
  snapshot_at: v.number(),
  /** The run that wrote it; null for history a backfill rebuilt for a run whose record is gone. */
  run_id: v.union(v.id("snapshot_runs"), v.null()),
  entity: vEntityKind,
  /** The model's slug or the endpoint's `endpointKey`; for a `rewrite`, the field path. */
  key: v.string(),
  /** The model's slug (an endpoint's model); null for a `rewrite`. */
  model_slug: v.union(v.string(), v.null()),
  /** An endpoint's provider; null for models and rewrites. */
  provider_slug: v.union(v.string(), v.null()),
  event: vChangeEventKind,
  reason: v.union(v.string(), v.null()),
  fields: v.array(vFieldChange),
  tags: v.array(vChangeTag),
  rates: v.array(vRateChange),
  max_abs_percent: v.union(v.number(), v.null()),
  /** The exact inverse of the write as JSON (`revertOf`), for as-of queries; "" when the content did not change. */
  revert: v.string(),
  /** A `rewrite`: how many of the run's `updated` events changed the path. */
  count: v.optional(v.number()),
  /** The fields' values were left out: the row would have been larger than a document may be. The revert is whole. */
  fields_cut: v.optional(v.boolean()),
  /** Written by a backfill from the archives rather than by the run itself. */
  backfilled: v.optional(v.boolean()),
};

export const vChangeRow = v.object(changeRowFields);
export type ChangeRow = Infer<typeof vChangeRow>;

const { revert: _revert, ...itemFields } = changeRowFields;
/** A change row as the public queries return it and webhooks post it: the revert is for as-of reads only. */
export const vChangeItem = v.object({ _id: v.id("or_changes"), _creationTime: v.number(), ...itemFields });

/** The feed's filters (`changes.feed`, the HTTP feeds, a webhook's subscription). */
export const vFeedFilter = v.object({
  /** Snapshot times, inclusive, in ms. */
  since: v.optional(v.number()),
  until: v.optional(v.number()),
  entity: v.optional(vEntityKind),
  tag: v.optional(vChangeTag),
  /** A model's slug: its own events and its endpoints'. */
  model: v.optional(v.string()),
  provider: v.optional(v.string()),
  /** Only price changes with some rate moving at least this many percent (absolute). */
  min_percent: v.optional(v.number()),
});

// Compile-time ties: a pure event fits a change row without the run's fields, and the filter is the pure one.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const eventsMatch: ChangeEvent extends Omit<ChangeRow, "snapshot_at" | "run_id" | "revert" | "count" | "backfilled" | "fields_cut"> ? true : false = true;
const filtersMatch: Same<Infer<typeof vFeedFilter>, FeedFilter> = true;
void eventsMatch;
void filtersMatch;
