/**
 * The change tracker: what one run means for stored state, shared by every writer that diffs.
 *
 * Owns: deciding each arriving entity against `EntityState` (through `decide`), remembering what
 * was seen, and working out removals at the end. A stored entity absent upstream is marked
 * unavailable, except when the absence is explained by a failure:
 * - a failed or partly invalid endpoint fetch protects that variant's rows;
 * - a models entry that failed validation protects its whole stored model row (name, variants:
 *   the row is not rewritten from the slug's other entries) and the endpoints of its slug;
 * - a models entry whose slug cannot be read at all protects every model from removal, and every
 *   endpoint whose list was not fetched this run;
 * - a run with zero models removes nothing.
 * A model still listed but with no endpoint any more (`endpoint: null` on every entry) is a
 * removal too: its change is held until the end, so that the share guard decides about it with
 * every other removal. An endpoint whose upstream id disappears under one key and appears under
 * another in the same run moved: its old row is marked unavailable with the new key as the reason,
 * and moves never count against the share guard, which is measured on what truly vanished: per
 * run (`maxUnavailableShare`) and over a rolling window (`maxRollingShare` of the rows available
 * plus those already marked in the window).
 */
import { endpointKey, modelIsAvailable, variantKey, type OrEndpoint, type OrModel, type OrModelVariant } from "../openrouter/schemas";
import { contentFingerprint, type Fingerprint } from "../lib/canonicalJson";
import { decide, type Decision, type StoredEntity } from "./decide";
import type { PipelineResult, WriterCounts } from "./types";

/** Current stored state, as writers need it. The in-memory and Convex implementations share it. */
export interface EntityState {
  model(slug: string): StoredEntity<OrModel> | undefined;
  endpoint(key: string): StoredEntity<OrEndpoint> | undefined;
  /** Rows not marked unavailable, for removal planning. */
  availableModels(): Iterable<string>;
  availableEndpoints(): Iterable<Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">>;
}

/** What the tracker reads of a model: its key, whether it is an alias, and which endpoint lists it asks for. */
export type ModelFacts = Pick<OrModel, "slug" | "is_alias"> & { variants: readonly Pick<OrModelVariant, "permaslug" | "variant">[] };
/** What the tracker reads of an endpoint: its key and the model it serves. */
export type EndpointFacts = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">;

/**
 * What the tracker decides: a pipeline result, or, for a writer that keeps only what deciding
 * needs, an entity's facts with the fingerprint taken of the whole entity (`fingerprint`; without
 * it the value itself is fingerprinted).
 */
export type Trackable<Model extends ModelFacts = OrModel, Endpoint extends EndpointFacts = OrEndpoint> =
  | Extract<PipelineResult, { kind: "error" }>
  /** `available`: the model's availability, when its facts do not carry its variants. */
  | { kind: "model"; value: Model; fingerprint?: Fingerprint; available?: boolean }
  /** `key`: the endpoint's key, when the writer holds it already (one string kept, not several). */
  | { kind: "endpoint"; value: Endpoint; fingerprint?: Fingerprint; key?: string };

/** One decided entity. `available` is the availability it will have once written. */
export type TrackedChange<Model extends ModelFacts = OrModel, Endpoint extends EndpointFacts = OrEndpoint> =
  | { kind: "model"; key: string; decision: Decision; value: Model; content_hash: string; bytes: number; available: boolean }
  | { kind: "endpoint"; key: string; decision: Decision; value: Endpoint; content_hash: string; bytes: number; available: true };

export type ModelChange<Model extends ModelFacts = OrModel> = Extract<TrackedChange<Model>, { kind: "model" }>;

export type EndpointRef = Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">;

