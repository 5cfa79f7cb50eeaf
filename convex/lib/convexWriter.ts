/**
 * ConvexWriter: the OutputHandler that keeps `or_models` and `or_endpoints` in step.
 *
 * Owns: the run's diff against the database, computed up front in the action. `init` pre-loads
 * each table's keys and fingerprints once, in pages. `write` decides each entity with the shared
 * `decide` (through the change tracker) and buffers inserts and updates; every 100 buffered
 * changes (fewer when rows are large) become one `entities.applyBatch` mutation across both
 * tables, never one mutation per item. A stable entity writes nothing. `finish` flushes the rest
 * together with the removals (marked unavailable), in the same batches.
 * Must not touch: the pipeline's order of work, or any table but the two entity tables.
 */
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import { createChangeTracker, type EntityState, type ModelChange } from "../../src/pipeline/changeTracker";
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
  private pending: BatchItem[] = [];
  private pendingBytes = 0;
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
    const item: BatchItem = change.kind === "model" ? modelItem(change) : { kind: "endpoint", row: { value: change.value, content_hash: change.content_hash }, bytes: change.bytes };
    // Flush first when the item would overflow the byte budget, and after at 100 items: small
    // rows go 100 to a mutation, large ones fewer.
    if (this.pending.length > 0 && this.pendingBytes + item.bytes > MAX_BATCH_BYTES) await this.apply(this.takePending());
    this.pending.push(item);
    this.pendingBytes += item.bytes;
    if (this.pending.length >= MAX_BATCH_ROWS) await this.apply(this.takePending());
  }

  private takePending(): BatchItem[] {
    this.pendingBytes = 0;
    return this.pending.splice(0);
  }

  /** One `entities.applyBatch`; mutations run one after another even when writes arrive concurrently. */
  private apply(items: BatchItem[]) {
    this.mutations++;
    const batch = {
      models: items.flatMap((item) => (item.kind === "model" ? [item.row] : [])),
      endpoints: items.flatMap((item) => (item.kind === "endpoint" ? [item.row] : [])),
      unavailableModels: items.flatMap((item) => (item.kind === "unavailableModel" ? [item.slug] : [])),
      unavailableEndpoints: items.flatMap((item) => (item.kind === "unavailableEndpoint" ? [item.key] : [])),
      snapshot_at: this.options.snapshot_at,
      unavailable_at: this.options.now?.() ?? this.options.snapshot_at,
    };
    const next = this.chain.then(() => this.ctx.runMutation(internal.entities.applyBatch, batch));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Flushes what is buffered together with the removals, so a run with c changes in all costs
   * ⌈c/100⌉ mutations (while rows are small).
   */
  async finish() {
    const removals = this.tracker.removals({ maxUnavailableShare: this.options.maxUnavailableShare });
    this.withheld = removals.withheld;
    const items: BatchItem[] = [
      ...this.takePending(),
      ...removals.modelChanges.map(modelItem),
      ...removals.models.map((slug): BatchItem => ({ kind: "unavailableModel", slug, bytes: KEY_BYTES })),
      ...removals.endpoints.map(
        ({ model_permaslug, variant, endpoint_id }): BatchItem => ({ kind: "unavailableEndpoint", key: { model_permaslug, variant, endpoint_id }, bytes: KEY_BYTES }),
      ),
    ];
    for (const chunk of chunkByBudget(items, { maxItems: MAX_BATCH_ROWS, maxBytes: MAX_BATCH_BYTES }, (item) => item.bytes)) await this.apply(chunk);
    await this.chain;
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }
}

type ModelRow = { value: OrModel; content_hash: string; available: boolean };
type EndpointRow = { value: OrEndpoint; content_hash: string };
type EndpointKey = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id">;
/** One buffered change, with what it weighs in a mutation's arguments. */
type BatchItem =
  | { kind: "model"; row: ModelRow; bytes: number }
  | { kind: "endpoint"; row: EndpointRow; bytes: number }
  | { kind: "unavailableModel"; slug: string; bytes: number }
  | { kind: "unavailableEndpoint"; key: EndpointKey; bytes: number };
function modelItem(change: ModelChange): BatchItem {
  return { kind: "model", row: { value: change.value, content_hash: change.content_hash, available: change.available }, bytes: change.bytes };
}

/** What one key of a removal weighs in a batch, generously. */
const KEY_BYTES = 512;

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
