/**
 * Run metrics: the small record a run leaves, derived from its `MetricsEvent`s.
 *
 * Owns: the reduction of a run's events to `{ pipelines, writers, errors }`. The run-level
 * pipeline (`RUN_PIPELINE`) marks the run's own start and finish and is not listed among the
 * pipelines. Raw detail stays in archives and logs; this record stays a few hundred bytes.
 */
import type { MetricsEvent } from "./types";

export const RUN_PIPELINE = "snapshot";

export type RunMetrics = {
  pipelines?: Record<string, { models: number; endpoints: number; errors: number }>;
  writers?: Record<string, { insert: number; update: number; stable: number; unavailable: number }>;
  errors?: number;
};

/**
 * @example summarizeRunMetrics([{ t: "writer_stats", writer: "convex", counts: { insert: 2 } }])
 * // → { writers: { convex: { insert: 2, update: 0, stable: 0, unavailable: 0 } }, errors: 0 }
 */
export function summarizeRunMetrics(events: readonly MetricsEvent[]): RunMetrics {
  const metrics: RunMetrics = { errors: 0 };
  for (const event of events) {
    if (event.t === "pipeline_finished" && event.name !== RUN_PIPELINE) {
      metrics.pipelines ??= {};
      metrics.pipelines[event.name] = {
        models: event.counts.models ?? 0,
        endpoints: event.counts.endpoints ?? 0,
        errors: event.counts.errors ?? 0,
      };
    } else if (event.t === "writer_stats") {
      metrics.writers ??= {};
      metrics.writers[event.writer] = {
        insert: event.counts.insert ?? 0,
        update: event.counts.update ?? 0,
        stable: event.counts.stable ?? 0,
        unavailable: event.counts.unavailable ?? 0,
      };
    } else if (event.t === "error") {
      metrics.errors = (metrics.errors ?? 0) + 1;
    }
  }
  return metrics;
}
