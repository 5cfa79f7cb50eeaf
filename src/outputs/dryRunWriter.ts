/**
 * DryRunWriter: shows what a run would do, and writes nothing.
 *
 * Owns: a readable account of the results that arrive. Given a current state it prints each
 * would-be insert and update (with the changed fields) and the would-be removals; stable entities
 * are only counted unless `verbose`. With `storedRow` (or a state that keeps values) it also shows
 * the change event each write would record in the history (`eventOfWrite`, `eventOfMark`: the same
 * rules `entities.applyBatch` follows), and counts them in `events`. It ends with a summary line
 * and reports its counts as `writer_stats`, the same counts the Convex writer reports.
 */
import { endpointKey } from "../openrouter/schemas";
import { createChangeTracker, type EntityState, type RemovalGuard } from "../pipeline/changeTracker";
import { changedFields } from "../pipeline/decide";
import type { MetricsSink, OutputHandler, PipelineResult } from "../pipeline/types";
import { MemoryState } from "./memoryState";
import { eventOfMark, eventOfWrite, UNAVAILABLE_GONE, type ChangeEvent, type StoredEntityRow, type UnavailableMark } from "../history/changeEvents";
import type { EntityKind } from "../history/entityDiff";

/** A stored row with its content, as the history diffs it; null when there is none. */
export type StoredRowReader = (entity: EntityKind, key: string) => Promise<(StoredEntityRow<EntityKind> & object) | null>;

export type DryRunWriterOptions = {
  /** What is stored now; defaults to empty, so everything is an insert. */
  state?: EntityState;
  /** Where lines go; defaults to console.log. */
  log?: (line: string) => void;
  /** Also print stable entities. */
  verbose?: boolean;
  /** Print at most this many item lines, then only the summary (Convex logs are not a place for thousands of lines). */
  maxLines?: number;
  metrics?: MetricsSink;
  /** Share guard for removals (see `ChangeTracker.removals`); default: no guard. */
  maxUnavailableShare?: number;
  /** The rest of the guard (rolling share and what the window already holds), as the Convex writer would weigh it; asked at the end, only when there is something to remove. */
  guard?: () => Promise<Omit<RemovalGuard, "maxUnavailableShare">> | Omit<RemovalGuard, "maxUnavailableShare">;
  /** Reads a stored row (content and bookkeeping) for the change events of updates and removals; without it, the state's own values are used when it keeps them. */
  storedRow?: StoredRowReader;
};

export class DryRunWriter implements OutputHandler {
  readonly name = "dry-run";
  private readonly state: EntityState;
  private readonly tracker;
  private readonly log: (line: string) => void;
  errors = 0;
  summary = "";
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null = null;
  /** Change events the writes would record (`or_changes` rows). */
  events = 0;

  constructor(private readonly options: DryRunWriterOptions = {}) {
    this.state = options.state ?? new MemoryState();
    this.tracker = createChangeTracker(this.state);
    const log = options.log ?? ((line: string) => console.log(line));
    const maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;
    let printed = 0;
    this.log = (line) => {
      printed++;
      if (printed <= maxLines) log(line);
      else if (printed === maxLines + 1) log(`  … more lines left out (maxLines ${maxLines})`);
    };
    this.logSummary = log;
  }

  private readonly logSummary: (line: string) => void;

  get counts() {
    return this.tracker.counts;
  }
  get perKind() {
    return this.tracker.perKind;
  }
  get moved() {
    return this.tracker.moved;
  }
  get keylessModelIssues() {
    return this.tracker.keylessModelIssues;
  }

