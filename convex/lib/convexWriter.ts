/**
 * ConvexWriter: the OutputHandler that keeps `or_models` and `or_endpoints` in step.
 *
 * Owns: the run's diff against the database, worked out in the action before anything is written.
 * It learns the stored state from the catalogue manifest, not from the entity tables: `init` reads
 * the two manifest roots; `write` takes each entity's fingerprint and keeps it (and, without
 * `recall`, the result itself; with it, the entities to write are read back at the end); `finish`
 * digests what the run saw bucket by bucket and, where a table's root digest differs, reads the
 * bucket digests of the segments whose digests (in the root) differ, and then only the chunks of
 * the buckets that differ. An unchanged hour so reads two documents. Buckets that agree need no
 * reading: what the run saw there is what is stored.
 * Then every kept result is decided with the shared `decide` (through the change tracker), and
 * inserts, updates, removals (each with its reason) and moves go out 100 to an
 * `entities.applyBatch` (fewer when rows are large), never one mutation per item. A stable entity
 * writes nothing. The share guard weighs this run's removals and, when given a window, those
 * already marked within it; when it withholds them, they are listed in `withheld_removals` for a
 * person to accept (`removals.acceptWithheld`) and summarised in `withheldSummary`.
 *
 * Until the manifest is complete (a deployment upgraded from before it, or a rebuild under way),
 * and in replays, `init` reads the entity tables instead, as every run did before, and decides as
 * results arrive; until it is complete, it starts the manifest: at once on empty tables, else by
 * a rebuild after its writes.
 * Must not touch: the pipeline's order of work, or any table but the two entity tables (the
 * manifest is theirs, kept by the mutations that write them).
 */
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { endpointKey, type OrEndpoint, type OrModel } from "../../src/openrouter/schemas";
import {
  createChangeTracker,
  type EndpointFacts,
  type EndpointRef,
  type EntityState,
  type ModelChange,
  type ModelFacts,
  type RemovalGuard,
  type Trackable,
} from "../../src/pipeline/changeTracker";
import type { EntityRecall } from "../../src/sources/catalogueSources";
import type { Id } from "../_generated/dataModel";
import type { StoredEntity } from "../../src/pipeline/decide";
import type { MetricsSink, OutputHandler, PipelineResult } from "../../src/pipeline/types";
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS } from "./entityRows";
import { chunkByBudget } from "../../src/lib/chunkByBudget";
import { contentFingerprint, encodedEntity, rememberFingerprint, sha256Hex, type Fingerprint } from "../../src/lib/canonicalJson";
import {
  BUCKETS_PER_SEGMENT,
  decodeChunk,
  differingDigests,
  digestBuckets,
  MANIFEST_BUCKETS,
  segmentBuckets,
  type ManifestDigests,
  type ManifestEntry,
  type ManifestTable,
} from "../../src/manifest/catalogueManifest";
import { SeenEntries } from "../../src/manifest/seenEntries";
import { mergeTallies, runRewrites, type PathTally } from "../../src/history/changeEvents";
import { modelIsAvailable, variantKey } from "../../src/openrouter/schemas";
import { CHUNKS_PER_QUERY, REBUILD_STUCK_MS } from "./manifestStore";

const STATE_PAGE_SIZE = 1000;

type EndpointKeyFields = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">;

/** Stored keys and fingerprints, as pre-loaded by `loadConvexState`. */
export class ConvexState implements EntityState {
  readonly models = new Map<string, StoredEntity<OrModel>>();
  readonly endpoints = new Map<string, StoredEntity<OrEndpoint> & { key: EndpointKeyFields }>();
  /** The newest time any stored row speaks for (`rowAsOf`), or null for empty tables. */
  newestAt: number | null = null;
  noteAsOf(at: number) {
    if (this.newestAt === null || at > this.newestAt) this.newestAt = at;
  }
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
  /** Notes a manifest entry as a stored row. */
  addEntry(table: ManifestTable, entry: ManifestEntry) {
    // The manifest keeps availability, not the time: any non-null time reads as unavailable.
    const stored = { content_hash: entry.hash, unavailable_at: entry.available ? null : 0 };
    if (table === "or_models") this.models.set(entry.key, stored);
    else {
      const [model_permaslug, variant, endpoint_id, model_slug] = entry.parts as [string, string, string, string];
      this.endpoints.set(entry.key, { ...stored, key: { model_permaslug, variant, endpoint_id, model_slug } });
    }
  }
}

