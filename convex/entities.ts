/**
 * `entities.applyBatch`: one batch of a run's changes to the catalogue tables, `or_models` and
 * `or_endpoints` together, in one transaction: rows to insert or update (a model row may arrive
 * marked unavailable: listed, but with no endpoint now) and rows to mark unavailable by key, at
 * most 100 items, each removal with its reason (gone upstream, or moved to a new key). The
 * ConvexWriter decides every item up front; this only lands them, so a run with c changes costs
 * ⌈c/100⌉ mutations. Rows holding anything newer than the batch's snapshot are left alone. The
 * catalogue manifest is updated in the same transaction (`ManifestEdits`).
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
  },
  returns: v.object({ inserted: v.number(), updated: v.number(), unchanged: v.number(), stale: v.number(), marked: v.number() }),
  handler: async (ctx, { models, endpoints, unavailableModels, unavailableEndpoints, movedEndpoints = [], relistedModels = [], snapshot_at, unavailable_at }) => {
    assertBatchSize(
      "entities.applyBatch",
      models.length + endpoints.length + unavailableModels.length + unavailableEndpoints.length + movedEndpoints.length + relistedModels.length,
    );
    const edits = new ManifestEdits();
    const outcomes: UpsertOutcome[] = [];
    for (const row of models) outcomes.push(await upsertEntityRow(ctx, edits, "or_models", await findModel(ctx, row.value.slug), row, snapshot_at, unavailable_at));
    for (const row of endpoints) outcomes.push(await upsertEntityRow(ctx, edits, "or_endpoints", await findEndpoint(ctx, row.value), row, snapshot_at));
    let marked = 0;
    const gone = UNAVAILABLE_REASONS.gone;
    for (const slug of unavailableModels) if (await markRowUnavailable(ctx, edits, "or_models", await findModel(ctx, slug), unavailable_at, gone)) marked++;
    for (const key of unavailableEndpoints) if (await markRowUnavailable(ctx, edits, "or_endpoints", await findEndpoint(ctx, key), unavailable_at, gone)) marked++;
    for (const { key, to } of movedEndpoints) {
      if (await markRowUnavailable(ctx, edits, "or_endpoints", await findEndpoint(ctx, key), unavailable_at, UNAVAILABLE_REASONS.moved(to))) marked++;
    }
    for (const { slug, listed } of relistedModels) await relistUnavailableModel(ctx, edits, await findModel(ctx, slug), listed, snapshot_at);
    await edits.commit(ctx);
    return { ...tally(outcomes), marked };
  },
});
