/**
 * ConvexIssueWriter: the OutputHandler that persists validation issues, de-duplicated.
 *
 * Owns: collecting the run's error results that carry an item fingerprint (validation issues;
 * failed fetches have none and live in the run's metrics and logs), de-duplicating them within
 * the run, and writing them in batches of 100 at `finish`. Its `writer_stats`: issues new to the
 * table (insert), issues seen before whose count went up (update), repeats within the run (stable).
 */
import * as R from "remeda";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import type { ActionCtx } from "../_generated/server";
import type { MetricsSink, OutputHandler, PipelineResult } from "../../src/pipeline/types";
import { MAX_BATCH_ROWS } from "./entityRows";

const MESSAGE_MAX_CHARS = 500;

export class ConvexIssueWriter implements OutputHandler {
  readonly name = "issues";
  private readonly sightings = new Map<string, { source: string; sha256: string; message: string }>();

  constructor(
    private readonly ctx: ActionCtx,
    private readonly run: { run_id: Id<"snapshot_runs">; snapshot_at: number },
    private readonly metrics?: MetricsSink,
  ) {}

  get distinct() {
    return this.sightings.size;
  }

  async write(result: PipelineResult) {
    if (result.kind !== "error" || !result.sha256) return;
    const key = `${result.source}\u0000${result.sha256}`;
    if (!this.sightings.has(key)) {
      this.sightings.set(key, { source: result.source, sha256: result.sha256, message: result.message.slice(0, MESSAGE_MAX_CHARS) });
    }
  }

  async finish() {
    const counts = { insert: 0, update: 0, stable: 0, unavailable: 0 };
    for (const issues of R.chunk([...this.sightings.values()], MAX_BATCH_ROWS)) {
      const outcome = await this.ctx.runMutation(internal.validation_issues.recordBatch, { run_id: this.run.run_id, seen_at: this.run.snapshot_at, issues });
      counts.insert += outcome.inserted;
      counts.update += outcome.updated;
      counts.stable += outcome.unchanged;
    }
    this.metrics?.emit({ t: "writer_stats", writer: this.name, counts });
  }
}
