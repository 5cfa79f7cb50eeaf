/**
 * `or_models`: one row per model slug. Internal writes for the ConvexWriter, an internal paged
 * state loader for its pre-load, and public read-only catalogue queries.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query, type MutationCtx } from "./_generated/server";
import { assertBatchSize, markRowUnavailable, tally, upsertEntityRow, type UpsertOutcome } from "./lib/entityRows";
import { vModelWrite } from "./lib/validators";
import schema from "./schema";

const vModelDoc = v.object({ _id: v.id("or_models"), _creationTime: v.number(), ...schema.tables.or_models.validator.fields });

const vOutcomes = v.object({ inserted: v.number(), updated: v.number(), unchanged: v.number(), marked: v.number() });

function findModel(ctx: MutationCtx, slug: string) {
  return ctx.db.query("or_models").withIndex("by_slug", (q) => q.eq("slug", slug)).unique();
}

/** One row. Prefer `applyBatch` from actions: one mutation per row is what this module avoids. */
export const upsert = internalMutation({
  args: { row: vModelWrite, snapshot_at: v.number() },
  returns: v.union(v.literal("inserted"), v.literal("updated"), v.literal("unchanged")),
  handler: async (ctx, { row, snapshot_at }) => upsertEntityRow(ctx, "or_models", await findModel(ctx, row.value.slug), row, snapshot_at),
});

/**
 * One batch of a run's changes to `or_models`: rows to insert or update, and rows to mark
 * unavailable, at most 100 items in all, in one transaction.
 */
export const applyBatch = internalMutation({
  args: { rows: v.array(vModelWrite), unavailable: v.array(v.string()), snapshot_at: v.number(), unavailable_at: v.number() },
  returns: vOutcomes,
  handler: async (ctx, { rows, unavailable, snapshot_at, unavailable_at }) => {
    assertBatchSize("or_models.applyBatch", rows.length + unavailable.length);
    const outcomes: UpsertOutcome[] = [];
    for (const row of rows) outcomes.push(await upsertEntityRow(ctx, "or_models", await findModel(ctx, row.value.slug), row, snapshot_at));
    let marked = 0;
    for (const key of unavailable) if (await markRowUnavailable(ctx, await findModel(ctx, key), unavailable_at)) marked++;
    return { ...tally(outcomes), marked };
  },
});

/** One page of what the writer needs to decide: key, fingerprint, availability. */
export const loadStatePage = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db.query("or_models").withIndex("by_slug").paginate(paginationOpts);
    return {
      ...page,
      page: page.page.map((row) => ({ slug: row.slug, content_hash: row.content_hash, unavailable_at: row.unavailable_at })),
    };
  },
});

/** Public: one model by slug. */
export const get = query({
  args: { slug: v.string() },
  returns: v.union(vModelDoc, v.null()),
  handler: async (ctx, { slug }) => ctx.db.query("or_models").withIndex("by_slug", (q) => q.eq("slug", slug)).unique(),
});

/** Public: the catalogue, a page at a time, in slug order. */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vModelDoc),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("or_models").withIndex("by_slug").paginate(paginationOpts),
});
