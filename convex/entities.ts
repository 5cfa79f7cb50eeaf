/**
 * `entities.applyBatch`: one batch of a run's changes to the catalogue tables, `or_models` and
 * `or_endpoints` together, in one transaction: rows to insert or update (a model row may arrive
 * marked unavailable: listed, but with no endpoint now) and rows to mark unavailable by key, at
 * most 100 items, each removal with its reason (gone upstream, or moved to a new key). The
 * ConvexWriter decides every item up front; this only lands them, so a run with c changes costs
 * ⌈c/100⌉ mutations. Rows holding anything newer than the batch's snapshot are left alone. The
 * catalogue manifest is updated in the same transaction (`ManifestEdits`), and so is the history:
 * every write or mark that lands, and changed something real, leaves its change row (`ChangeLog`).
 */
import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import {
  assertBatchSize,
  findEndpoint,
  findModel,
  markRowUnavailable,
  relistUnavailableModel,
  tally,
  UNAVAILABLE_REASONS,
  upsertEntityRow,
  type UpsertOutcome,
} from "./lib/entityRows";
import { vEndpointKey, vEndpointWrite, vModelWrite } from "./lib/validators";
import { ManifestEdits } from "./lib/manifestStore";
import { ChangeLog } from "./history/changeLog";
import { vPathTally } from "./history/validators";

export const applyBatch = internalMutation({
  args: {
    models: v.array(vModelWrite),
    endpoints: v.array(vEndpointWrite),
    unavailableModels: v.array(v.string()),
    unavailableEndpoints: v.array(vEndpointKey),
    /** Endpoints whose upstream id reappeared under another key (`to`, an `endpointKey`). */
    movedEndpoints: v.optional(v.array(v.object({ key: vEndpointKey, to: v.string() }))),
    /** Unavailable models whose reason no longer says whether they are listed (`relistUnavailableModel`). */
    relistedModels: v.optional(v.array(v.object({ slug: v.string(), listed: v.boolean() }))),
    snapshot_at: v.number(),
    unavailable_at: v.number(),
    /** The run the change rows are recorded under. */
    run_id: v.optional(v.id("snapshot_runs")),
  },
  returns: v.object({
    inserted: v.number(),
    updated: v.number(),
    unchanged: v.number(),
    stale: v.number(),
    marked: v.number(),
    /** Change rows written, and the paths their `updated` rows changed (for the run's broad rewrites). */
    events: v.number(),
    paths: v.array(vPathTally),
  }),
  handler: async (ctx, { models, endpoints, unavailableModels, unavailableEndpoints, movedEndpoints = [], relistedModels = [], snapshot_at, unavailable_at, run_id }) => {
    assertBatchSize(
      "entities.applyBatch",
      models.length + endpoints.length + unavailableModels.length + unavailableEndpoints.length + movedEndpoints.length + relistedModels.length,
    );
    const edits = new ManifestEdits();
    const log = new ChangeLog({ snapshot_at, run_id: run_id ?? null });
    const outcomes: UpsertOutcome[] = [];
    const landed = (outcome: UpsertOutcome) => outcome === "inserted" || outcome === "updated";
    for (const row of models) {
      const existing = await findModel(ctx, row.value.slug);
      const outcome = await upsertEntityRow(ctx, edits, "or_models", existing, row, snapshot_at, unavailable_at);
      if (landed(outcome)) log.wrote("model", existing, row);
      outcomes.push(outcome);
    }
    for (const row of endpoints) {
      const existing = await findEndpoint(ctx, row.value);
      const outcome = await upsertEntityRow(ctx, edits, "or_endpoints", existing, row, snapshot_at);
      if (landed(outcome)) log.wrote("endpoint", existing, row);
      outcomes.push(outcome);
    }
    let marked = 0;
    const gone = UNAVAILABLE_REASONS.gone;
    for (const slug of unavailableModels) {
      const existing = await findModel(ctx, slug);
      if (await markRowUnavailable(ctx, edits, "or_models", existing, unavailable_at, gone)) {
        marked++;
        log.marked("model", existing!, { reason: gone });
      }
    }
    for (const key of unavailableEndpoints) {
      const existing = await findEndpoint(ctx, key);
      if (await markRowUnavailable(ctx, edits, "or_endpoints", existing, unavailable_at, gone)) {
        marked++;
        log.marked("endpoint", existing!, { reason: gone });
      }
    }
    for (const { key, to } of movedEndpoints) {
      const existing = await findEndpoint(ctx, key);
      if (await markRowUnavailable(ctx, edits, "or_endpoints", existing, unavailable_at, UNAVAILABLE_REASONS.moved(to))) {
        marked++;
        log.marked("endpoint", existing!, { movedTo: to });
      }
    }
    for (const { slug, listed } of relistedModels) await relistUnavailableModel(ctx, edits, await findModel(ctx, slug), listed, snapshot_at);
    await edits.commit(ctx);
    const { events, paths } = await log.commit(ctx);
    return { ...tally(outcomes), marked, events, paths };
  },
});