/** A manifest root as `manifest.roots` returns it. */
type ManifestRoot = { digest: string; segments: ArrayBuffer; entries: number; newest_as_of: number | null; complete: boolean; rebuilding_since: number | null };

export type ConvexWriterOptions = {
  snapshot_at: number;
  metrics?: MetricsSink;
  /** When removals are marked; defaults to the snapshot time. */
  now?: () => number;
  /** Share guard for removals (see `ChangeTracker.removals`); default: no guard. */
  maxUnavailableShare?: number;
  /** Rolling guard: at most this share of a table marked unavailable within `rollingWindowMs` before the snapshot. */
  maxRollingShare?: number;
  rollingWindowMs?: number;
  /** The run, to list withheld removals and record change rows under. Without it they are only counted, and change rows name no run. */
  run_id?: Id<"snapshot_runs">;
  /** A field path changed on more than this share of a table's rows in one run is a broad rewrite (one summary row); default `DEFAULT_BROAD_REWRITE_SHARE`. */
  broadRewriteShare?: number;
  /** Asked before removals are marked: a reason to withhold them all (a newer run wrote meanwhile), or null. */
  holdRemovals?: () => Promise<string | null>;
  /** A rebuild: refuse, before writing, when the tables hold anything newer than the snapshot. */
  rebuild?: boolean;
  /**
   * Read the stored state from the entity tables even when the manifest is complete. Replays do:
   * they are rare, and often follow rows cleared or edited by hand, which the manifest cannot know
   * until the daily check.
   */
  readTables?: boolean;
  /**
   * Reads entities back from the run's own copy of its bodies. With it, a run that decides from
   * the manifest keeps only each entity's facts and fingerprint until the end, and reads back the
   * few it must write; without it, it keeps every result.
   */
  recall?: EntityRecall;
};

export type WithheldSummary = { reason: string; models: number; endpoints: number; sample: string[] };

/** A field path one run changes on more than this share of a table's rows is one story in the feeds (a broad rewrite). */
export const DEFAULT_BROAD_REWRITE_SHARE = 0.25;

/** Keys listed in a run record's withheld summary; the full list is in `withheld_removals`. */
const WITHHELD_SAMPLE = 20;

export class ConvexWriter implements OutputHandler {
  readonly name = "convex";
  /** `runMutation` calls that wrote `or_models` or `or_endpoints`. */
  mutations = 0;
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null = null;
  /** Change rows the run's mutations wrote (one per real change). */
  events = 0;
  /** The paths the run's `updated` change rows changed, and those over the broad-rewrite share (set at the end). */
  private pathTallies: PathTally[] = [];
  /** Rows in each table before the run's writes (set once removals are decided). */
  private tableSizes = { model: 0, endpoint: 0 };
  rewrites: PathTally[] = [];
  /** What was withheld, for the run record; null when nothing was. */
  withheldSummary: WithheldSummary | null = null;
  /** Rows marked unavailable within the rolling window before this run, per table (loaded by `finish` when the run has removals). */
  recentlyRemoved = { models: 0, endpoints: 0 };
  /** What is stored: read from the tables by `init`, or from the manifest by `finish`; let go once removals are worked out. */
  readonly state = new ConvexState();
  /** Digest of what the run saw (entity fingerprints and availability, failed lists, invalid entries), telemetry excluded: set by `finish`. */
  contentDigest: string | null = null;
  /** Decides from facts: a whole result's value is its own facts; with `recall`, only the facts are kept. */
  private readonly tracker = createChangeTracker<ModelFacts, EndpointFacts>(this.state);
  private roots: Record<ManifestTable, ManifestRoot | null> = { or_models: null, or_endpoints: null };
  /** Whether the stored state comes from the manifest (decided at the end) or from the tables (decided as results arrive). */
  private fromManifest = false;
  /**
   * Results kept until `finish`, in the order they came, when deciding from the manifest. An
   * endpoint is kept as the UTF-8 of its canonical JSON (taken for its fingerprint anyway), a
   * fraction of what the object weighs, and read back only to be decided.
   */
  private received: (PipelineResult | KeptEndpoint)[] = [];
  /**
   * With `recall`, nothing of an entity is kept but its entry in `seen` (key, fingerprint, size,
   * availability): deciding needs no more. Errors are kept as they came; a model's variants only
   * while an unreadable models entry makes them count (they say which endpoint lists were asked for).
   */
  private errors: Extract<PipelineResult, { kind: "error" }>[] = [];
  private keylessIssuesSeen = 0;
  private readonly requestedBy = new Map<string, ModelFacts["variants"]>();
  /** What the run saw, first occurrence of each key, as manifest entries, packed; let go once the writes are out. */
  private seen: Record<ManifestTable, SeenEntries> = seenEntries();
  private readonly failures = new Set<string>();
  /** Unavailable models read from the manifest's chunks: those whose reason no longer says whether they are listed are put right. */
  private unavailableModelsRead: ManifestEntry[] = [];
  /** With `recall`: the changes decided from facts (their rows in `seen`), whose entities are read back to be written. */
  private toRecall: Record<ManifestTable, number[]> = { or_models: [], or_endpoints: [] };
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
  /** Endpoints marked unavailable because they moved to a new key. */
  get moved() {
    return this.tracker.moved;
  }
  get keylessModelIssues() {
    return this.tracker.keylessModelIssues;
  }

