/**
 * The drift ledger step: after the pipeline, compare the set of field paths this run saw upstream
 * (the field census) with the ledger in `upstream_fields`, and record what appeared and what went.
 *
 * Owns: the comparison and its writes. An hour whose set of paths did not change reads one state
 * row and writes nothing. When the set changed, every path seen is written once (first seen, or
 * last seen with its count and an example), paths no longer seen are marked gone, and the state
 * row's digest is written last, so a run that fails halfway is redone by the next one (and the
 * ledger's first run, the baseline, is the one that writes the state row first). Paths of endpoint
 * records are not marked gone in a run whose endpoint data is suspect: an endpoint list failed
 * (the fields may be on the records it did not get), or the share guard withheld removals. Only
 * runs that fetch and write (remote, not dry) write the ledger; others compare and report. The
 * digest covers each path's treatment too, so a release that maps a field rewrites its row once.
 * Must not touch: entity tables.
 */
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx, MutationCtx } from "../_generated/server";
import { fieldKey, fieldSetDigest, type FieldCensus } from "../../src/drift/fieldCensus";
import type { FieldScope } from "../../src/drift/fieldTreatment";
import { MAX_BATCH_ROWS } from "./entityRows";
import { vFieldsReport } from "./validators";

export const FIELD_SET_STATE = "upstream";
const LEDGER_PAGE_SIZE = 1000;
/** New field paths listed in a run's report and log line; the rest are counted. */
export const NEW_FIELDS_LISTED = 20;

const vScope = v.union(v.literal("model"), v.literal("endpoint"));

export const vFieldOp = v.union(
  v.object({ op: v.literal("seen"), scope: vScope, path: v.string(), treatment: v.string(), mapped: v.boolean(), count: v.number(), example: v.string() }),
  /** `last_seen_at`: the last healthy run before this one, when known. */
  v.object({ op: v.literal("gone"), scope: vScope, path: v.string(), last_seen_at: v.union(v.number(), v.null()) }),
);
type FieldOp = Infer<typeof vFieldOp>;

export type FieldsReport = Infer<typeof vFieldsReport>;

function findField(ctx: MutationCtx, scope: FieldScope, path: string) {
  return ctx.db
    .query("upstream_fields")
    .withIndex("by_scope_and_path", (q) => q.eq("scope", scope).eq("path", path))
    .unique();
}

/** `upstream_fields.applyBatch`'s handler. */
export async function applyFieldOps(ctx: MutationCtx, ops: FieldOp[], run: { seen_at: number; baseline: boolean }) {
  const outcome = { inserted: 0, updated: 0 };
  for (const op of ops) {
    const existing = await findField(ctx, op.scope, op.path);
    if (op.op === "seen") {
      const { op: _op, ...seen } = op;
      if (!existing) {
        await ctx.db.insert("upstream_fields", {
          ...seen,
          first_seen_at: run.seen_at,
          last_seen_at: run.seen_at,
          present: true,
          gone_at: null,
          baseline: run.baseline,
        });
        outcome.inserted++;
      } else {
        await ctx.db.patch("upstream_fields", existing._id, { ...seen, last_seen_at: Math.max(existing.last_seen_at, run.seen_at), present: true, gone_at: null });
        outcome.updated++;
      }
    } else if (existing?.present) {
      await ctx.db.patch("upstream_fields", existing._id, { present: false, gone_at: run.seen_at, last_seen_at: Math.max(existing.last_seen_at, op.last_seen_at ?? 0) });
      outcome.updated++;
    }
  }
  return outcome;
}

type LedgerRow = { scope: FieldScope; path: string; present: boolean; treatment: string };

/** The key the state row's digest is taken over: a path and what the module does with it. */
function digestKey(row: { scope: FieldScope; path: string; treatment: string }): string {
  return `${fieldKey(row.scope, row.path)}\t${row.treatment}`;
}

