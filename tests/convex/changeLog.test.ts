/**
 * boundedRow: a change row that would break Convex's 1 MiB document or its 16 levels of nesting
 * keeps its paths, tags, rates and revert, and leaves its field values out; one that fits is as it
 * is. Hand-made rows: a long CJK description (three UTF-8 bytes a character) and a deep value.
 */
import { describe, expect, it } from "vitest";
import { boundedRow } from "../../convex/history/changeLog";
import type { ChangeRow } from "../../convex/history/validators";

const row = (fields: ChangeRow["fields"], revert = ""): ChangeRow => ({
  snapshot_at: 1,
  run_id: null,
  entity: "model",
  key: "acme/widget",
  model_slug: "acme/widget",
  provider_slug: null,
  event: "updated",
  reason: null,
  fields,
  tags: ["metadata"],
  rates: [],
  max_abs_percent: null,
  revert,
});

/** An object nested `levels` deep: { a: { a: … 1 } }. */
const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });

describe("boundedRow", () => {
  it("keeps a row that fits", () => {
    const fits = row([{ path: "description", before: "old", after: "new", tag: "metadata" }]);
    expect(boundedRow(fits)).toBe(fits);
  });

  it("leaves the values out of a row over 900 KiB in UTF-8 though under it in characters", () => {
    const text = "模".repeat(200_000); // 200,000 characters, 600,000 bytes
    const long = row([{ path: "description", before: text, after: `${text}。`, tag: "metadata" }], JSON.stringify({ set: { description: text }, unset: [] }));
    expect(JSON.stringify(long).length).toBeLessThan(900 * 1024);
    const bounded = boundedRow(long);
    expect(bounded).toMatchObject({ fields: [{ path: "description", before: null, after: null, tag: "metadata" }], fields_cut: true, revert: long.revert });
  });

  it("leaves the values out of a row that would nest deeper than Convex allows", () => {
    // The row, `fields`, the item: three levels above the value.
    expect(boundedRow(row([{ path: "features", before: null, after: nested(12), tag: "capabilities" }])).fields_cut).toBeUndefined();
    const deep = boundedRow(row([{ path: "features", before: null, after: nested(13), tag: "capabilities" }]));
    expect(deep).toMatchObject({ fields: [{ path: "features", before: null, after: null }], fields_cut: true });
    const set = boundedRow(
      row([
        { path: "supported_parameters", added: ["a"], removed: ["b"], tag: "capabilities" },
        { path: "x", before: nested(14), after: 1, tag: "metadata" },
      ]),
    );
    expect(set.fields[0]).toEqual({ path: "supported_parameters", added: [], removed: [], tag: "capabilities" });
  });
});
