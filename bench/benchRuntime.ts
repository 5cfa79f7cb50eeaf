/**
 * The bench's embedded Convex runtime: the module's schema and functions, plus the baseline's
 * two tables and its `bench_v1:upsert`, under transaction limits. Bench only, never shipped.
 */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { convexTest } from "convex-test";
import schema from "../convex/schema";
import { convexModules } from "../scripts/lib/embeddedConvex";

const benchSchema = defineSchema({
  ...schema.tables,
  v1_models: defineTable({ key: v.string(), content: v.any(), snapshot_at: v.number() }).index("by_key", ["key"]),
  v1_endpoints: defineTable({ key: v.string(), content: v.any(), snapshot_at: v.number() }).index("by_key", ["key"]),
});

export function createBenchConvex() {
  return convexTest({
    schema: benchSchema,
    modules: { ...convexModules(), "./convex/bench_v1.ts": () => import("./v1Functions") },
    transactionLimits: true,
  });
}

export type BenchConvex = ReturnType<typeof createBenchConvex>;
