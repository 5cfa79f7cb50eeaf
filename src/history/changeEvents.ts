/**
 * changeEvents: the change event that one entity write of `entities.applyBatch` records, or none.
 *
 * Owns: turning what the mutation knows (the stored row it read, and the write or mark it is
 * about to land) into one typed event (`added`, `removed`, `returned`, `moved`, `updated`) with the
 * field diff of `diffEntity`, and naming the broad rewrites of a run (one field path changed on more
 * than a share of a table). Must not touch: Convex, I/O, whether a write lands. The caller calls
 * `eventOfWrite` only for a write `upsertEntityRow` lands (not `"stale"`), and `eventOfMark` only
 * when `markRowUnavailable` returned true; both mirror those helpers' own no-op cases and return null.
 *
 * Rules, following `upsertEntityRow` and `markRowUnavailable` (convex/lib/entityRows.ts):
 * - No stored row: `added`, tagged `availability`, with no field diff. A model first seen listed
 *   with no endpoint is inserted unavailable with `unavailable_reason` "listed with no endpoint
 *   now"; it is still `added` (it appeared in the catalogue), with that reason.
 * - Same content hash and same availability: null (the helper writes nothing either).
 * - Unavailable → available: `returned`, with the reason it had been unavailable for and the content diff if any. Available → unavailable
 *   by a write (a model that lost its last endpoint): `removed` with the reason stored for it, plus
 *   any content diff. Both carry `availability`.
 * - Same availability, content changed: `updated` with the diff; null if the diff is empty (only
 *   the hash moved, e.g. a new hashing rule): an event exists only for a real change.
 * - A mark of an available row: `removed` with the reason as stored, or `moved` with the key it
 *   moved to as reason; no field diff (a mark patches bookkeeping only). Already unavailable: null.
 * - Relisting (`relistUnavailableModel`) only rewrites an unavailable model's reason: no event.
 */
import { endpointKey, type OrEndpoint, type OrModel } from "../openrouter/schemas";
import { compareText } from "../lib/compareText";
import { diffEntityTagged, isWithinPath, type ChangeTag, type EntityKind, type RateChange, type TaggedFieldChange } from "./entityDiff";

export type ChangeEventKind = "added" | "removed" | "returned" | "moved" | "updated";

/** One entity's change, as the change table stores it (without `snapshot_at` and `run_id`, which the caller adds). */
export type ChangeEvent = {
  entity: EntityKind;
  /** The model's slug, or `endpointKey` of the endpoint. */
  key: string;
  model_slug: string;
  /** An endpoint's `provider_slug`; null for models (and endpoints without one). */
  provider_slug: string | null;
  event: ChangeEventKind;
  /**
   * `removed`, or `added` unavailable: the unavailable reason as stored; `moved`: the key it moved
   * to; `returned`: the reason it had been unavailable for (null for rows marked before reasons were kept); else null.
   */
  reason: string | null;
  /** Each change with the tag of its own path. */
  fields: TaggedFieldChange[];
  /** The diff's tags, plus `availability` for every event but `updated`; sorted. */
  tags: ChangeTag[];
  rates: RateChange[];
  /** The largest |percent| among `rates`, for a minimum-price-change filter; null when no rate has one. */
  max_abs_percent: number | null;
};

/** The reason stored on a model written unavailable: `UNAVAILABLE_REASONS.noEndpoint` (convex/lib/entityRows.ts) is this text. */
export const LISTED_WITHOUT_ENDPOINT = "listed with no endpoint now";

/** The reason stored on a row gone upstream: `UNAVAILABLE_REASONS.gone` is this text. */
export const UNAVAILABLE_GONE = "gone upstream";

/** What identifies an entity: the fields its key, model and provider are read from. */
type IdentityOf<Kind extends EntityKind> = Kind extends "model"
  ? Pick<OrModel, "slug">
  : Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug" | "provider_slug">;

/** A stored row as `applyBatch` reads it (a `Doc<"or_models">` or `Doc<"or_endpoints">` fits). */
export type StoredEntityRow<Kind extends EntityKind> = IdentityOf<Kind> & {
  content_hash: string;
  unavailable_at: number | null;
  unavailable_reason?: string;
  returned_at?: number;
};

/** A row to write, as `applyBatch` receives it (`vModelWrite`, `vEndpointWrite`); `available` defaults to true. */
export type EntityWrite<Kind extends EntityKind> = { value: IdentityOf<Kind>; content_hash: string; available?: boolean };

