/**
 * The contracts between the pipeline's steps: what the process emits (`PipelineResult`), who
 * receives it (`OutputHandler`), and where run metrics go (`MetricsSink`).
 *
 * Pipeline code sees only these interfaces; it never imports Convex.
 */
import type { OrEndpoint, OrModel } from "../openrouter/schemas";
import type { RequestParams } from "../sources/requestKey";

export type PipelineResult =
  | { kind: "model"; value: OrModel }
  | { kind: "endpoint"; value: OrEndpoint }
  | {
      kind: "error";
      source: string;
      message: string;
      /** The failed request's params: a failed fetch is not a removal. */
      params?: RequestParams;
      /** The bad item's own key (slug or id) when a validation issue names one. */
      item_key?: string | null;
      /** Fingerprint of a bad item, for de-duplication across runs. */
      sha256?: string;
      /** For a validation issue: what was wrong. A duplicate's first copy was kept, so it protects nothing. */
      issue?: IssueKind;
    };

/** `invalid`: failed the schema; `duplicate`: a key repeated in one response; `too_large`: could not be stored as one row. */
export type IssueKind = "invalid" | "duplicate" | "too_large";

export interface OutputHandler {
  name: string;
  init?(): Promise<void> | void;
  write(item: PipelineResult): Promise<void>;
  finish?(): Promise<void> | void;
}

export type MetricsEvent =
  | { t: "pipeline_started"; name: string; ts: number }
  | { t: "pipeline_finished"; name: string; ts: number; counts: Record<string, number> }
  | { t: "writer_stats"; writer: string; counts: Record<string, number> }
  | { t: "error"; source: string; message: string };

export interface MetricsSink {
  emit(event: MetricsEvent): void;
  flush(): Promise<void>;
}

/** Keeps every event in memory: for tests, dry runs and the local report. */
export function createMemoryMetricsSink(): MetricsSink & { events: MetricsEvent[]; flushes: number } {
  const sink = {
    events: [] as MetricsEvent[],
    flushes: 0,
    emit(event: MetricsEvent) {
      sink.events.push(event);
    },
    async flush() {
      sink.flushes++;
    },
  };
  return sink;
}

export type WriterCounts = { insert: number; update: number; stable: number; unavailable: number };
