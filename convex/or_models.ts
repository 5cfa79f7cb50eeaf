/**
 * `or_models`: one row per model slug, written only by `entities.applyBatch`. An internal paged state
 * loader for the writer's pre-load, and public read-only catalogue queries.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalQuery, query } from "./_generated/server";
import { rowAsOf } from "./lib/entityRows";
import { pageOptions } from "./lib/queryLimits";
import { storedModelAvailable } from "./lib/manifestStore";
import schema from "./schema";
import { doc } from "convex-helpers/validators";

const vModelDoc = doc(schema, "or_models");

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
  handler: async (ctx, { slug }) =>
    ctx.db
      .query("or_models")
      .withIndex("by_slug", (q) => q.eq("slug", slug))
      .unique(),
});

/** Public: the catalogue, a page at a time, in slug order; at most `MAX_PAGE_SIZE` models a page (see `lib/queryLimits.ts`). */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vModelDoc),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("or_models").withIndex("by_slug").paginate(pageOptions(paginationOpts)),
});
