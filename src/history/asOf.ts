/**
 * asOf: an entity as it was at an instant, rolled back from its stored row through the change
 * events written after that instant; and an endpoint's price history the same way.
 *
 * Owns: undoing events, newest first: `added` (it did not exist), `removed` and `moved` (it was
 * available), `returned` (it was unavailable, for the reason the event kept), and the content of
 * any event that carries a revert (`applyRevert`). Must not touch: reading rows or events (the
 * caller passes the row and the events after the instant, newest first), Convex.
 *
 * Exact from the first snapshot history covers: every write since then left an event, except a
 * write that only reordered a set or re-spelt a rate (no real change, so no event), which the
 * rolled-back value shows as it is spelt now. An unavailable model's reason may also read as it is
 * now: relisting one (gone ↔ listed with no endpoint) writes no event, and a content write to an
 * unavailable model sets its reason to "listed with no endpoint now" without undoing it.
 */
import type { ConvexJson } from "../openrouter/convexSafe";
import { ratesOfEntity } from "./entityDiff";
import { applyRevert, contentOf } from "./revert";

/** What rolling back needs of a stored change row. */
export type HistoryEvent = { snapshot_at: number; event: string; reason: string | null; revert?: string };

/** An entity at an instant: its content, and whether it was available (and if not, why). */
export type EntityAsOf = { value: { [key: string]: ConvexJson }; available: boolean; unavailable_reason: string | null };

/** A stored row's content and availability, as it is now. */
export function currentState(row: { unavailable_at: number | null; unavailable_reason?: string } & object): EntityAsOf {
  return { value: contentOf(row), available: row.unavailable_at === null, unavailable_reason: row.unavailable_at === null ? null : (row.unavailable_reason ?? null) };
}

/**
 * The entity before `event` happened, given the state just after it; null when the event added it.
 *
 * @example undoEvent({ value: { a: 2 }, available: true, unavailable_reason: null }, { snapshot_at: 5, event: "updated", reason: null, revert: '{"set":{"a":1},"unset":[]}' })
 * // → { value: { a: 1 }, available: true, unavailable_reason: null }
 */
export function undoEvent(state: EntityAsOf, event: HistoryEvent): EntityAsOf | null {
  const value = event.revert ? applyRevert(state.value, event.revert) : state.value;
  switch (event.event) {
    case "added":
      return null;
    case "removed":
    case "moved":
      return { value, available: true, unavailable_reason: null };
    case "returned":
      return { value, available: false, unavailable_reason: event.reason };
    default:
      return { ...state, value };
  }
}

/**
 * The entity as it was at the instant before `laterEvents` (its events after that instant, newest
 * first), from its stored row; null when it did not exist yet.
 *
 * @throws when the events are not newest first
 */
export function entityAsOf(row: { unavailable_at: number | null; unavailable_reason?: string } & object, laterEvents: readonly HistoryEvent[]): EntityAsOf | null {
  let state: EntityAsOf | null = currentState(row);
  let previous = Infinity;
  for (const event of laterEvents) {
    if (event.snapshot_at > previous) throw new Error(`entityAsOf: events must be newest first (${event.snapshot_at} after ${previous})`);
    previous = event.snapshot_at;
    state = undoEvent(state, event);
    if (state === null) return null;
  }
  return state;
}

/** One stretch of time over which an endpoint's rates held: from `from` (inclusive) to `to` (exclusive; null: still now). */
export type RatePeriod = { from: number | null; to: number | null; available: boolean; rates: Record<string, number> };

/**
 * Every rate an endpoint has had and since when, newest first: the current row rolled back
 * through all its events (newest first). A period starts at the event that began it; the oldest
 * starts at its `added` event, or is `from: null` when it began before history covered it.
 * Consecutive periods with the same rates and availability are one.
 *
 * @example priceHistory(row, [{ snapshot_at: 20, event: "updated", revert: '{"set":{"pricing":{"prompt":"0.000001"}},"unset":[]}', reason: null }, { snapshot_at: 10, event: "added", reason: null }])
 * // → [{ from: 20, to: null, rates: { "pricing.prompt": 2e-6 }, … }, { from: 10, to: 20, rates: { "pricing.prompt": 1e-6 }, … }]
 */
export function priceHistory(row: { unavailable_at: number | null; unavailable_reason?: string } & object, events: readonly HistoryEvent[]): RatePeriod[] {
  const periods: RatePeriod[] = [];
  let state: EntityAsOf | null = currentState(row);
  let to: number | null = null;
  const close = (from: number | null) => {
    const period = { from, to, available: state!.available, rates: Object.fromEntries(ratesOfEntity(state!.value)) };
    const last = periods[periods.length - 1];
    // A later period that holds the same rates and availability began here instead.
    if (last && last.available === period.available && sameRates(last.rates, period.rates)) last.from = from;
    else periods.push(period);
  };
  for (const event of [...events].sort((a, b) => b.snapshot_at - a.snapshot_at)) {
    close(event.snapshot_at);
    to = event.snapshot_at;
    state = undoEvent(state!, event);
    if (state === null) return periods;
  }
  close(null);
  return periods;
}

function sameRates(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}