  async init() {
    this.roots = await this.ctx.runQuery(internal.manifest.roots, {});
    const { or_models, or_endpoints } = this.roots;
    this.fromManifest = !this.options.readTables && (or_models?.complete ?? false) && (or_endpoints?.complete ?? false);
    if (this.fromManifest) {
      for (const root of [or_models!, or_endpoints!]) if (root.newest_as_of !== null) this.state.noteAsOf(root.newest_as_of);
    } else {
      await loadConvexState(this.ctx, this.state);
      // Empty tables: the manifest starts complete, and this run's writes keep it so.
      if (this.state.models.size === 0 && this.state.endpoints.size === 0 && !or_models && !or_endpoints) await this.ctx.runMutation(internal.manifest.startEmpty, {});
    }
    const { snapshot_at, rebuild } = this.options;
    if (rebuild && this.state.newestAt !== null && this.state.newestAt > snapshot_at) {
      throw new Error(
        `rebuild refused: the entity tables hold rows as of ${new Date(this.state.newestAt).toISOString()}, ` +
          `newer than the replayed snapshot ${new Date(snapshot_at).toISOString()}; a rebuild needs tables that hold nothing newer`,
      );
    }
  }

  async write(result: PipelineResult) {
    if (this.fromManifest && this.options.recall) {
      await this.noteOnly(result);
      return;
    }
    const kept = await this.note(result);
    if (!this.fromManifest) await this.decide(result);
    else this.received.push(kept ?? result);
  }

  /** Adds a result to what the run saw, keeping nothing else of an entity (see `errors`). */
  private async noteOnly(result: PipelineResult) {
    if (result.kind === "error") {
      await this.note(result);
      this.errors.push(result);
      if (result.source === "models" && result.issue !== "duplicate" && !result.item_key) this.keylessIssuesSeen++;
      return;
    }
    const { content_hash, bytes } = await contentFingerprint(result.value);
    if (result.kind === "model") {
      const { slug, variants } = result.value;
      this.noteSeen("or_models", slug, [slug], content_hash, modelIsAvailable(result.value), bytes);
      if (this.keylessIssuesSeen > 0 && !this.requestedBy.has(slug))
        this.requestedBy.set(
          slug,
          variants.map(({ permaslug, variant }) => ({ permaslug, variant })),
        );
      return;
    }
    const { model_permaslug, variant, endpoint_id, model_slug } = result.value;
    this.noteSeen("or_endpoints", endpointKey(result.value), [model_permaslug, variant, endpoint_id, model_slug], content_hash, true, bytes);
  }

  /**
   * What deciding needs of each result, rebuilt from what the run saw: errors first (as they came
   * before the models), then models, then endpoints, each with the entry it was rebuilt from.
   */
  private *keptFacts(): Iterable<[Trackable<ModelFacts, EndpointFacts>, { table: ManifestTable; row: number } | null]> {
    for (const error of this.errors.splice(0)) yield [error, null];
    const models = this.seen.or_models;
    for (let row = 0; row < models.size; row++) {
      const { key, hash, bytes, available } = models.entryAt(row);
      const value = { slug: key, is_alias: false, variants: this.requestedBy.get(key) ?? [] };
      yield [
        { kind: "model", value, fingerprint: { content_hash: hash, bytes: bytes! }, available },
        { table: "or_models", row },
      ];
    }
    this.requestedBy.clear();
    const endpoints = this.seen.or_endpoints;
    for (let row = 0; row < endpoints.size; row++) {
      const { key, parts, hash, bytes } = endpoints.entryAt(row);
      const [model_permaslug, variant, endpoint_id, model_slug] = parts as [string, string, string, string];
      yield [
        { kind: "endpoint", value: { model_permaslug, variant, endpoint_id, model_slug }, fingerprint: { content_hash: hash, bytes: bytes! }, key },
        { table: "or_endpoints", row },
      ];
    }
  }

