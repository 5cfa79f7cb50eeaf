/**
 * consolidateVariants: one `OrModel` per slug from the models list's per-variant entries.
 *
 * The models list has one entry per (slug, variant): "Qwen3 8B" and "Qwen3 8B (free)" share a
 * slug. One group-by folds them; the base record is the entry with the shortest name (the one
 * without a variant suffix), and every slug is kept, including those with no active variant.
 *
 * The fold is split in two so that a large list never needs to be held whole: a `ModelPlan` is
 * fed each entry's few small fields (slug, name, permaslug, variant, endpoint id, context length)
 * and its position, and then says which entry is each slug's base and what its variants are; a
 * second read of the same list builds each model from its base entry alone (`plan.build`).
 * `consolidateVariants` is that plan over entries held in memory, so both ways give the same models
 * (in a different order: the second read gives them in the order of their base entries).
 */
import * as R from "remeda";
import type { OrModel, OrModelEntry, OrModelVariant } from "../openrouter/schemas";
import { compactString } from "../lib/compactString";
import { compareText } from "../lib/compareText";

/** What the plan keeps of one entry: the fields that choose the base and make the variants. */
type EntrySummary = Pick<OrModelEntry, "slug" | "name" | "permaslug" | "variant" | "endpoint_id" | "context_length"> & { position: number };

/** Shortest name first; ties broken by name, then permaslug, so the choice never depends on upstream order. */
function baseOrder(a: Pick<OrModelEntry, "name" | "permaslug">, b: Pick<OrModelEntry, "name" | "permaslug">): number {
  return a.name.length - b.name.length || compareText(a.name, b.name) || compareText(a.permaslug, b.permaslug);
}


function variantsOf(group: readonly EntrySummary[]): OrModelVariant[] {
  return R.uniqueBy(
    group
      .filter((entry): entry is EntrySummary & { variant: string; endpoint_id: string } => entry.variant !== null && entry.endpoint_id !== null)
      .sort((a, b) => compareText(a.variant, b.variant) || compareText(a.permaslug, b.permaslug) || baseOrder(a, b)),
    (entry) => `${entry.permaslug}\u0000${entry.variant}`,
  ).map(
    (entry): OrModelVariant => ({
      variant: entry.variant,
      permaslug: entry.permaslug,
      name: entry.name,
      context_length: entry.context_length,
      endpoint_id: entry.endpoint_id,
    }),
  );
}

/**
 * Plans the fold of a models list read entry by entry. `add` every entry with its position in the
 * list (the same positions a second read will give), then `build` each entry of the second read:
 * it returns the slug's model for its base entry, and null for every other entry.
 *
 * @example
 * const plan = createModelPlan();
 * entries.forEach((entry, position) => plan.add(entry, position));
 * const models = entries.flatMap((entry, position) => plan.build(entry, position) ?? []);
 */
export function createModelPlan() {
  let groups: Map<string, EntrySummary[]> | null = new Map();
  /**
   * Per slug, once planned: its base entry's position and its variants as JSON, one string instead
   * of an object graph (a plan of fifty times today's list is held while the list is read again).
   */
  const planned = new Map<string, { base: number; variants: string }>();

  function settle() {
    if (groups === null) return;
    for (const [slug, group] of groups) {
      planned.set(slug, { base: [...group].sort(baseOrder)[0].position, variants: compactString(JSON.stringify(variantsOf(group))) });
      groups.delete(slug);
    }
    groups = null;
  }

  return {
    add(entry: OrModelEntry, position: number): void {
      if (groups === null) throw new Error("model plan: add after the plan was settled");
      const { slug, name, permaslug, variant, endpoint_id, context_length } = entry;
      const group = groups.get(slug);
      const summary = { slug, name, permaslug, variant, endpoint_id, context_length, position };
      if (group) group.push(summary);
      else groups.set(slug, [summary]);
    },
    /** Slugs planned, in the order each first appeared. */
    slugs(): string[] {
      settle();
      return [...planned.keys()];
    },
    /** The endpoint lists to fetch: one per (permaslug, variant) with an active endpoint. */
    requests(): { permaslug: string; variant: string }[] {
      settle();
      return uniqueRequests([...planned.values()].flatMap(({ variants }) => JSON.parse(variants) as OrModelVariant[]));
    },
    /** The slug's model when `entry` (at `position`) is its base entry, else null. */
    build(entry: OrModelEntry, position: number): OrModel | null {
      settle();
      const slug = planned.get(entry.slug);
      if (!slug || slug.base !== position) return null;
      const { variant: _variant, endpoint_id: _endpointId, ...model } = entry;
      return { ...model, variants: JSON.parse(slug.variants) as OrModelVariant[] };
    },
  };
}

export type ModelPlan = ReturnType<typeof createModelPlan>;

/**
 * @example
 * consolidateVariants([{ slug: "q/8b", name: "Q 8B (free)", variant: "free", … }, { slug: "q/8b", name: "Q 8B", variant: "standard", … }])
 * // → [{ slug: "q/8b", name: "Q 8B", variants: [{ variant: "free", … }, { variant: "standard", … }] }]
 */
export function consolidateVariants(entries: readonly OrModelEntry[]): OrModel[] {
  const plan = createModelPlan();
  entries.forEach((entry, position) => plan.add(entry, position));
  const bySlug = new Map<string, OrModel>();
  entries.forEach((entry, position) => {
    const model = plan.build(entry, position);
    if (model) bySlug.set(model.slug, model);
  });
  // Slugs in the order they first appeared, as a group-by gives them.
  return plan.slugs().map((slug) => bySlug.get(slug)!);
}

/** The endpoint lists to fetch: one per (permaslug, variant) with an active endpoint. */
export function variantRequests(models: readonly OrModel[]): { permaslug: string; variant: string }[] {
  return uniqueRequests(models.flatMap((model) => model.variants));
}

function uniqueRequests(variants: readonly Pick<OrModelVariant, "permaslug" | "variant">[]): { permaslug: string; variant: string }[] {
  return R.uniqueBy(
    variants.map(({ permaslug, variant }) => ({ permaslug, variant })),
    ({ permaslug, variant }) => `${permaslug}\u0000${variant}`,
  );
}
