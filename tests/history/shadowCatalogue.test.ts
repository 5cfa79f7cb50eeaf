/**
 * ShadowCatalogue, the backfill's in-memory entity tables: each transition checked against what the
 * entity-row helpers do to a stored row (convex/lib/entityRows.ts, cited per case), on hand-made
 * rows; and its checkpoint encoding read back whole, keys and values with every awkward character,
 * and refused when cut short.
 */
import { describe, expect, it } from "vitest";
import { gzipSync } from "fflate";
import { UNAVAILABLE_REASONS } from "../../convex/lib/entityRows";
import { canonicalJson } from "../../src/lib/canonicalJson";
import { LISTED_WITHOUT_ENDPOINT } from "../../src/history/changeEvents";
import { ShadowCatalogue } from "../../src/history/shadowCatalogue";

const KEY = JSON.stringify(["acme/widget-20260101", "standard", "ep-1"]);
const write = (json: object, content_hash: string, available = true) => ({ json: canonicalJson(json), content_hash, available });

describe("transitions, as upsertEntityRow, markRowUnavailable and relistUnavailableModel make them", () => {
  it("inserts a model written unavailable as marked at the snapshot, listed with no endpoint", () => {
    const shadow = new ShadowCatalogue();
    expect(shadow.write("model", "a/b", write({ slug: "a/b", variants: [] }, "h1", false), 10)).toBe(true);
    expect(shadow.models.get("a/b")).toEqual({
      json: '{"slug":"a/b","variants":[]}',
      content_hash: "h1",
      unavailable_at: 10,
      unavailable_reason: LISTED_WITHOUT_ENDPOINT,
    });
  });

  it("keeps the time a row was first marked when it is written unavailable again, and clears the mark when it comes back", () => {
    const shadow = new ShadowCatalogue();
    shadow.write("model", "a/b", write({ slug: "a/b" }, "h1"), 10);
    expect(shadow.mark("model", "a/b", 20, UNAVAILABLE_REASONS.gone)).toBe(true);
    shadow.write("model", "a/b", write({ slug: "a/b", v: 2 }, "h2", false), 30);
    expect(shadow.models.get("a/b")).toMatchObject({ content_hash: "h2", unavailable_at: 20, unavailable_reason: LISTED_WITHOUT_ENDPOINT });
    shadow.write("model", "a/b", write({ slug: "a/b", v: 2 }, "h2"), 40);
    expect(shadow.models.get("a/b")).toEqual({ json: '{"slug":"a/b","v":2}', content_hash: "h2", unavailable_at: null });
  });

  it("writes nothing when hash and availability match, marks only available rows", () => {
    const shadow = new ShadowCatalogue();
    shadow.write("model", "a/b", write({ slug: "a/b" }, "h1"), 10);
    expect(shadow.write("model", "a/b", write({ slug: "a/b" }, "h1"), 20)).toBe(false);
    expect(shadow.mark("model", "x/y", 20, UNAVAILABLE_REASONS.gone)).toBe(false);
    expect(shadow.mark("model", "a/b", 20, UNAVAILABLE_REASONS.gone)).toBe(true);
    expect(shadow.mark("model", "a/b", 30, UNAVAILABLE_REASONS.moved("k"))).toBe(false);
    expect(shadow.models.get("a/b")).toMatchObject({ unavailable_at: 20, unavailable_reason: UNAVAILABLE_REASONS.gone });
  });

  it("relists only between 'listed with no endpoint' and gone, leaving a moved row's reason alone", () => {
    const shadow = new ShadowCatalogue();
    shadow.write("model", "a/b", write({ slug: "a/b" }, "h1", false), 10);
    expect(shadow.relist("a/b", true, UNAVAILABLE_REASONS.gone)).toBe(false);
    expect(shadow.relist("a/b", false, UNAVAILABLE_REASONS.gone)).toBe(true);
    expect(shadow.models.get("a/b")!.unavailable_reason).toBe(UNAVAILABLE_REASONS.gone);
    expect(shadow.relist("a/b", true, UNAVAILABLE_REASONS.gone)).toBe(true);
    expect(shadow.models.get("a/b")!.unavailable_reason).toBe(LISTED_WITHOUT_ENDPOINT);
    shadow.write("model", "c/d", write({ slug: "c/d" }, "h2"), 10);
    shadow.mark("model", "c/d", 20, UNAVAILABLE_REASONS.moved("k"));
    expect(shadow.relist("c/d", false, UNAVAILABLE_REASONS.gone)).toBe(false);
    // An available model has no reason to put right.
    shadow.write("model", "e/f", write({ slug: "e/f" }, "h3"), 10);
    expect(shadow.relist("e/f", true, UNAVAILABLE_REASONS.gone)).toBe(false);
  });

  it("reads a row back as applyBatch reads it, and lists available endpoints by their key's parts", () => {
    const shadow = new ShadowCatalogue();
    const endpoint = { model_permaslug: "acme/widget-20260101", variant: "standard", endpoint_id: "ep-1", model_slug: "acme/widget", pricing: { prompt: "0.1" } };
    shadow.write("endpoint", KEY, { ...write(endpoint, "h1"), model_slug: "acme/widget" }, 10);
    expect(shadow.stored("endpoint", KEY)).toEqual({ ...endpoint, content_hash: "h1", unavailable_at: null });
    expect([...shadow.availableEndpoints()]).toEqual([{ model_permaslug: "acme/widget-20260101", variant: "standard", endpoint_id: "ep-1", model_slug: "acme/widget" }]);
    shadow.mark("endpoint", KEY, 20, UNAVAILABLE_REASONS.gone);
    expect([...shadow.availableEndpoints()]).toEqual([]);
    expect(shadow.stored("endpoint", KEY)).toMatchObject({ unavailable_at: 20, unavailable_reason: UNAVAILABLE_REASONS.gone });
    expect(shadow.stored("model", "none")).toBeNull();
  });
});

