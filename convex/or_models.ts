/**
 * `or_models`: one row per model slug. Internal writes for the ConvexWriter, an internal paged
 * state loader for its pre-load, and public read-only catalogue queries.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, internalQuery, query } from "./_generated/server";
import { findModel, rowAsOf, upsertEntityRow } from "./lib/entityRows";
import { pageOptions } from "./lib/queryLimits";
import { ManifestEdits, storedModelAvailable } from "./lib/manifestStore";
import { vModelWrite } from "./lib/validators";
import schema from "./schema";
import { doc } from "convex-helpers/validators";

const vModelDoc = doc(schema, "or_models");

/** One row. Prefer `entities.applyBatch` from actions: one mutation per row is what this module avoids. */
export const upsert = internalMutation({
  args: { row: vModelWrite, snapshot_at: v.number() },
  returns: v.union(v.literal("inserted"), v.literal("updated"), v.literal("unchanged"), v.literal("stale")),
  handler: async (ctx, { row, snapshot_at }) => {
    const edits = new ManifestEdits();
    const outcome = await upsertEntityRow(ctx, edits, "or_models", await findModel(ctx, row.value.slug), row, snapshot_at);
    await edits.commit(ctx);
    return outcome;
  },
});

/**
 * One page of what the writer needs to decide: key, fingerprint, availability, and the newest
 * time the row speaks for (`as_of`, so a rebuild can tell whether the table holds anything newer).
 * Availability as the manifest reads it (`storedModelAvailable`).
 */
export const loadStatePage = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db.query("or_models").withIndex("by_slug").paginate(paginationOpts);
    return {
      ...page,
      page: page.page.map((row) => ({
        slug: row.slug,
        content_hash: row.content_hash,
        unavailable_at: row.unavailable_at ?? (storedModelAvailable(row) ? null : row.changed_at),
        as_of: rowAsOf(row),
      })),
    };
  },
});

/** Public: one model by slug. */
export const get = query({
  args: { slug: v.string() },
  returns: v.union(vModelDoc, v.null()),
  handler: async (ctx, { slug }) => ctx.db.query("or_models").withIndex("by_slug", (q) => q.eq("slug", slug)).unique(),
});

/** Public: the catalogue, a page at a time, in slug order; at most `MAX_PAGE_SIZE` models a page (see `lib/queryLimits.ts`). */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vModelDoc),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("or_models").withIndex("by_slug").paginate(pageOptions(paginationOpts)),
});
