/**
 * HistoryReplayWriter: the output handler a history backfill replays an archived run through. It
 * decides each entity against a `ShadowCatalogue` with the same change tracker the ConvexWriter
 * uses, lands every decided write and mark on the shadow as `entities.applyBatch` lands it on the
 * tables, and hands out the change event `ChangeLog` would have recorded for it, with its revert.
 *
 * Owns: replaying one run's decisions (writes as results arrive, then the removals, moves and
 * relistings at the end, as the ConvexWriter orders them) and naming its broad rewrites. What the
 * run's removals came to is not decided again: the run's record says (`RemovalVerdict`). Withheld
 * by the share guard, they are withheld here (moves still land); all held because a newer run wrote
 * meanwhile, moves are held too; accepted by a person afterwards (`removals.acceptWithheld`), the
 * rows are marked with that reason and, as acceptance records, `removed` as of the run.
 * Must not touch: Convex, I/O, where events go (`onEvent`).
 *
 * With `record: false` (the run after a gap in the archives) the shadow moves to the run's state
 * and no event is handed out: what changed across the gap is not known.
 */
import { endpointKey, modelIsAvailable, type OrEndpoint, type OrModel } from "../openrouter/schemas";
import { canonicalJson, contentFingerprint } from "../lib/canonicalJson";
import { createChangeTracker, type RemovalGuard, type TrackedChange } from "../pipeline/changeTracker";
import type { OutputHandler, PipelineResult } from "../pipeline/types";
import { eventOfMark, runRewrites, eventOfWrite, LISTED_WITHOUT_ENDPOINT, tallyPaths, type ChangeEvent, type PathTally, type UnavailableMark } from "./changeEvents";
import type { EntityKind } from "./entityDiff";
import { revertOf } from "./revert";
import type { ShadowCatalogue } from "./shadowCatalogue";

/** The texts `unavailable_reason` holds (`UNAVAILABLE_REASONS` in convex/lib/entityRows.ts). */
export type UnavailableReasons = { gone: string; moved: (to: string) => string; accepted: (run_id: string) => string };

/** What the run did with the removals it found, as its record says (`snapshot_runs.withheld`). */
export type RemovalVerdict =
  | { kind: "applied" }
  /** `holdAll`: a newer run wrote meanwhile, so moves were held too; `accepted`: a person accepted them afterwards. */
  | { kind: "withheld"; holdAll: boolean; accepted: boolean };

export type HistoryReplayOptions = {
  snapshot_at: number;
  run_id: string;
  /** Hand out events (false: the shadow only moves, across a gap). */
  record: boolean;
  removals: RemovalVerdict;
  reasons: UnavailableReasons;
  /** A field path changed on more than this share of a table is a broad rewrite (`DEFAULT_BROAD_REWRITE_SHARE`). */
  broadRewriteShare: number;
  /** One change event and its revert ("" when there is none), in the order `applyBatch` would record them within each kind of item. */
  onEvent: (event: ChangeEvent, revert: string) => Promise<unknown> | void;
};

/** What the holdRemovals reason of a live run that found a newer run had written says (convex/lib/runSnapshot.ts writes it with this text). */
export const HELD_FOR_NEWER_RUN = "changed the catalogue while this run ran";

/**
 * @example
 * const writer = new HistoryReplayWriter(shadow, { snapshot_at, run_id, record: true, removals: { kind: "applied" }, reasons, broadRewriteShare: 0.25, onEvent });
 * const pipeline = createProcessContext({ config, sources, outputs: [writer] });
 * await pipeline.outputs.init(); await standard(pipeline); await pipeline.outputs.finish();
 * writer.rewrites; // → the run's broad rewrites, as `changes.recordRewrites` would record them
 */
export class HistoryReplayWriter implements OutputHandler {
  readonly name = "history-replay";
  /** Events handed out. */
  events = 0;
  /** The run's broad rewrites, set by `finish` (none without `record`). */
  rewrites: PathTally[] = [];
  private readonly tracker;
  /** Rows per table before the run: what the broad-rewrite share is measured on (the manifest roots' counts). */
  private sizes = { model: 0, endpoint: 0 };
  private tallies: PathTally[] = [];
  /** Models unavailable before the run, whose reason a relisting may put right: listed (with no endpoint) or not, and their hash. */
  private readonly unavailableBefore = new Map<string, { listed: boolean; hash: string }>();
  /** What the run saw of those models (first occurrence). */
  private readonly seenUnavailable = new Map<string, { hash: string; available: boolean }>();

