/**
 * The Convex metrics sink: buffers a run's `MetricsEvent`s in memory and writes them to its
 * `snapshot_runs` row in one patch, on `flush()`. It never patches per event. Error events are
 * also logged as they arrive, one line each with their context, for the Convex logs.
 */
import type { Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import { summarizeRunMetrics } from "../../src/pipeline/runMetrics";
import type { MetricsEvent, MetricsSink } from "../../src/pipeline/types";
import type schema from "../schema";

type RunFields = Infer<(typeof schema)["tables"]["snapshot_runs"]["validator"]>;

/** How the run ended; set before `flush()`. */
export type RunOutcome = Pick<RunFields, "status" | "error" | "report" | "health_reasons" | "withheld"> & { ok: boolean; health: string; ended_at: number };

export function createMetricsSink(ctx: ActionCtx, run_id: Id<"snapshot_runs">) {
  const events: MetricsEvent[] = [];
  let outcome: RunOutcome | null = null;
  let patches = 0;
  return {
    events,
    /** `snapshot_runs` patches made so far. */
    get patches() {
      return patches;
    },
    emit(event: MetricsEvent) {
      events.push(event);
      if (event.t === "error") console.warn(`snapshot ${run_id} ${event.source}: ${event.message}`);
    },
    setOutcome(next: RunOutcome) {
      outcome = next;
    },
    async flush() {
      const ended = outcome ?? { status: "failed" as const, ok: false, health: "failed: run ended without an outcome", ended_at: Date.now() };
      patches++;
      await ctx.runMutation(internal.snapshot_runs.complete, { run_id, ...ended, metrics: summarizeRunMetrics(events) });
    },
  } satisfies MetricsSink & Record<string, unknown>;
}

export type ConvexMetricsSink = ReturnType<typeof createMetricsSink>;