/** How a row is marked unavailable: with a reason (gone upstream, an accepted removal), or moved to another key. */
export type UnavailableMark = { reason: string } | { movedTo: string };

/** A field path that one run changed on more than the given share of a table: one summary row. */
export type BroadRewrite = { entity: EntityKind; path: string; count: number };

/** How many `updated` events changed one (entity, path), with the path's tag and the largest |percent| of its rates. */
export type PathTally = BroadRewrite & { tag: ChangeTag; max_abs_percent: number | null };

/**
 * The event of writing `next` over `stored` (null when there is no stored row).
 *
 * @example eventOfWrite("model", { slug: "a/b", context_length: 8, content_hash: "h1", unavailable_at: null }, { value: { slug: "a/b", context_length: 16 }, content_hash: "h2", available: true })
 * // → { entity: "model", key: "a/b", event: "updated", fields: [{ path: "context_length", before: 8, after: 16 }], tags: ["context"], … }
 */
export function eventOfWrite<Kind extends EntityKind>(entity: Kind, stored: StoredEntityRow<Kind> | null, next: EntityWrite<Kind>): ChangeEvent | null {
  const available = next.available ?? true;
  if (stored === null) return eventOf(entity, next.value, "added", available ? null : LISTED_WITHOUT_ENDPOINT, EMPTY_DIFF);
  const wasAvailable = stored.unavailable_at === null;
  const sameContent = stored.content_hash === next.content_hash;
  if (sameContent && wasAvailable === available) return null;
  const diff = sameContent ? EMPTY_DIFF : diffEntityTagged(entity, stored, next.value);
  if (wasAvailable === available) return diff.fields.length === 0 ? null : eventOf(entity, next.value, "updated", null, diff);
  return available
    ? eventOf(entity, next.value, "returned", stored.unavailable_reason ?? null, diff)
    : eventOf(entity, next.value, "removed", LISTED_WITHOUT_ENDPOINT, diff);
}

/**
 * The event of marking `stored` unavailable; null when it already is.
 *
 * @example eventOfMark("endpoint", storedEndpoint, { movedTo: endpointKey(newKey) })
 * // → { entity: "endpoint", key: endpointKey(storedEndpoint), event: "moved", reason: endpointKey(newKey), tags: ["availability"], … }
 */
export function eventOfMark<Kind extends EntityKind>(entity: Kind, stored: StoredEntityRow<Kind>, mark: UnavailableMark): ChangeEvent | null {
  if (stored.unavailable_at !== null) return null;
  return "movedTo" in mark ? eventOf(entity, stored, "moved", mark.movedTo, EMPTY_DIFF) : eventOf(entity, stored, "removed", mark.reason, EMPTY_DIFF);
}

/**
 * The field paths that `updated` events change on more than `share` × the table's size (counted
 * once per event), sorted by entity then path. The per-entity events are written all the same.
 *
 * @param tableSizes rows in `or_models` and `or_endpoints`, as the caller counts them
 * @param share between 0 and 1
 * @example broadRewrites(events, { model: 10, endpoint: 100 }, 0.5) // → [{ entity: "endpoint", path: "pricing_version_id", count: 60 }]
 */
export function broadRewrites(events: readonly ChangeEvent[], tableSizes: { model: number; endpoint: number }, share: number): BroadRewrite[] {
  return broadTallies(tallyPaths(events), tableSizes, share).map(({ entity, path, count }) => ({ entity, path, count }));
}

/**
 * The (entity, path) tallies of `updated` events, one per pair, sorted by entity then path;
 * `into` (tallies of earlier batches) is added to.
 *
 * @example tallyPaths([updatedPromptOf("a"), updatedPromptOf("b")]) // → [{ entity: "endpoint", path: "pricing.prompt", count: 2, tag: "price", max_abs_percent: 10 }]
 */
