/**
 * The change tracker: what one run means for stored state, shared by every writer that diffs.
 *
 * Owns: deciding each arriving entity against `EntityState` (through `decide`), remembering what
 * was seen, and working out removals at the end. A stored entity absent upstream is marked
 * unavailable, except when the absence is explained by a failure: a failed or partly invalid
 * endpoint fetch protects that variant's rows, a model that failed validation protects its slug
 * and its endpoints, and a run with zero models removes nothing.
 */
import { endpointKey, variantKey, type OrEndpoint, type OrModel } from "../openrouter/schemas";
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

export type TrackedChange =
  | { kind: "model"; key: string; decision: Decision; value: OrModel; content_hash: string; bytes: number }
  | { kind: "endpoint"; key: string; decision: Decision; value: OrEndpoint; content_hash: string; bytes: number };

export function createChangeTracker(state: EntityState) {
  const seenModels = new Set<string>();
  const seenEndpoints = new Set<string>();
  const protectedSlugs = new Set<string>();
  const protectedVariants = new Set<string>();
  const counts: WriterCounts = { insert: 0, update: 0, stable: 0, unavailable: 0 };
  const perKind = { model: { ...counts }, endpoint: { ...counts } };

  function count(kind: "model" | "endpoint", decision: Decision | "unavailable") {
    counts[decision]++;
    perKind[kind][decision]++;
  }

  return {
    counts,
    perKind,
    /** Decides one result. Returns the change for entities, null for errors and repeats. */
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
        const decision = decide(content_hash, state.model(key));
        count("model", decision);
        return { kind: "model", key, decision, value: result.value, content_hash, bytes };
      }
      const key = endpointKey(result.value);
      if (seenEndpoints.has(key)) return null;
      seenEndpoints.add(key);
      const { content_hash, bytes } = await contentFingerprint(result.value);
      const decision = decide(content_hash, state.endpoint(key));
      count("endpoint", decision);
      return { kind: "endpoint", key, decision, value: result.value, content_hash, bytes };
    },
    /**
     * Stored, available rows that this run shows to be gone upstream. Call once, at the end.
     *
     * When a table would lose more than `maxUnavailableShare` of its available rows, nothing is
     * marked and `withheld` says why: that many removals at once is far likelier a partial
     * upstream outage than a real change.
     */
    removals(options: { maxUnavailableShare?: number } = {}): Removals {
      const none = { models: [], endpoints: [] };
      if (seenModels.size === 0) return { ...none, withheld: null };
      const availableModels = [...state.availableModels()];
      const availableEndpoints = [...state.availableEndpoints()];
      const models = availableModels.filter((slug) => !seenModels.has(slug) && !protectedSlugs.has(slug));
      const endpoints = availableEndpoints.filter(
        (endpoint) =>
          !seenEndpoints.has(endpointKey(endpoint)) &&
          !protectedVariants.has(variantKey({ permaslug: endpoint.model_permaslug, variant: endpoint.variant })) &&
          !protectedSlugs.has(endpoint.model_slug),
      );
      const maxShare = options.maxUnavailableShare ?? 1;
      for (const [kind, removed, available] of [
        ["models", models.length, availableModels.length],
        ["endpoints", endpoints.length, availableEndpoints.length],
      ] as const) {
        if (available > 0 && removed / available > maxShare) {
          const withheld = `would mark ${removed} of ${available} ${kind} unavailable (${percent(removed / available)}, limit ${percent(maxShare)}); marked none`;
          return { ...none, withheld };
        }
      }
      for (const _ of models) count("model", "unavailable");
      for (const _ of endpoints) count("endpoint", "unavailable");
      return { models, endpoints, withheld: null };
    },
  };
}

export type Removals = {
  models: string[];
  endpoints: Pick<OrEndpoint, "model_permaslug" | "variant" | "endpoint_id" | "model_slug">[];
  /** Why removals were withheld by the share guard, or null. */
  withheld: string | null;
};

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

export type ChangeTracker = ReturnType<typeof createChangeTracker>;