/** How much a run may remove before its removals are withheld. Absent limits do not apply. */
export type RemovalGuard = {
  /** Share of a table's available rows one run may mark unavailable. */
  maxUnavailableShare?: number;
  /** Share of a table's rows (available now plus already marked in the window) marked within the rolling window. */
  maxRollingShare?: number;
  /** Rows marked unavailable within the window before this run (moves and accepted removals excluded), per table. */
  recentlyRemoved?: { models: number; endpoints: number };
  /** The window's length, for messages. */
  windowHours?: number;
  /** Withhold every removal and move for this reason (e.g. a newer run wrote meanwhile). */
  holdAll?: string | null;
};

export function createChangeTracker<Model extends ModelFacts = OrModel, Endpoint extends EndpointFacts = OrEndpoint>(state: EntityState) {
  const seenModels = new Set<string>();
  const seenEndpoints = new Set<string>();
  const protectedSlugs = new Set<string>();
  const protectedVariants = new Set<string>();
  /** Variants whose endpoint list this run asked for: the lists that can show an endpoint gone. */
  const requestedVariants = new Set<string>();
  /**
   * Keys of endpoints that appeared this run under a key with no available row (new, or back): the
   * same id gone from its old key is a move. Ids under keys already stored are
   * not: upstream lists one endpoint under several keys (a model and its variants), and a key that
   * stays does not make another one's absence a move. Looked up by id only when something is gone
   * (`appearedUnder`), so a run that removes nothing keeps no index of them.
   */
  const appeared: string[] = [];
  let appearedById: Map<string, string> | null = null;
  /** The key an endpoint id first appeared under this run, if any. */
  function appearedUnder(endpoint_id: string): string | undefined {
    if (!appearedById) {
      appearedById = new Map();
      for (const key of appeared) {
        const [, , id] = JSON.parse(key) as [string, string, string];
        if (!appearedById.has(id)) appearedById.set(id, key);
      }
    }
    return appearedById.get(endpoint_id);
  }
  /** Models entries whose slug could not be read: every model is protected from removal. */
  let keylessModelIssues = 0;
  /** Listed models that lost their last endpoint: written, marked unavailable, at the end. */
  const goingUnavailable: ModelChange<Model>[] = [];
  const counts: WriterCounts = { insert: 0, update: 0, stable: 0, unavailable: 0 };
  const perKind = { model: { ...counts }, endpoint: { ...counts } };
  /** Of the endpoints counted unavailable: moves. */
  let moved = 0;

  function count(kind: "model" | "endpoint", decision: Decision) {
    counts[decision]++;
    perKind[kind][decision]++;
  }

  let planned: RemovalPlan<Model> | null | undefined;
  /** What this run shows gone or moved, before any guard: worked out once, at the end. */
  function plan(): RemovalPlan<Model> | null {
    if (planned !== undefined) return planned;
    if (seenModels.size === 0) return (planned = null);
    const availableModels = [...state.availableModels()];
    const availableEndpoints = [...state.availableEndpoints()];
    const allModelsProtected = keylessModelIssues > 0;
    const models = allModelsProtected ? [] : availableModels.filter((slug) => !seenModels.has(slug) && !protectedSlugs.has(slug));
    const modelChanges = allModelsProtected ? [] : goingUnavailable.filter((change) => !protectedSlugs.has(change.key));
    const endpoints: EndpointRef[] = [];
    const moves: Move[] = [];
    for (const endpoint of availableEndpoints) {
      const key = endpointKey(endpoint);
      if (seenEndpoints.has(key)) continue;
      // A row this run cannot judge (its list failed, its model's entry was invalid) neither vanished nor moved.
      const variant = variantKey({ permaslug: endpoint.model_permaslug, variant: endpoint.variant });
      if (protectedVariants.has(variant) || protectedSlugs.has(endpoint.model_slug)) continue;
      if (allModelsProtected && !requestedVariants.has(variant)) continue;
      const movedTo = appearedUnder(endpoint.endpoint_id);
      if (movedTo !== undefined) moves.push({ endpoint, to: movedTo });
      else endpoints.push(endpoint);
    }
    // Only the counts are kept: the guard weighs shares, and the stored rows can then be let go.
    return (planned = { models, modelChanges, endpoints, moves, availableModels: availableModels.length, availableEndpoints: availableEndpoints.length });
  }

  return {
    counts,
    perKind,
    /**
     * Whether the run has anything to remove or move: only then does a writer need the guard's
     * facts from the database (the rolling window, runs that wrote meanwhile). Call at the end.
     */
    hasRemovalCandidates(): boolean {
      const candidates = plan();
      return candidates !== null && candidates.models.length + candidates.modelChanges.length + candidates.endpoints.length + candidates.moves.length > 0;
    },
    get moved() {
      return moved;
    },
    /** Models entries whose slug could not be read: while there are any, no model is removed. */
    get keylessModelIssues() {
      return keylessModelIssues;
    },
    /**
     * Whether this run can say a stored model is no longer listed: it saw the models list, and no
     * entry that failed validation could be that model. Call at the end.
     */
    canTellUnlisted(slug: string): boolean {
      return seenModels.size > 0 && keylessModelIssues === 0 && !seenModels.has(slug) && !protectedSlugs.has(slug);
    },
    /** Decides one result. Returns the change for entities, null for errors, repeats and held removals. */
    async track(result: Trackable<Model, Endpoint>): Promise<TrackedChange<Model, Endpoint> | null> {
      if (result.kind === "error") {
        if (result.params?.permaslug !== undefined && result.params.variant !== undefined) {
          protectedVariants.add(variantKey({ permaslug: result.params.permaslug, variant: result.params.variant }));
        }
        if (result.source === "models" && result.issue !== "duplicate") {
          if (result.item_key) protectedSlugs.add(result.item_key);
          else keylessModelIssues++;
        }
        return null;
      }
      if (result.kind === "model") {
        const key = result.value.slug;
        if (seenModels.has(key)) return null;
        seenModels.add(key);
        // Needed only while an unreadable models entry protects every model (its issue comes before any model).
        if (keylessModelIssues > 0) for (const { permaslug, variant } of result.value.variants) requestedVariants.add(variantKey({ permaslug, variant }));
        // A stored model one of whose entries failed validation keeps its row as it is: rebuilt
        // from the other entries it would lose that variant, and its name could change.
        if (protectedSlugs.has(key) && state.model(key) !== undefined) {
          count("model", "stable");
          return null;
        }
        const { content_hash, bytes } = result.fingerprint ?? (await contentFingerprint(result.value));
        const available = result.available ?? modelIsAvailable(result.value);
        const decision = decide(content_hash, state.model(key), available);
        const change: ModelChange<Model> = { kind: "model", key, decision, value: result.value, content_hash, bytes, available };
        if (decision === "unavailable") {
          goingUnavailable.push(change);
          return null;
        }
        count("model", decision);
        return change;
      }
      const key = result.key ?? endpointKey(result.value);
      if (seenEndpoints.has(key)) return null;
      seenEndpoints.add(key);
      const stored = state.endpoint(key);
      if (stored === undefined || stored.unavailable_at !== null) appeared.push(key);
      const { content_hash, bytes } = result.fingerprint ?? (await contentFingerprint(result.value));
      const decision = decide(content_hash, stored);
      count("endpoint", decision);
      return { kind: "endpoint", key, decision, value: result.value, content_hash, bytes, available: true };
    },
    /**
     * Stored, available rows that this run shows to be gone upstream, and moves. Call once, at the end.
     *
     * When a table would lose more than `maxUnavailableShare` of its available rows in this run,
     * or more than `maxRollingShare` within the rolling window, no removal is marked, `withheld`
     * says why and `withheldKeys` lists them: that many removals at once is far likelier a
     * partial upstream outage than a real change. Moves are applied either way.
     */
    removals(guard: RemovalGuard = {}): Removals<Model> {
      const none = { models: [], modelChanges: [], endpoints: [], moves: [], withheldKeys: { models: [], endpoints: [] } };
      const candidates = plan();
      if (candidates === null) return { ...none, withheld: null };
      const { models, modelChanges, endpoints, moves, availableModels, availableEndpoints } = candidates;
      // A held removal that does not happen leaves its row as it was: counted stable.
      const keepModels = (kept: readonly ModelChange<Model>[]) => {
        for (const _ of kept) count("model", "stable");
      };
      const held = guard.holdAll && models.length + modelChanges.length + endpoints.length + moves.length > 0 ? guard.holdAll : null;
      if (!held) {
        for (const _ of moves) count("endpoint", "unavailable");
        moved += moves.length;
      }
      const withheld = held ?? guardVerdict(guard, [
        ["models", models.length + modelChanges.length, availableModels, guard.recentlyRemoved?.models ?? 0],
        ["endpoints", endpoints.length, availableEndpoints, guard.recentlyRemoved?.endpoints ?? 0],
      ]);
      if (withheld) {
        keepModels(goingUnavailable);
        const withheldKeys = { models: [...models, ...modelChanges.map((change) => change.key)], endpoints };
        return { ...none, moves: held ? [] : moves, withheld, withheldKeys };
      }
      keepModels(goingUnavailable.filter((change) => !modelChanges.includes(change)));
      for (const _ of [...models, ...modelChanges]) count("model", "unavailable");
      for (const _ of endpoints) count("endpoint", "unavailable");
      return { models, modelChanges, endpoints, moves, withheld: null, withheldKeys: none.withheldKeys };
    },
  };
}

