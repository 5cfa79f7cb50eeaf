/**
 * The change tracker: what one run means for stored state, shared by every writer that diffs.
 *
 * Owns: deciding each arriving entity against `EntityState` (through `decide`), remembering what
 * was seen, and working out removals at the end. A stored entity absent upstream is marked
 * unavailable, except when the absence is explained by a failure: a failed or partly invalid
 * endpoint fetch protects that variant's rows, a model that failed validation protects its slug
 * and its endpoints, and a run with zero models removes nothing. A model still listed but with no
 * endpoint any more (`endpoint: null` on every entry) is a removal too: its change is held until
 * the end, so that the share guard decides about it with every other removal.
 */
import { endpointKey, modelIsAvailable, variantKey, type OrEndpoint, type OrModel } from "../openrouter/schemas";
import { contentFingerprint } from "../lib/canonicalJson";
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

/** One decided entity. `available` is the availability it will have once written. */
export type TrackedChange =
  | { kind: "model"; key: string; decision: Decision; value: OrModel; content_hash: string; bytes: number; available: boolean }
  | { kind: "endpoint"; key: string; decision: Decision; value: OrEndpoint; content_hash: string; bytes: number; available: true };

export type ModelChange = Extract<TrackedChange, { kind: "model" }>;

export function createChangeTracker(state: EntityState) {
  const seenModels = new Set<string>();
  const seenEndpoints = new Set<string>();
  const protectedSlugs = new Set<string>();
  const protectedVariants = new Set<string>();
  /** Listed models that lost their last endpoint: written, marked unavailable, at the end. */
  const goingUnavailable: ModelChange[] = [];
  const counts: WriterCounts = { insert: 0, update: 0, stable: 0, unavailable: 0 };
  const perKind = { model: { ...counts }, endpoint: { ...counts } };

  function count(kind: "model" | "endpoint", decision: Decision) {
    counts[decision]++;
    perKind[kind][decision]++;
  }

  return {
    counts,
    perKind,
    /** Decides one result. Returns the change for entities, null for errors, repeats and held removals. */
    async track(result: PipelineResult): Promise<TrackedChange | null> {
      if (result.kind === "error") {
        if (result.params?.permaslug !== undefined && result.params.variant !== undefined) {
          protectedVariants.add(variantKey({ permaslug: result.params.permaslug, variant: result.params.variant }));
        }
        if (result.source === "models" && result.item_key) protectedSlugs.add(result.item_key);
        return null;
      }
      if (result.kind === "model") {
        const key = result.value.slug;
        if (seenModels.has(key)) return null;
        seenModels.add(key);
        const { content_hash, bytes } = await contentFingerprint(result.value);
        const available = modelIsAvailable(result.value);
        const decision = decide(content_hash, state.model(key), available);
        const change: ModelChange = { kind: "model", key, decision, value: result.value, content_hash, bytes, available };
        if (decision === "unavailable") {
          goingUnavailable.push(change);
          return null;
        }
        count("model", decision);
        return change;
      }
      const key = endpointKey(result.value);
      if (seenEndpoints.has(key)) return null;
      seenEndpoints.add(key);
      const { content_hash, bytes } = await contentFingerprint(result.value);
      const decision = decide(content_hash, state.endpoint(key));
      count("endpoint", decision);
      return { kind: "endpoint", key, decision, value: result.value, content_hash, bytes, available: true };
    },
    /**
     * Stored, available rows that this run shows to be gone upstream. Call once, at the end.
     *
     * When a table would lose more than `maxUnavailableShare` of its available rows, nothing is
     * marked and `withheld` says why: that many removals at once is far likelier a partial
     * upstream outage than a real change.
     */
    removals(options: { maxUnavailableShare?: number } = {}): Removals {
      const none = { models: [], modelChanges: [], endpoints: [] };
      if (seenModels.size === 0) return { ...none, withheld: null };
      const availableModels = [...state.availableModels()];
      const availableEndpoints = [...state.availableEndpoints()];
      const models = availableModels.filter((slug) => !seenModels.has(slug) && !protectedSlugs.has(slug));
      const modelChanges = goingUnavailable.filter((change) => !protectedSlugs.has(change.key));
      // A held removal that does not happen leaves its row as it was: counted stable.
      const keepModels = (kept: readonly ModelChange[]) => {
        for (const _ of kept) count("model", "stable");
      };
      const endpoints = availableEndpoints.filter(
        (endpoint) =>
          !seenEndpoints.has(endpointKey(endpoint)) &&
          !protectedVariants.has(variantKey({ permaslug: endpoint.model_permaslug, variant: endpoint.variant })) &&
          !protectedSlugs.has(endpoint.model_slug),
      );
      const maxShare = options.maxUnavailableShare ?? 1;
      for (const [kind, removed, available] of [
        ["models", models.length + modelChanges.length, availableModels.length],
        ["endpoints", endpoints.length, availableEndpoints.length],
      ] as const) {
        if (available > 0 && removed / available > maxShare) {
          const withheld = `would mark ${removed} of ${available} ${kind} unavailable (${percent(removed / available)}, limit ${percent(maxShare)}); marked none`;
          keepModels(goingUnavailable);
          return { ...none, withheld };
        }
      }
      keepModels(goingUnavailable.filter((change) => protectedSlugs.has(change.key)));
      for (const _ of [...models, ...modelChanges]) count("model", "unavailable");
      for (const _ of endpoints) count("endpoint", "unavailable");
      return { models, modelChanges, endpoints, withheld: null };
    },
  };
}

export type Removals = {
  /** Models gone from the catalogue: marked unavailable by key. */
  models: string[];
  /** Models still listed but with no endpoint now: written with their new content, marked unavailable. */
  modelChanges: ModelChange[];
  endpoints: Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">[];
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null;
};

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

export type ChangeTracker = ReturnType<typeof createChangeTracker>;
