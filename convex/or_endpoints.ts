/**
 * `or_endpoints`: one row per upstream endpoint record, keyed (model_permaslug, variant,
 * endpoint_id), written only by `entities.applyBatch`. An internal paged state loader for the
 * writer's pre-load, and public read-only queries.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalQuery, query } from "./_generated/server";
import { rowAsOf } from "./lib/entityRows";
import { pageOptions } from "./lib/queryLimits";
import schema from "./schema";
import { doc } from "convex-helpers/validators";

const vEndpointDoc = doc(schema, "or_endpoints");

/** One page of what the writer needs to decide: key, model slug, fingerprint, availability, and the newest time the row speaks for. */
export const loadStatePage = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => {
    const page = await ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").paginate(paginationOpts);
    return {
      ...page,
      page: page.page.map((row) => ({
        model_permaslug: row.model_permaslug,
        variant: row.variant,
        endpoint_id: row.endpoint_id,
        model_slug: row.model_slug,
        content_hash: row.content_hash,
        unavailable_at: row.unavailable_at,
        as_of: rowAsOf(row),
      })),
    };
  },
});

/** Public: every endpoint of a model (by slug). A model has a handful of endpoints, bounded by upstream. */
export const forModel = query({
  args: { model_slug: v.string() },
  returns: v.array(vEndpointDoc),
  handler: async (ctx, { model_slug }) =>
    ctx.db
      .query("or_endpoints")
      .withIndex("by_model_slug", (q) => q.eq("model_slug", model_slug))
      .take(500),
});

/** Public: all endpoints, a page at a time; at most `MAX_PAGE_SIZE` endpoints a page (see `lib/queryLimits.ts`). */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vEndpointDoc),
  handler: async (ctx, { paginationOpts }) =>
    ctx.db.query("or_endpoints").withIndex("by_model_permaslug_and_variant_and_endpoint_id").paginate(pageOptions(paginationOpts)),
});
