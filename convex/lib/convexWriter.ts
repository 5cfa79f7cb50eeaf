/**
 * ConvexWriter: the OutputHandler that keeps `or_models` and `or_endpoints` in step.
 *
 * Owns: the run's diff against the database, computed up front in the action. `init` pre-loads
 * each table's keys and fingerprints once, in pages. `write` decides each entity with the shared
 * `decide` (through the change tracker) and buffers inserts and updates per table; every 100
 * buffered rows become one batch mutation, never one mutation per item. A stable entity writes
 * nothing. `finish` flushes the rest and marks removals unavailable, also in batches of 100.
 * Must not touch: the pipeline's order of work, or any table but the two entity tables.
 */
import * as R from "remeda";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import { createChangeTracker, type EntityState } from "../../src/pipeline/changeTracker";
import type { StoredEntity } from "../../src/pipeline/decide";
import type { MetricsSink, OutputHandler, PipelineResult } from "../../src/pipeline/types";
import { MAX_BATCH_ROWS } from "./entityRows";

const STATE_PAGE_SIZE = 1000;

type EndpointKeyFields = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">;

/** Stored keys and fingerprints, as pre-loaded by `loadConvexState`. */
export class ConvexState implements EntityState {
  readonly models = new Map<string, StoredEntity<OrModel>>();
  readonly endpoints = new Map<string, StoredEntity<OrEndpoint> & { key: EndpointKeyFields }>();
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
    for (const row of this.endpoints.values()) if (row.unavailable_at === null) yield row.key;
  }
}

export type ConvexWriterOptions = {
  snapshot_at: number;
  metrics?: MetricsSink;
  /** When removals are marked; defaults to the snapshot time. */
  now?: () => number;
};

export class ConvexWriter implements OutputHandler {
  readonly name = "convex";
  /** `runMutation` calls that wrote `or_models` or `or_endpoints`. */
  mutations = 0;
  /** What is stored, once `init` has run. A DryRunWriter in the same run can share it. */
  readonly state = new ConvexState();
  private readonly tracker = createChangeTracker(this.state);
  private readonly modelRows: { value: OrModel; content_hash: string }[] = [];
  private readonly endpointRows: { value: OrEndpoint; content_hash: string }[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ActionCtx,
    private readonly options: ConvexWriterOptions,
  ) {}

  get counts() {
    return this.tracker.counts;
  }
  get perKind() {
    return this.tracker.perKind;
  }

  async init() {
    await loadConvexState(this.ctx, this.state);
  }

  async write(result: PipelineResult) {
    const change = await this.tracker.track(result);
    if (!change || change.decision === "stable") return;
    if (change.kind === "model") {
      this.modelRows.push({ value: change.value, content_hash: change.content_hash });
      if (this.modelRows.length >= MAX_BATCH_ROWS) await this.flushModels(this.modelRows.splice(0, MAX_BATCH_ROWS));
    } else {
      this.endpointRows.push({ value: change.value, content_hash: change.content_hash });
      if (this.endpointRows.length >= MAX_BATCH_ROWS) await this.flushEndpoints(this.endpointRows.splice(0, MAX_BATCH_ROWS));
    }
  }

  /** Mutations run one after another, even when writes arrive from concurrent fetches. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private flushModels(rows: { value: OrModel; content_hash: string }[]) {
    if (rows.length === 0) return Promise.resolve();
    this.mutations++;
    return this.enqueue(() => this.ctx.runMutation(internal.or_models.upsertBatch, { rows, snapshot_at: this.options.snapshot_at }));
  }
  private flushEndpoints(rows: { value: OrEndpoint; content_hash: string }[]) {
    if (rows.length === 0) return Promise.resolve();
    this.mutations++;
    return this.enqueue(() => this.ctx.runMutation(internal.or_endpoints.upsertBatch, { rows, snapshot_at: this.options.snapshot_at }));
  }

  async finish() {
    await this.flushModels(this.modelRows.splice(0));
    await this.flushEndpoints(this.endpointRows.splice(0));
    const at = this.options.now?.() ?? this.options.snapshot_at;
    const removals = this.tracker.removals();
    for (const slugs of R.chunk(removals.models, MAX_BATCH_ROWS)) {
      this.mutations++;
      await this.enqueue(() => this.ctx.runMutation(internal.or_models.markUnavailable, { slugs, at }));
    }
    for (const chunk of R.chunk(removals.endpoints, MAX_BATCH_ROWS)) {
      const keys = chunk.map(({ model_permaslug, variant, endpoint_id }) => ({ model_permaslug, variant, endpoint_id }));
      this.mutations++;
      await this.enqueue(() => this.ctx.runMutation(internal.or_endpoints.markUnavailable, { keys, at }));
    }
    await this.chain;
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }
}

/** Fills `state` with every stored row's key, fingerprint and availability, a page at a time. */
export async function loadConvexState(ctx: ActionCtx, state: ConvexState): Promise<ConvexState> {
  let cursor: string | null = null;
  do {
    const page: LoadedPage<{ slug: string; content_hash: string; unavailable_at: number | null }> = await ctx.runQuery(
      internal.or_models.loadStatePage,
      { paginationOpts: { numItems: STATE_PAGE_SIZE, cursor } },
    );
    for (const row of page.page) state.models.set(row.slug, { content_hash: row.content_hash, unavailable_at: row.unavailable_at });
    cursor = page.isDone ? null : page.continueCursor;
  } while (cursor !== null);
  do {
    const page: LoadedPage<EndpointKeyFields & { content_hash: string; unavailable_at: number | null }> = await ctx.runQuery(
      internal.or_endpoints.loadStatePage,
      { paginationOpts: { numItems: STATE_PAGE_SIZE, cursor } },
    );
    for (const { content_hash, unavailable_at, ...key } of page.page) state.endpoints.set(endpointKey(key), { content_hash, unavailable_at, key });
    cursor = page.isDone ? null : page.continueCursor;
  } while (cursor !== null);
  return state;
}

type LoadedPage<Row> = { page: Row[]; isDone: boolean; continueCursor: string };