async function loadLedger(ctx: ActionCtx): Promise<Map<string, LedgerRow>> {
  const ledger = new Map<string, LedgerRow>();
  let cursor: string | null = null;
  for (;;) {
    const page: { page: LedgerRow[]; isDone: boolean; continueCursor: string } = await ctx.runQuery(
      internal.upstream_fields.loadPage,
      { paginationOpts: { numItems: LEDGER_PAGE_SIZE, cursor } },
    );
    for (const row of page.page) ledger.set(fieldKey(row.scope, row.path), row);
    if (page.isDone) return ledger;
    cursor = page.continueCursor;
  }
}

/**
 * Compares the run's census with the ledger and, when `write`, records the difference.
 *
 * @param protectEndpointPaths the run's endpoint data is suspect (a list failed, removals were
 *   withheld): endpoint paths it did not see are not marked gone.
 */
export async function recordUpstreamFields(
  ctx: ActionCtx,
  args: { census: FieldCensus; run_id: Id<"snapshot_runs">; snapshot_at: number; write: boolean; protectEndpointPaths: boolean },
): Promise<FieldsReport> {
  const sightings = args.census.sightings();
  const seenKeys = new Set(sightings.map((s) => fieldKey(s.scope, s.path)));
  const digest = await fieldSetDigest(sightings.map(digestKey));
  const state = await ctx.runQuery(internal.upstream_fields.state, {});
  if (state?.digest === digest) return { seen: sightings.length, new: 0, gone: 0, new_fields: [], baseline: false, written: false };

  const ledger = await loadLedger(ctx);
  // The baseline is the run that starts the ledger: until a state row exists, nothing is new.
  const baseline = state === null;
  const fresh = sightings.filter((s) => !ledger.has(fieldKey(s.scope, s.path)));
  const mayMarkGone = (scope: FieldScope) => !args.census.truncated && !(scope === "endpoint" && args.protectEndpointPaths);
  const gone = [...ledger.entries()].filter(([key, row]) => row.present && !seenKeys.has(key) && mayMarkGone(row.scope)).map(([, row]) => row);
  const goneKeys = new Set(gone.map((row) => fieldKey(row.scope, row.path)));
  // What the ledger will hold as present: what the run saw, and what it may not mark gone.
  const present = [
    ...sightings.map(digestKey),
    ...[...ledger.entries()].filter(([key, row]) => row.present && !seenKeys.has(key) && !goneKeys.has(key)).map(([, row]) => digestKey(row)),
  ];
  const resultDigest = await fieldSetDigest(present);

  const report: FieldsReport = {
    seen: sightings.length,
    new: baseline ? 0 : fresh.length,
    gone: gone.length,
    new_fields: baseline ? [] : fresh.slice(0, NEW_FIELDS_LISTED).map((s) => fieldKey(s.scope, s.path)),
    baseline,
    written: false,
  };
  if (!args.write || (state?.digest === resultDigest && fresh.length === 0 && gone.length === 0)) return report;

  const lastSeenBeforeGone = gone.length > 0 ? await ctx.runQuery(internal.snapshot_runs.previousHealthyAt, { before: args.snapshot_at }) : null;
  const ops: FieldOp[] = [
    ...sightings.map((s): FieldOp => ({ op: "seen", scope: s.scope, path: s.path, treatment: s.treatment, mapped: s.mapped, count: s.count, example: s.example })),
    ...gone.map((row): FieldOp => ({ op: "gone", scope: row.scope, path: row.path, last_seen_at: lastSeenBeforeGone })),
  ];
  for (let start = 0; start < ops.length; start += MAX_BATCH_ROWS) {
    await ctx.runMutation(internal.upstream_fields.applyBatch, { ops: ops.slice(start, start + MAX_BATCH_ROWS), seen_at: args.snapshot_at, baseline });
  }
  await ctx.runMutation(internal.upstream_fields.setState, { digest: resultDigest, paths: present.length, changed_at: args.snapshot_at, run_id: args.run_id });
  return { ...report, written: true };
}
