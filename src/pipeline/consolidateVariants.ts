/**
 * consolidateVariants: one `OrModel` per slug from the models list's per-variant entries.
 *
 * The models list has one entry per (slug, variant): "Qwen3 8B" and "Qwen3 8B (free)" share a
 * slug. One group-by folds them; the base record is the entry with the shortest name (the one
 * without a variant suffix), and every slug is kept, including those with no active variant.
 */
import * as R from "remeda";
import type { OrModel, OrModelEntry, OrModelVariant } from "../openrouter/schemas";

/** Shortest name first; ties broken by name, then permaslug, so the choice never depends on upstream order. */
function baseOrder(a: OrModelEntry, b: OrModelEntry): number {
  return a.name.length - b.name.length || compareText(a.name, b.name) || compareText(a.permaslug, b.permaslug);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * @example
 * consolidateVariants([{ slug: "q/8b", name: "Q 8B (free)", variant: "free", … }, { slug: "q/8b", name: "Q 8B", variant: "standard", … }])
 * // → [{ slug: "q/8b", name: "Q 8B", variants: [{ variant: "free", … }, { variant: "standard", … }] }]
 */
export function consolidateVariants(entries: readonly OrModelEntry[]): OrModel[] {
  const bySlug = R.groupBy(entries, (entry) => entry.slug);
  return Object.values(bySlug).map((group) => {
    const [base] = [...group].sort(baseOrder);
    const { variant: _variant, endpoint_id: _endpointId, ...model } = base;
    const variants = R.uniqueBy(
      group
        .filter((entry): entry is OrModelEntry & { variant: string; endpoint_id: string } => entry.variant !== null && entry.endpoint_id !== null)
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
    return { ...model, variants };
  });
}

/** The endpoint lists to fetch: one per (permaslug, variant) with an active endpoint. */
export function variantRequests(models: readonly OrModel[]): { permaslug: string; variant: string }[] {
  return R.uniqueBy(
    models.flatMap((model) => model.variants.map(({ permaslug, variant }) => ({ permaslug, variant }))),
    ({ permaslug, variant }) => `${permaslug}\u0000${variant}`,
  );
}
