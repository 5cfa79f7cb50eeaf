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
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import { createChangeTracker, type EntityState } from "../../src/pipeline/changeTracker";
import type { StoredEntity } from "../../src/pipeline/decide";
import type { MetricsSink, OutputHandler, PipelineResult } from "../../src/pipeline/types";
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS } from "./entityRows";
import { chunkByBudget } from "../../src/lib/chunkByBudget";

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
  /** Share guard for removals (see `ChangeTracker.removals`); default: no guard. */
  maxUnavailableShare?: number;
};

export class ConvexWriter implements OutputHandler {
  readonly name = "convex";
  /** `runMutation` calls that wrote `or_models` or `or_endpoints`. */
  mutations = 0;
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null = null;
  /** What is stored, once `init` has run. A DryRunWriter in the same run can share it. */
  readonly state = new ConvexState();
  private readonly tracker = createChangeTracker(this.state);
  private readonly modelRows: Sized<ModelRow>[] = [];
  private readonly endpointRows: Sized<EndpointRow>[] = [];
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
    const row = { value: change.value, content_hash: change.content_hash };
    if (change.kind === "model") await this.buffer(this.modelRows, { row: row as ModelRow, bytes: change.bytes }, (rows) => this.applyModels(rows, []));
    else await this.buffer(this.endpointRows, { row: row as EndpointRow, bytes: change.bytes }, (rows) => this.applyEndpoints(rows, []));
  }

  /**
   * Adds a row to a table's buffer, flushing first when it would overflow the byte budget, and
   * after when it holds 100 rows: small rows go 100 to a mutation, large ones fewer.
   */
  private async buffer<Row>(buffer: Sized<Row>[], item: Sized<Row>, apply: (rows: Row[]) => Promise<unknown>) {
    const bytes = buffer.reduce((sum, entry) => sum + entry.bytes, 0);
    if (buffer.length > 0 && bytes + item.bytes > MAX_BATCH_BYTES) await apply(buffer.splice(0).map((entry) => entry.row));
    buffer.push(item);
    if (buffer.length >= MAX_BATCH_ROWS) await apply(buffer.splice(0).map((entry) => entry.row));
  }

  /** Mutations run one after another, even when writes arrive from concurrent fetches. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private applyModels(rows: ModelRow[], unavailable: string[]) {
    this.mutations++;
    const { snapshot_at } = this.options;
    return this.enqueue(() =>
      this.ctx.runMutation(internal.or_models.applyBatch, { rows, unavailable, snapshot_at, unavailable_at: this.unavailableAt() }),
    );
  }

  private applyEndpoints(rows: EndpointRow[], unavailable: EndpointKey[]) {
    this.mutations++;
    const { snapshot_at } = this.options;
    return this.enqueue(() =>
      this.ctx.runMutation(internal.or_endpoints.applyBatch, { rows, unavailable, snapshot_at, unavailable_at: this.unavailableAt() }),
    );
  }

  private unavailableAt() {
    return this.options.now?.() ?? this.options.snapshot_at;
  }

  /**
   * The last partial batch of upserts shares its mutations with the removals, so a run with c
   * changes to a table costs ⌈c/100⌉ mutations on it.
   */
  async finish() {
    const removals = this.tracker.removals({ maxUnavailableShare: this.options.maxUnavailableShare });
    this.withheld = removals.withheld;
    const budget = { maxItems: MAX_BATCH_ROWS, maxBytes: MAX_BATCH_BYTES };
    const modelItems = [...this.modelRows.splice(0), ...removals.models.map((slug) => ({ slug, bytes: KEY_BYTES }))];
    for (const chunk of chunkByBudget(modelItems, budget, (item) => item.bytes)) {
      await this.applyModels(
        chunk.flatMap((item) => ("row" in item ? [item.row] : [])),
        chunk.flatMap((item) => ("slug" in item ? [item.slug] : [])),
      );
    }
    const endpointItems = [
      ...this.endpointRows.splice(0),
      ...removals.endpoints.map(({ model_permaslug, variant, endpoint_id }) => ({ key: { model_permaslug, variant, endpoint_id }, bytes: KEY_BYTES })),
    ];
    for (const chunk of chunkByBudget(endpointItems, budget, (item) => item.bytes)) {
      await this.applyEndpoints(
        chunk.flatMap((item) => ("row" in item ? [item.row] : [])),
        chunk.flatMap((item) => ("key" in item ? [item.key] : [])),
      );
    }
    await this.chain;
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }
}

type ModelRow = { value: OrModel; content_hash: string };
type Sized<Row> = { row: Row; bytes: number };
/** What one key of a removal weighs in a batch, generously. */
const KEY_BYTES = 512;
type EndpointRow = { value: OrEndpoint; content_hash: string };
type EndpointKey = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id">;

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