/** Why removals must be withheld, or null: the first table over the per-run or the rolling limit. */
function guardVerdict(guard: RemovalGuard, tables: readonly (readonly [name: string, removed: number, available: number, recent: number])[]): string | null {
  const maxShare = guard.maxUnavailableShare ?? 1;
  const maxRolling = guard.maxRollingShare ?? 1;
  for (const [name, removed, available, recent] of tables) {
    if (removed === 0) continue;
    if (available > 0 && removed / available > maxShare) {
      return `would mark ${removed} of ${available} ${name} unavailable (${percent(removed / available)}, limit ${percent(maxShare)}); marked none`;
    }
    const windowRows = available + recent;
    if (windowRows > 0 && (recent + removed) / windowRows > maxRolling) {
      const window = guard.windowHours ? `${guard.windowHours} h` : "the window";
      return (
        `would mark ${removed} ${name} unavailable on top of ${recent} marked in the last ${window}: ` +
        `${recent + removed} of ${windowRows} (${percent((recent + removed) / windowRows)}, rolling limit ${percent(maxRolling)}); marked none`
      );
    }
  }
  return null;
}

type RemovalPlan<Model extends ModelFacts> = {
  models: string[];
  modelChanges: ModelChange<Model>[];
  endpoints: EndpointRef[];
  moves: Move[];
  /** Rows available now, per table: what the share guard weighs removals against. */
  availableModels: number;
  availableEndpoints: number;
};

/** An endpoint whose upstream id reappeared under another key in the same run. */
export type Move = { endpoint: EndpointRef; to: string };

export type Removals<Model extends ModelFacts = OrModel> = {
  /** Models gone from the catalogue: marked unavailable by key. */
  models: string[];
  /** Models still listed but with no endpoint now: written with their new content, marked unavailable. */
  modelChanges: ModelChange<Model>[];
  endpoints: EndpointRef[];
  /** Endpoints that moved: marked unavailable with their new key as the reason, outside the guard. */
  moves: Move[];
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null;
  /** What was withheld (model slugs, endpoints), for a person to review and accept. Empty unless withheld. */
  withheldKeys: { models: string[]; endpoints: EndpointRef[] };
};

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

export type ChangeTracker = ReturnType<typeof createChangeTracker<OrModel, OrEndpoint>>;
