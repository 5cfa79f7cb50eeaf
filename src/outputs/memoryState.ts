/**
 * In-memory entity state: the `EntityState` for tests and the local dry run, plus a writer that
 * applies a run's changes to it the way the Convex writer applies them to tables.
 *
 * Owns: nothing persistent. A second run against the same `MemoryState` sees what the first wrote.
 */
import { endpointKey, type OrEndpoint, type OrModel } from "../openrouter/schemas";
import type { StoredEntity } from "../pipeline/decide";
import { createChangeTracker, type EntityState, type ModelChange } from "../pipeline/changeTracker";
import type { MetricsSink, OutputHandler, PipelineResult } from "../pipeline/types";

export class MemoryState implements EntityState {
  readonly models = new Map<string, StoredEntity<OrModel> & { value: OrModel }>();
  readonly endpoints = new Map<string, StoredEntity<OrEndpoint> & { value: OrEndpoint }>();

  model(slug: string) {
    return this.models.get(slug);
  }
  endpoint(key: string) {
    return this.endpoints.get(key);
  }
  *availableModels() {
    for (const [slug, row] of this.models) if (row.unavailable_at === null) yield slug;
  }
  *availableEndpoints() {
    for (const row of this.endpoints.values()) if (row.unavailable_at === null) yield row.value;
  }
}

/** Applies each run to a `MemoryState`: inserts and updates as they arrive, removals at the end. */
export class MemoryStateWriter implements OutputHandler {
  readonly name = "memory";
  private tracker;
  constructor(
    private readonly state: MemoryState,
    private readonly options: { now?: () => number; metrics?: MetricsSink; maxUnavailableShare?: number } = {},
  ) {
    this.tracker = createChangeTracker(state);
  }
  withheld: string | null = null;
  get counts() {
    return this.tracker.counts;
  }
  async write(result: PipelineResult) {
    const change = await this.tracker.track(result);
    if (!change || change.decision === "stable") return;
    if (change.kind === "model") this.applyModel(change, this.now());
    else this.state.endpoints.set(change.key, { value: change.value, content_hash: change.content_hash, unavailable_at: null });
  }
  private now() {
    return this.options.now?.() ?? Date.now();
  }
  /** As `upsertEntityRow`: an unavailable model keeps the time it was first marked. */
  private applyModel(change: ModelChange, now: number) {
    const previous = this.state.models.get(change.key);
    const unavailable_at = change.available ? null : (previous?.unavailable_at ?? now);
    this.state.models.set(change.key, { value: change.value, content_hash: change.content_hash, unavailable_at });
  }
  finish() {
    const now = this.now();
    const removals = this.tracker.removals({ maxUnavailableShare: this.options.maxUnavailableShare });
    this.withheld = removals.withheld;
    for (const change of removals.modelChanges) this.applyModel(change, now);
    for (const slug of removals.models) this.state.models.get(slug)!.unavailable_at = now;
    for (const endpoint of [...removals.endpoints, ...removals.moves.map((move) => move.endpoint)]) this.state.endpoints.get(endpointKey(endpoint))!.unavailable_at = now;
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }
}