  /** The first occurrence of a key is what the run saw. */
  private noteSeen(table: ManifestTable, key: string, parts: string[], hash: string, available: boolean, bytes?: number): void {
    this.seen[table].add(key, parts, hash, available, bytes);
  }

  /** Adds a result to what the run saw; for an endpoint, returns it as its encoding, to keep. */
  private async note(result: PipelineResult): Promise<KeptEndpoint | null> {
    if (result.kind === "error") {
      this.failures.add(JSON.stringify([result.source, result.params ?? null, result.item_key ?? null, result.sha256 ?? null]));
      return null;
    }
    const encoded = result.kind === "endpoint" ? encodedEntity(result.value) : null;
    const fingerprint = await contentFingerprint(result.value);
    const { content_hash } = fingerprint;
    if (result.kind === "model") {
      this.noteSeen("or_models", result.value.slug, [result.value.slug], content_hash, modelIsAvailable(result.value));
      return null;
    }
    const endpoint = result.value;
    this.noteSeen("or_endpoints", endpointKey(endpoint), [endpoint.model_permaslug, endpoint.variant, endpoint.endpoint_id, endpoint.model_slug], content_hash, true);
    return { kind: "kept-endpoint", encoded: encoded!, fingerprint };
  }

  private async decide(result: PipelineResult) {
    const change = await this.tracker.track(result);
    if (!change || change.decision === "stable") return;
    await this.queue(change.kind === "model" ? modelItem(change) : endpointItem(change, wholeEndpoint(change.value)));
  }

  /**
   * Writes changes decided from facts: reads their entities back (`recall`), checks that each is
   * what the run fingerprinted, and queues it. The models in two passes over the list; the
   * endpoints one list at a time, in the order the run received them.
   */
  private async writeRecalled(changes: Record<ManifestTable, number[]>, goingUnavailable: ManifestEntry[]) {
    const recall = this.options.recall!;
    // Models by slug: their row in `seen`, or, going unavailable, the entry the removal plan made.
    const models = new Map<string, number | ManifestEntry>();
    for (const row of changes.or_models.splice(0)) models.set(this.seen.or_models.keyAt(row), row);
    for (const change of goingUnavailable) models.set(change.key, change);
    if (models.size > 0) {
      await recall.models(models, async (model) => {
        const found = models.get(model.slug);
        if (found === undefined) return;
        models.delete(model.slug);
        const change = typeof found === "number" ? this.seen.or_models.entryAt(found) : found;
        await checkRecalled(`model ${model.slug}`, model, change.hash);
        await this.queue({ kind: "model", row: { value: model, content_hash: change.hash, available: change.available }, bytes: change.bytes! });
      });
    }
    if (models.size > 0)
      throw new Error(`read back from this run's archive, ${models.size} changed model(s) were not found (${[...models.keys()].slice(0, 5).join(", ")})`);
    // Endpoints, a list at a time: a list's endpoints came one after another, so they are together here.
    const seen = this.seen.or_endpoints;
    const rows = changes.or_endpoints.splice(0);
    for (let start = 0; start < rows.length;) {
      const first = seen.entryAt(rows[start]!);
      const [permaslug, variant] = first.parts as [string, string];
      const list: ManifestEntry[] = [first];
      for (let next = start + 1; next < rows.length; next++) {
        const entry = seen.entryAt(rows[next]!);
        if (entry.parts[0] !== permaslug || entry.parts[1] !== variant) break;
        list.push(entry);
      }
      const received = new Map((await recall.endpoints({ permaslug, variant })).map((endpoint) => [endpointKey(endpoint), endpoint]));
      for (const change of list) {
        const endpoint = received.get(change.key);
        if (!endpoint) throw new Error(`read back from this run's archive, the list of ${variantKey({ permaslug, variant })} lacks the changed endpoint ${change.key}`);
        await checkRecalled(`endpoint ${change.key}`, endpoint, change.hash);
        await this.queue(endpointItem({ content_hash: change.hash, bytes: change.bytes! }, endpoint));
      }
      start += list.length;
    }
  }