describe("the checkpoint encoding", () => {
  /** Enough rows, with long values, to span several compressed and decompressed pieces. */
  function largeShadow() {
    const shadow = new ShadowCatalogue();
    const awkward = 'tab\there "quote" new\nline back\\slash é 中文 🙂 \u2028';
    for (let i = 0; i < 600; i++) {
      const slug = `p${i}/${i % 7 === 0 ? awkward : "m"}`;
      shadow.write("model", slug, write({ slug, description: `${awkward} ${"x".repeat(i * 3)}`, n: i }, `h${i}`, i % 5 !== 0), i);
      if (i % 11 === 0) shadow.mark("model", slug, i + 1, UNAVAILABLE_REASONS.moved(awkward));
      const key = JSON.stringify([`p${i}`, i % 3 === 0 ? awkward : "standard", `ep-${i}`]);
      shadow.write("endpoint", key, { ...write({ endpoint_id: `ep-${i}`, note: awkward.repeat(i % 13) }, `e${i}`), model_slug: slug }, i);
    }
    return shadow;
  }

  it("reads back every row as it was", () => {
    const shadow = largeShadow();
    const pieces = ShadowCatalogue.encode(shadow);
    expect(pieces.length).toBeGreaterThan(1);
    const read = ShadowCatalogue.decode(concat(pieces));
    expect(read.models).toEqual(shadow.models);
    expect(read.endpoints).toEqual(shadow.endpoints);
    expect(ShadowCatalogue.decode(concat(ShadowCatalogue.encode(new ShadowCatalogue()))).models.size).toBe(0);
  });

  it("refuses a state cut short or not its own", () => {
    const bytes = concat(ShadowCatalogue.encode(largeShadow()));
    expect(() => ShadowCatalogue.decode(bytes.subarray(0, Math.floor(bytes.byteLength / 2)))).toThrow(/cut short|invalid|unexpected/i);
    const other = new TextEncoder().encode('{"format":"something-else"}\n');
    expect(() => ShadowCatalogue.decode(gzipSync(other))).toThrow(/not a shadow-catalogue/);
  });
});

function concat(pieces: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.byteLength;
  }
  return bytes;
}