  async write(result: PipelineResult) {
    if (result.kind === "error") {
      this.errors++;
      await this.tracker.track(result);
      this.log(`  error   ${result.source}: ${result.message}`);
      return;
    }
    const change = await this.tracker.track(result);
    if (!change) return;
    if (change.decision === "stable" && !this.options.verbose) return;
    const label =
      change.kind === "model" ? change.key : `${change.value.model_permaslug} [${change.value.variant}] ${change.value.provider_name} ${change.value.endpoint_id}`;
    let detail = "";
    if (change.decision === "update") {
      const previous = change.kind === "model" ? this.state.model(change.key) : this.state.endpoint(change.key);
      if (previous?.value) detail = ` (${changedFields(change.value, previous.value).join(", ") || "was unavailable"})`;
    }
    this.log(`  ${change.decision.padEnd(7)} ${change.kind.padEnd(8)} ${label}${detail}`);
    if (change.decision === "insert" || change.decision === "update") {
      const stored = change.decision === "insert" ? null : await this.storedRow(change.kind, change.key);
      if (change.decision === "insert" || stored)
        this.logEvent(eventOfWrite(change.kind, stored, { value: change.value, content_hash: change.content_hash, available: change.available }));
    }
  }

  /** The stored row for an event: from `storedRow`, else from a state that keeps values. */
  private async storedRow(entity: EntityKind, key: string): Promise<(StoredEntityRow<EntityKind> & object) | null> {
    if (this.options.storedRow) return this.options.storedRow(entity, key);
    const stored = entity === "model" ? this.state.model(key) : this.state.endpoint(key);
    return stored?.value ? ({ ...stored.value, content_hash: stored.content_hash, unavailable_at: stored.unavailable_at } as StoredEntityRow<EntityKind> & object) : null;
  }

  private async logMark(entity: EntityKind, key: string, mark: UnavailableMark) {
    const stored = await this.storedRow(entity, key);
    if (stored) this.logEvent(eventOfMark(entity, stored, mark));
  }

  private logEvent(event: ChangeEvent | null) {
    if (!event) return;
    this.events++;
    const rates = event.rates.map(
      (rate) => `${rate.path} ${rate.before} → ${rate.after}${rate.percent === null ? "" : ` (${rate.percent > 0 ? "+" : ""}${rate.percent}%)`}`,
    );
    const fields = event.fields.filter((field) => field.tag !== "price").map((field) => field.path);
    const detail = [...rates, ...fields].join("; ");
    this.log(`    event ${event.event} ${event.entity} ${event.key} [${event.tags.join(", ")}]${event.reason ? ` (${event.reason})` : ""}${detail ? `: ${detail}` : ""}`);
  }

  async finish() {
    const guard = this.tracker.hasRemovalCandidates() ? await this.options.guard?.() : undefined;
    const removals = this.tracker.removals({ ...guard, maxUnavailableShare: this.options.maxUnavailableShare });
    this.withheld = removals.withheld;
    if (removals.withheld) this.log(`  removals withheld: ${removals.withheld}`);
    for (const { endpoint, to } of removals.moves) {
      this.log(`  moved   endpoint ${endpointKey(endpoint)} → ${to}`);
      await this.logMark("endpoint", endpointKey(endpoint), { movedTo: to });
    }
    for (const change of removals.modelChanges) {
      this.log(`  unavailable model    ${change.key} (listed, no endpoint now)`);
      const stored = await this.storedRow("model", change.key);
      if (stored) this.logEvent(eventOfWrite("model", stored as StoredEntityRow<"model">, { value: change.value, content_hash: change.content_hash, available: false }));
    }
    for (const slug of removals.models) {
      this.log(`  unavailable model    ${slug}`);
      await this.logMark("model", slug, { reason: UNAVAILABLE_GONE });
    }
    for (const endpoint of removals.endpoints) {
      this.log(`  unavailable endpoint ${endpointKey(endpoint)}`);
      await this.logMark("endpoint", endpointKey(endpoint), { reason: UNAVAILABLE_GONE });
    }
    const { model, endpoint } = this.tracker.perKind;
    const line = (name: string, c: typeof model) => `${name}: ${c.insert} insert, ${c.update} update, ${c.stable} stable, ${c.unavailable} unavailable`;
    this.summary = `dry run (nothing written) — ${line("models", model)}; ${line("endpoints", endpoint)}; ${this.events} change events; ${this.errors} errors`;
    this.logSummary(this.summary);
    this.options.metrics?.emit({ t: "writer_stats", writer: this.name, counts: { ...this.tracker.counts } });
  }
}