  constructor(
    private readonly shadow: ShadowCatalogue,
    private readonly options: HistoryReplayOptions,
  ) {
    this.tracker = createChangeTracker(shadow);
  }

  init() {
    this.sizes = { model: this.shadow.models.size, endpoint: this.shadow.endpoints.size };
    for (const [slug, row] of this.shadow.models) {
      if (row.unavailable_at !== null) this.unavailableBefore.set(slug, { listed: row.unavailable_reason === LISTED_WITHOUT_ENDPOINT, hash: row.content_hash });
    }
  }

  async write(result: PipelineResult) {
    if (result.kind === "model" && this.unavailableBefore.has(result.value.slug) && !this.seenUnavailable.has(result.value.slug)) {
      const { content_hash } = await contentFingerprint(result.value);
      this.seenUnavailable.set(result.value.slug, { hash: content_hash, available: modelIsAvailable(result.value) });
    }
    const change = await this.tracker.track(result);
    if (!change || change.decision === "stable") return;
    await this.land(change);
  }

  async finish() {
    const { removals: verdict, reasons, run_id } = this.options;
    const guard: RemovalGuard = verdict.kind === "applied" ? {} : verdict.holdAll ? { holdAll: HELD_FOR_NEWER_RUN } : { maxUnavailableShare: 0 };
    const removals = this.tracker.removals(guard);
    for (const change of removals.modelChanges) await this.land(change);
    for (const slug of removals.models) await this.mark("model", slug, reasons.gone, { reason: reasons.gone });
    for (const endpoint of removals.endpoints) await this.mark("endpoint", endpointKey(endpoint), reasons.gone, { reason: reasons.gone });
    for (const { endpoint, to } of removals.moves) await this.mark("endpoint", endpointKey(endpoint), reasons.moved(to), { movedTo: to });
    for (const [slug, before] of this.unavailableBefore) {
      const seen = this.seenUnavailable.get(slug);
      if (before.listed && this.tracker.canTellUnlisted(slug)) this.shadow.relist(slug, false, reasons.gone);
      else if (!before.listed && seen && !seen.available && seen.hash === before.hash) this.shadow.relist(slug, true, reasons.gone);
    }
    if (verdict.kind === "withheld" && verdict.accepted) {
      const accepted = reasons.accepted(run_id);
      for (const slug of removals.withheldKeys.models) await this.mark("model", slug, accepted, { reason: accepted });
      for (const endpoint of removals.withheldKeys.endpoints) await this.mark("endpoint", endpointKey(endpoint), accepted, { reason: accepted });
    }
    this.rewrites = this.options.record ? runRewrites(this.tallies, this.sizes, this.options.broadRewriteShare) : [];
  }

  /** A decided write: landed on the shadow, and its event handed out. */
  private async land(change: TrackedChange) {
    const { kind: entity, key, content_hash, available } = change;
    const { record, snapshot_at } = this.options;
    const stored = record ? this.shadow.stored(entity, key) : null;
    const json = canonicalJson(change.value);
    const model_slug = change.kind === "endpoint" ? change.value.model_slug : undefined;
    if (!this.shadow.write(entity, key, { json, content_hash, available, model_slug }, snapshot_at) || !record) return;
    // As the mutation receives it: the value as stored (canonical JSON keeps what Convex keeps).
    const value = (stored === null ? change.value : JSON.parse(json)) as OrModel | OrEndpoint;
    const event = eventOfWrite<EntityKind>(entity, stored, { value, content_hash, available });
    if (event) await this.emit(event, stored === null ? "" : revertOf(stored, value));
  }

  /** A removal or move: marked on the shadow, and its event handed out. */
  private async mark(entity: EntityKind, key: string, reason: string, mark: UnavailableMark) {
    const stored = this.options.record ? this.shadow.stored(entity, key) : null;
    if (!this.shadow.mark(entity, key, this.options.snapshot_at, reason) || stored === null) return;
    const event = eventOfMark(entity, stored, mark);
    if (event) await this.emit(event, "");
  }

  private async emit(event: ChangeEvent, revert: string) {
    this.events++;
    if (event.event === "updated") this.tallies = tallyPaths([event], this.tallies);
    await this.options.onEvent(event, revert);
  }
}
