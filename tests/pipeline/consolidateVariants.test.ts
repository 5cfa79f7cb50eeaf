// @vitest-environment node
/** consolidateVariants and variantRequests on hand-made entries. */
import { describe, expect, it } from "vitest";
import { consolidateVariants, variantRequests } from "../../src/pipeline/consolidateVariants";
import { ModelEntrySchema, type OrModelEntry } from "../../src/openrouter/schemas";

/** A parsed entry (every optional field at its absent value), with the fields a test sets. */
function entry(overrides: Partial<OrModelEntry>): OrModelEntry {
  const parsed = ModelEntrySchema.parse({
    slug: "q/8b",
    permaslug: "q/8b-04-28",
    name: "Q: 8B",
    author: "q",
    context_length: 1000,
    input_modalities: ["text"],
    output_modalities: ["text"],
    created_at: 1,
    updated_at: 2,
    endpoint: null,
  });
  return {
    ...parsed,
    variant: "standard",
    endpoint_id: "e1",
    ...overrides,
  };
}

describe("consolidateVariants", () => {
  it("folds entries of one slug into one model, base from the shortest name", () => {
    const models = consolidateVariants([
      entry({ name: "Q: 8B (free)", variant: "free", endpoint_id: "e2", context_length: 500 }),
      entry({}),
    ]);
    expect(models).toHaveLength(1);
    expect(models[0].name).toBe("Q: 8B");
    expect(models[0].context_length).toBe(1000);
    expect(models[0].variants.map((v) => [v.variant, v.name, v.endpoint_id])).toEqual([
      ["free", "Q: 8B (free)", "e2"],
      ["standard", "Q: 8B", "e1"],
    ]);
    expect(models[0]).not.toHaveProperty("variant");
  });
  it("keeps slugs with no active variant, with an empty variants list", () => {
    const models = consolidateVariants([entry({ slug: "x/none", variant: null, endpoint_id: null })]);
    expect(models).toEqual([expect.objectContaining({ slug: "x/none", variants: [] })]);
    expect(variantRequests(models)).toEqual([]);
  });
  it("does not depend on input order", () => {
    const a = entry({ name: "Q: 8B (free)", variant: "free", endpoint_id: "e2" });
    const b = entry({});
    expect(consolidateVariants([a, b])).toEqual(consolidateVariants([b, a]));
  });
  it("lists one endpoint request per (permaslug, variant)", () => {
    const models = consolidateVariants([entry({}), entry({ name: "Q: 8B (free)", variant: "free", endpoint_id: "e2" }), entry({ slug: "r/1", permaslug: "r/1" })]);
    expect(variantRequests(models)).toEqual([
      { permaslug: "q/8b-04-28", variant: "free" },
      { permaslug: "q/8b-04-28", variant: "standard" },
      { permaslug: "r/1", variant: "standard" },
    ]);
  });
});