export function tallyPaths(events: readonly ChangeEvent[], into: readonly PathTally[] = []): PathTally[] {
  const tallies = new Map<string, PathTally>(into.map((tally) => [JSON.stringify([tally.entity, tally.path]), { ...tally }]));
  for (const event of events) {
    if (event.event !== "updated") continue;
    const seen = new Set<string>();
    for (const field of event.fields) {
      if (seen.has(field.path)) continue;
      seen.add(field.path);
      const id = JSON.stringify([event.entity, field.path]);
      const tally = tallies.get(id) ?? { entity: event.entity, path: field.path, count: 0, tag: field.tag, max_abs_percent: null };
      tally.count++;
      for (const rate of event.rates) {
        if (rate.percent !== null && isWithinPath(rate.path, field.path)) tally.max_abs_percent = Math.max(tally.max_abs_percent ?? 0, Math.abs(rate.percent));
      }
      tallies.set(id, tally);
    }
  }
  return sortTallies([...tallies.values()]);
}

/**
 * Two lists of tallies as one (counts added, the larger percent kept), sorted by entity then path.
 *
 * @example mergeTallies([{ entity: "endpoint", path: "p", count: 2, tag: "price", max_abs_percent: 5 }], [{ entity: "endpoint", path: "p", count: 1, tag: "price", max_abs_percent: 9 }])
 * // → [{ entity: "endpoint", path: "p", count: 3, tag: "price", max_abs_percent: 9 }]
 */
export function mergeTallies(a: readonly PathTally[], b: readonly PathTally[]): PathTally[] {
  const merged = new Map<string, PathTally>();
  for (const tally of [...a, ...b]) {
    const id = JSON.stringify([tally.entity, tally.path]);
    const known = merged.get(id);
    if (!known) merged.set(id, { ...tally });
    else {
      known.count += tally.count;
      if (tally.max_abs_percent !== null) known.max_abs_percent = Math.max(known.max_abs_percent ?? 0, tally.max_abs_percent);
    }
  }
  return sortTallies([...merged.values()]);
}

/** The most broad rewrites one run records (the most widespread first), and the most a feed reads to fold a run's rows. */
export const MAX_REWRITES_PER_RUN = 100;

/**
 * The broad rewrites a run records: the tallies over `share` × their table's size, the most
 * widespread first, at most `MAX_REWRITES_PER_RUN`.
 */
export function runRewrites(tallies: readonly PathTally[], tableSizes: { model: number; endpoint: number }, share: number): PathTally[] {
  return broadTallies(tallies, tableSizes, share)
    .sort((a, b) => b.count - a.count || compareText(a.entity, b.entity) || compareText(a.path, b.path))
    .slice(0, MAX_REWRITES_PER_RUN);
}

/** The tallies over `share` × their table's size. */
export function broadTallies(tallies: readonly PathTally[], tableSizes: { model: number; endpoint: number }, share: number): PathTally[] {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`broadRewrites: share ${share} is not between 0 and 1`);
  return sortTallies(tallies.filter((tally) => tally.count > share * tableSizes[tally.entity]));
}

function sortTallies(tallies: PathTally[]): PathTally[] {
  return tallies.sort((a, b) => compareText(a.entity, b.entity) || compareText(a.path, b.path));
}

const EMPTY_DIFF = { fields: [], tags: [], rates: [] } as const satisfies { fields: TaggedFieldChange[]; tags: ChangeTag[]; rates: RateChange[] };

function eventOf<Kind extends EntityKind>(
  entity: Kind,
  identity: IdentityOf<Kind>,
  event: ChangeEventKind,
  reason: string | null,
  diff: { fields: readonly TaggedFieldChange[]; tags: readonly ChangeTag[]; rates: readonly RateChange[] },
): ChangeEvent {
  const tags = event === "updated" ? [...diff.tags] : [...new Set<ChangeTag>([...diff.tags, "availability"])].sort(compareText);
  const percents = diff.rates.flatMap((rate) => (rate.percent === null ? [] : [Math.abs(rate.percent)]));
  return {
    entity,
    ...identityOf(entity, identity),
    event,
    reason,
    fields: [...diff.fields],
    tags,
    rates: [...diff.rates],
    max_abs_percent: percents.length === 0 ? null : Math.max(...percents),
  };
}

function identityOf(entity: EntityKind, identity: IdentityOf<EntityKind>): Pick<ChangeEvent, "key" | "model_slug" | "provider_slug"> {
  if (entity === "model") {
    const { slug } = identity as IdentityOf<"model">;
    return { key: slug, model_slug: slug, provider_slug: null };
  }
  const endpoint = identity as IdentityOf<"endpoint">;
  return { key: endpointKey(endpoint), model_slug: endpoint.model_slug, provider_slug: endpoint.provider_slug ?? null };
}