  /** Buffers one change: flushed first when it would overflow the byte budget, and after at 100 items (small rows go 100 to a mutation, large ones fewer). */
  private async queue(item: BatchItem) {
    if (this.pending.length > 0 && this.pendingBytes + writtenBytes(item) > MAX_BATCH_BYTES) await this.apply(this.takePending());
    this.pending.push(item);
    this.pendingBytes += writtenBytes(item);
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
      movedEndpoints: items.flatMap((item) => (item.kind === "movedEndpoint" ? [{ key: item.key, to: item.to }] : [])),
      relistedModels: items.flatMap((item) => (item.kind === "relistedModel" ? [{ slug: item.slug, listed: item.listed }] : [])),
      snapshot_at: this.options.snapshot_at,
      unavailable_at: this.options.now?.() ?? this.options.snapshot_at,
    };
    const next = this.chain.then(async () => {
      const result = await this.ctx.runMutation(internal.entities.applyBatch, { ...batch, ...(this.options.run_id ? { run_id: this.options.run_id } : {}) });
      this.events += result.events;
      this.pathTallies = mergeTallies(this.pathTallies, result.paths);
      return result;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async finish() {
    if (this.fromManifest) {
      await this.learnStoredState();
      for (const [fact, entry] of this.options.recall ? this.keptFacts() : []) {
        const change = await this.tracker.track(fact);
        // What the run saw is what gets written: its row says what to read back.
        if (change && change.decision !== "stable") this.toRecall[entry!.table].push(entry!.row);
      }
      const received = this.received.splice(0);
      const decoder = new TextDecoder();
      for (const result of received) {
        if (result.kind !== "kept-endpoint") {
          await this.decide(result);
          continue;
        }
        const value = JSON.parse(decoder.decode(result.encoded)) as OrEndpoint;
        rememberFingerprint(value, result.fingerprint);
        await this.decide({ kind: "endpoint", value });
      }
    } else {
      await this.takeContentDigest();
    }
    await this.finishWrites();
    if (!this.fromManifest) await this.startManifest();
  }

  /** Digests what the run saw (`contentDigest`), returning the per-table digests. */
  private async takeContentDigest(): Promise<Record<ManifestTable, RunDigests>> {
    const digests = { or_models: await digestSeen(this.seen.or_models), or_endpoints: await digestSeen(this.seen.or_endpoints) };
    this.contentDigest = await sha256Hex(JSON.stringify([digests.or_models.root, digests.or_endpoints.root, [...this.failures].sort()]));
    return digests;
  }

  /** Fills the state from the manifest where it differs from what the run saw, or from the tables when a rebuild began meanwhile. */
  private async learnStoredState() {
    const digests = await this.takeContentDigest();
    let complete = true;
    for (const table of ["or_models", "or_endpoints"] as const) if (complete) complete = await this.loadDiffering(table, digests[table]);
    if (!complete) {
      // A rebuild started while the run ran: what was read from the manifest may be half built.
      this.state.models.clear();
      this.state.endpoints.clear();
      this.unavailableModelsRead = [];
      await loadConvexState(this.ctx, this.state);
    }
  }

  /**
   * Fills the state for one table from the manifest: where the stored root digest differs from the
   * run's, reads the bucket digests and the chunks of the buckets that differ; every other bucket
   * holds what the run saw there. False when the manifest turned incomplete meanwhile (a rebuild
   * started): then the tables must be read instead.
   */
  private async loadDiffering(table: ManifestTable, run: RunDigests): Promise<boolean> {
    const loaded = new Set<number>();
    const root = this.roots[table]!;
    if (run.root !== root.digest) {
      const segments = differingDigests(run.segments, new Uint8Array(root.segments));
      const found = await this.ctx.runQuery(internal.manifest.bucketDigests, { table, segments });
      if (!found.complete) return false;
      const stored = new Map(found.segments.map((segment) => [segment.segment, new Uint8Array(segment.digests)]));
      const differing: number[] = [];
      for (const segment of segments) {
        const storedBuckets = stored.get(segment) ?? new Uint8Array(BUCKETS_PER_SEGMENT * 8);
        for (const position of differingDigests(segmentBuckets(run.buckets, segment), storedBuckets)) differing.push(segment * BUCKETS_PER_SEGMENT + position);
      }
      for (let start = 0; start < differing.length; start += CHUNKS_PER_QUERY) {
        const buckets = differing.slice(start, start + CHUNKS_PER_QUERY);
        const read = await this.ctx.runQuery(internal.manifest.chunks, { table, buckets });
        if (!read.complete) return false;
        for (const chunk of read.chunks) {
          for (const entry of decodeChunk(table, new Uint8Array(chunk.entries))) {
            this.state.addEntry(table, entry);
            if (table === "or_models" && !entry.available) this.unavailableModelsRead.push(entry);
          }
        }
        for (const bucket of buckets) loaded.add(bucket);
      }
    }
    for (let bucket = 0; bucket < MANIFEST_BUCKETS; bucket++) {
      if (!loaded.has(bucket)) for (const row of run.rowsByBucket[bucket]!) this.state.addEntry(table, this.seen[table].entryAt(row));
    }
    return true;
  }

  /** After a run that read the tables: starts the rebuild that makes the manifest complete, unless one is under way. */
  private async startManifest() {
    const roots = await this.ctx.runQuery(internal.manifest.roots, {});
    if (roots.or_models?.complete && roots.or_endpoints?.complete) return;
    const since = roots.or_models?.rebuilding_since ?? roots.or_endpoints?.rebuilding_since ?? null;
    if (since !== null && since > Date.now() - REBUILD_STUCK_MS) return;
    await this.ctx.runMutation(internal.manifest.rebuild, {});
  }

  /**
   * Flushes what is buffered together with the removals, so a run with c changes in all costs
   * ⌈c/100⌉ mutations (while rows are small).
   */
  private async finishWrites() {
    const { snapshot_at, maxUnavailableShare, maxRollingShare, rollingWindowMs } = this.options;
    // The guard's facts cost queries: asked only when there is something to remove or move.
    const candidates = this.tracker.hasRemovalCandidates();
    if (candidates && rollingWindowMs !== undefined && maxRollingShare !== undefined) {
      this.recentlyRemoved = await loadRecentRemovals(this.ctx, { since: snapshot_at - rollingWindowMs, until: snapshot_at });
    }
    const guard: RemovalGuard = {
      maxUnavailableShare,
      maxRollingShare,
      recentlyRemoved: this.recentlyRemoved,
      windowHours: rollingWindowMs !== undefined ? rollingWindowMs / 3_600_000 : undefined,
      holdAll: candidates ? ((await this.options.holdRemovals?.()) ?? null) : null,
    };
    const removals = this.tracker.removals(guard);
    // The tables' sizes, for the run's broad rewrites: the manifest's when it is whole, else the rows read.
    const wholeManifest = this.fromManifest && this.roots.or_models?.complete === true && this.roots.or_endpoints?.complete === true;
    this.tableSizes = wholeManifest
      ? { model: this.roots.or_models!.entries, endpoint: this.roots.or_endpoints!.entries }
      : { model: this.state.models.size, endpoint: this.state.endpoints.size };
    // Every decision is made: what is stored is not needed again, and can go before anything is read back.
    this.state.models.clear();
    this.state.endpoints.clear();
    this.withheld = removals.withheld;
    if (removals.withheld) await this.recordWithheld(removals.withheld, removals.withheldKeys);
    // Decided from facts: the entities to write are read back now (models going unavailable with them).
    const recalling = this.fromManifest && this.options.recall !== undefined;
    if (recalling) {
      const goingUnavailable = removals.modelChanges.map(({ key, content_hash, bytes, available }): ManifestEntry => ({
        key,
        parts: [key],
        hash: content_hash,
        bytes,
        available,
        listed: true,
      }));
      await this.writeRecalled(this.toRecall, goingUnavailable);
    }
    const items: BatchItem[] = [
      ...this.takePending(),
      ...(recalling ? [] : removals.modelChanges.map(modelItem)),
      ...removals.models.map((slug): BatchItem => ({ kind: "unavailableModel", slug, bytes: KEY_BYTES })),
      ...removals.endpoints.map(({ model_permaslug, variant, endpoint_id }): BatchItem => ({
        kind: "unavailableEndpoint",
        key: { model_permaslug, variant, endpoint_id },
        bytes: KEY_BYTES,
      })),
      ...removals.moves.map(({ endpoint: { model_permaslug, variant, endpoint_id }, to }): BatchItem => ({
        kind: "movedEndpoint",
        key: { model_permaslug, variant, endpoint_id },
        to,
        bytes: KEY_BYTES,
      })),
      ...this.relistings(),
    ];
    this.seen = seenEntries();
    for (const chunk of chunkByBudget(items, { maxItems: MAX_BATCH_ROWS, maxBytes: MAX_BATCH_BYTES }, writtenBytes)) await this.apply(chunk);
    await this.chain;
    await this.recordRewrites();
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }

  /**
   * Unavailable models whose reason says "listed with no endpoint now" when they are gone from the
   * list, or otherwise when the run lists them unchanged: put right, so the manifest's digests count
   * them as the next run will see them (else their bucket reads as changed every hour).
   */
  private relistings(): BatchItem[] {
    const items: BatchItem[] = [];
    for (const entry of this.unavailableModelsRead.splice(0)) {
      const seen = this.seen.or_models.get(entry.key);
      if (entry.listed && this.tracker.canTellUnlisted(entry.key)) items.push({ kind: "relistedModel", slug: entry.key, listed: false, bytes: KEY_BYTES });
      else if (!entry.listed && seen && !seen.available && seen.hash === entry.hash)
        items.push({ kind: "relistedModel", slug: entry.key, listed: true, bytes: KEY_BYTES });
    }
    return items;
  }

  /**
   * One summary row per field path the run's `updated` rows changed on more than
   * `broadRewriteShare` of a table (its rows before the run), at most `MAX_REWRITES_PER_RUN`: one
   * mutation, only in a run that has one.
   */
  private async recordRewrites() {
    this.rewrites = runRewrites(this.pathTallies, this.tableSizes, this.options.broadRewriteShare ?? DEFAULT_BROAD_REWRITE_SHARE);
    const run_id = this.options.run_id;
    if (this.rewrites.length === 0 || !run_id) return;
    await this.ctx.runMutation(internal.changes.recordRewrites, { run_id, snapshot_at: this.options.snapshot_at, rewrites: this.rewrites });
  }

  /** Lists what the guard withheld (one `removals.recordWithheld` per 100 rows) and summarises it. */
  private async recordWithheld(reason: string, keys: { models: string[]; endpoints: EndpointRef[] }) {
    const rows = [
      ...keys.models.map((slug) => ({ kind: "model" as const, slug })),
      ...keys.endpoints.map(({ model_slug, model_permaslug, variant, endpoint_id }) => ({
        kind: "endpoint" as const,
        slug: model_slug,
        model_permaslug,
        variant,
        endpoint_id,
      })),
    ];
    this.withheldSummary = {
      reason,
      models: keys.models.length,
      endpoints: keys.endpoints.length,
      sample: rows.slice(0, WITHHELD_SAMPLE).map((row) => (row.kind === "model" ? row.slug : `${row.model_permaslug} [${row.variant}] ${row.endpoint_id}`)),
    };
    const run_id = this.options.run_id;
    if (!run_id) return;
    for (let start = 0; start < rows.length; start += MAX_BATCH_ROWS) {
      await this.ctx.runMutation(internal.removals.recordWithheld, { run_id, rows: rows.slice(start, start + MAX_BATCH_ROWS) });
    }
  }
}

/**
 * Rows counted per table in the rolling window. Past it the share is far over any sane limit
 * anyway, and a query reading this many rows of a few KB stays well inside its 16 MiB.
 */
const ROLLING_COUNT_CAP = 2_000;

/** Rows of each table marked unavailable within `[since, until]` that count against the rolling guard. */
export async function loadRecentRemovals(ctx: ActionCtx, window: { since: number; until: number }): Promise<{ models: number; endpoints: number }> {
  return {
    models: await ctx.runQuery(internal.removals.recentRemovals, { table: "or_models", ...window, cap: ROLLING_COUNT_CAP }),
    endpoints: await ctx.runQuery(internal.removals.recentRemovals, { table: "or_endpoints", ...window, cap: ROLLING_COUNT_CAP }),
  };
}

function seenEntries(): Record<ManifestTable, SeenEntries> {
  return { or_models: new SeenEntries("or_models"), or_endpoints: new SeenEntries("or_endpoints") };
}

/** What the run saw of a table, digested: bucket, segment and root digests, and its rows in each bucket. */
type RunDigests = Omit<ManifestDigests, "byBucket"> & { rowsByBucket: number[][] };

async function digestSeen(seen: SeenEntries): Promise<RunDigests> {
  const rowsByBucket = seen.rowsByBucket();
  const digests = await digestBuckets((bucket) => rowsByBucket[bucket]!.map((row) => seen.entryAt(row)));
  return { ...digests, rowsByBucket };
}

/** An endpoint result kept until `finish` as its canonical encoding, with the fingerprint taken of it. */
type KeptEndpoint = { kind: "kept-endpoint"; encoded: Uint8Array; fingerprint: Fingerprint };

type ModelRow = { value: OrModel; content_hash: string; available: boolean };
type EndpointRow = { value: OrEndpoint; content_hash: string };
type EndpointKey = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id">;
/** One buffered change, with what it weighs in a mutation's arguments. */
type BatchItem =
  | { kind: "model"; row: ModelRow; bytes: number }
  | { kind: "endpoint"; row: EndpointRow; bytes: number }
  | { kind: "unavailableModel"; slug: string; bytes: number }
  | { kind: "unavailableEndpoint"; key: EndpointKey; bytes: number }
  | { kind: "movedEndpoint"; key: EndpointKey; to: string; bytes: number }
  | { kind: "relistedModel"; slug: string; listed: boolean; bytes: number };
/**
 * What an item may write, for the batch budget: an entity write lands the row and, when it changed,
 * its change row, which holds the changed values before and after and the revert: up to four times
 * the row. Marks and relistings write a few fields.
 */
function writtenBytes(item: BatchItem): number {
  return item.kind === "model" || item.kind === "endpoint" ? item.bytes * 4 : item.bytes;
}

function modelItem(change: ModelChange<ModelFacts>): BatchItem {
  return { kind: "model", row: { value: wholeModel(change.value), content_hash: change.content_hash, available: change.available }, bytes: change.bytes };
}

function endpointItem(change: { content_hash: string; bytes: number }, value: OrEndpoint): BatchItem {
  return { kind: "endpoint", row: { value, content_hash: change.content_hash }, bytes: change.bytes };
}

/** A tracked model's value as a whole model: it is one unless the writer kept only its facts, which are never written. */
function wholeModel(value: ModelFacts): OrModel {
  if (!("name" in value)) throw new Error(`model ${value.slug}: only its facts were kept, and facts are never written`);
  return value as OrModel;
}

function wholeEndpoint(value: EndpointFacts): OrEndpoint {
  if (!("provider_name" in value)) throw new Error(`endpoint ${endpointKey(value)}: only its facts were kept, and facts are never written`);
  return value as OrEndpoint;
}

/** A read-back entity must be the one the run fingerprinted: anything else means its archived body changed. */
async function checkRecalled(what: string, value: object, content_hash: string) {
  const fingerprint = await contentFingerprint(value);
  if (fingerprint.content_hash !== content_hash) {
    throw new Error(`read back from this run's archive, ${what} differs from what the run received (fingerprint ${fingerprint.content_hash}, expected ${content_hash})`);
  }
}

/** What one key of a removal weighs in a batch, generously. */
const KEY_BYTES = 512;

/** Fills `state` with every stored row's key, fingerprint and availability, a page at a time. */
export async function loadConvexState(ctx: ActionCtx, state: ConvexState): Promise<ConvexState> {
  let cursor: string | null = null;
  do {
    const page: LoadedPage<{ slug: string; content_hash: string; unavailable_at: number | null; as_of: number }> = await ctx.runQuery(internal.or_models.loadStatePage, {
      paginationOpts: { numItems: STATE_PAGE_SIZE, cursor },
    });
    for (const row of page.page) {
      state.models.set(row.slug, { content_hash: row.content_hash, unavailable_at: row.unavailable_at });
      state.noteAsOf(row.as_of);
    }
    cursor = page.isDone ? null : page.continueCursor;
  } while (cursor !== null);
  do {
    const page: LoadedPage<EndpointKeyFields & { content_hash: string; unavailable_at: number | null; as_of: number }> = await ctx.runQuery(
      internal.or_endpoints.loadStatePage,
      { paginationOpts: { numItems: STATE_PAGE_SIZE, cursor } },
    );
    for (const { content_hash, unavailable_at, as_of, ...key } of page.page) {
      state.endpoints.set(endpointKey(key), { content_hash, unavailable_at, key });
      state.noteAsOf(as_of);
    }
    cursor = page.isDone ? null : page.continueCursor;
  } while (cursor !== null);
  return state;
}

type LoadedPage<Row> = { page: Row[]; isDone: boolean; continueCursor: string };
