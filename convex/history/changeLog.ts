/**
 * ChangeLog: the change rows one mutation of entity writes records, written in that mutation.
 *
 * Owns: turning each landed write or mark (`upsertEntityRow`, `markRowUnavailable`) into its change
 * row (`eventOfWrite`/`eventOfMark`, plus the exact revert), inserting them when the mutation
 * commits, noting when live history began (`history_state`), and tallying the paths `updated`
 * rows changed so the run can name its broad rewrites. Must not touch: whether a write lands
 * (entityRows decides); it is told only about writes that did.
 *
 * Usage, inside a mutation: `const log = new ChangeLog({ snapshot_at, run_id }); … log.wrote("model",
 * existing, row) … ; const { events, paths } = await log.commit(ctx);`
 */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import {
  eventOfMark,
  eventOfWrite,
  tallyPaths,
  type ChangeEvent,
  type EntityWrite,
  type PathTally,
  type StoredEntityRow,
  type UnavailableMark,
} from "../../src/history/changeEvents";
import type { EntityKind } from "../../src/history/entityDiff";
import { revertOf } from "../../src/history/revert";
import type { ChangeRow } from "./validators";

/** Above this many UTF-8 bytes of JSON, a row's field values are left out (its revert still holds the exact before): a document may hold 1 MiB. */
export const MAX_CHANGE_ROW_BYTES = 900 * 1024;
/**
 * Deepest a change row may nest before its field values are left out: Convex allows 16, and a
 * field's before or after sits three levels down (`fields` → item → value).
 */
export const MAX_CHANGE_ROW_DEPTH = 15;

export const HISTORY_STATE = "history";

export class ChangeLog {
  private readonly rows: ChangeRow[] = [];
  private readonly events: ChangeEvent[] = [];

  constructor(private readonly at: { snapshot_at: number; run_id: Id<"snapshot_runs"> | null; backfilled?: boolean }) {}

  /** A write `upsertEntityRow` landed (inserted or updated) over `stored`. */
  wrote<Kind extends EntityKind>(entity: Kind, stored: StoredEntityRow<Kind> | null, write: EntityWrite<Kind>): void {
    const event = eventOfWrite(entity, stored, write);
    if (event) this.add(event, stored === null ? "" : revertOf(stored, write.value));
  }

  /** A mark `markRowUnavailable` landed on `stored` (as it was before the mark). */
  marked<Kind extends EntityKind>(entity: Kind, stored: StoredEntityRow<Kind>, mark: UnavailableMark): void {
    const event = eventOfMark(entity, stored, mark);
    if (event) this.add(event, "");
  }

  get size(): number {
    return this.rows.length;
  }

  /** Inserts the rows; returns how many, and the tallies of the paths `updated` rows changed. */
  async commit(ctx: MutationCtx): Promise<{ events: number; paths: PathTally[] }> {
    for (const row of this.rows) await ctx.db.insert("or_changes", row);
    if (this.rows.length > 0 && !this.at.backfilled) await noteLiveHistory(ctx, this.at.snapshot_at);
    return { events: this.rows.length, paths: tallyPaths(this.events) };
  }

  private add(event: ChangeEvent, revert: string): void {
    this.events.push(event);
    this.rows.push(boundedRow({ ...event, snapshot_at: this.at.snapshot_at, run_id: this.at.run_id, revert, ...(this.at.backfilled ? { backfilled: true } : {}) }));
  }
}

/**
 * `row`, or when it would be too large or too deep for a document, the same row with each field's
 * values left out (paths, tags, rates and the revert, which is text, kept). The revert is at most
 * the entity's own size (900 KiB, `MAX_ENTITY_BYTES`), so what is kept always fits.
 */
export function boundedRow(row: ChangeRow): ChangeRow {
  if (depthOf(row) <= MAX_CHANGE_ROW_DEPTH && new TextEncoder().encode(JSON.stringify(row)).byteLength <= MAX_CHANGE_ROW_BYTES) return row;
  return {
    ...row,
    fields: row.fields.map((field) => ("added" in field ? { ...field, added: [], removed: [] } : { ...field, before: null, after: null })),
    fields_cut: true,
  };
}

/**
 * The summary row of a run's broad rewrite (a path one run changed on more than a share of a
 * table): keyed by the path, with its count, the path's tag and its largest |percent|.
 */
export function rewriteRow(
  { entity, path, count, tag, max_abs_percent }: PathTally,
  at: { snapshot_at: number; run_id: Id<"snapshot_runs">; backfilled?: boolean },
): ChangeRow {
  return {
    snapshot_at: at.snapshot_at,
    run_id: at.run_id,
    entity,
    key: path,
    model_slug: null,
    provider_slug: null,
    event: "rewrite",
    reason: null,
    fields: [],
    tags: [tag],
    rates: [],
    max_abs_percent,
    revert: "",
    count,
    ...(at.backfilled ? { backfilled: true } : {}),
  };
}

/** How deep a JSON value nests: 0 for a scalar, 1 for an object or array of scalars. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let deepest = 0;
  for (const item of Object.values(value)) deepest = Math.max(deepest, depthOf(item));
  return deepest + 1;
}

/** The one `history_state` row (what the history covers), or null before any history was recorded. */
export function readHistoryState(ctx: QueryCtx) {
  return ctx.db
    .query("history_state")
    .withIndex("by_name", (q) => q.eq("name", HISTORY_STATE))
    .unique();
}

/** Records the first live snapshot the first time a run records history (as-of is exact from there). */
async function noteLiveHistory(ctx: MutationCtx, snapshot_at: number): Promise<void> {
  const state = await readHistoryState(ctx);
  if (state === null) await ctx.db.insert("history_state", { name: HISTORY_STATE, covered_from: snapshot_at, live_from: snapshot_at });
  else if (snapshot_at < state.live_from && state.backfilled_from === undefined)
    await ctx.db.patch("history_state", state._id, { live_from: snapshot_at, covered_from: Math.min(state.covered_from, snapshot_at) });
}
