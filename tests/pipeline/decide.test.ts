// @vitest-environment node
/** decide and canonical JSON on hand-made cases: semantic equality, unavailability, field diffs. */
import { describe, expect, it } from "vitest";
import { changedFields, decide } from "../../src/pipeline/decide";
import { canonicalJson, contentHash } from "../../src/lib/canonicalJson";

async function decideValues(next: unknown, stored: unknown | undefined, unavailable_at: number | null = null) {
  return decide(await contentHash(next), stored === undefined ? undefined : { content_hash: await contentHash(stored), unavailable_at });
}

describe("decide", () => {
  it("inserts what is not stored", async () => {
    expect(await decideValues({ a: 1 }, undefined)).toBe("insert");
  });
  it("is stable regardless of key order and undefined-versus-absent", async () => {
    expect(await decideValues({ a: 1, b: { x: 1, y: 2 }, c: undefined }, { b: { y: 2, x: 1 }, a: 1 })).toBe("stable");
  });
  it("updates on any changed value, including order inside arrays and a dropped field", async () => {
    expect(await decideValues({ a: [1, 2] }, { a: [2, 1] })).toBe("update");
    expect(await decideValues({ a: 1 }, { a: 1, gone: null })).toBe("update");
    expect(await decideValues({ a: 0.000123 }, { a: 0.0001 })).toBe("update");
  });
  it("updates a row marked unavailable so the mark is cleared", async () => {
    expect(await decideValues({ a: 1 }, { a: 1 }, 5)).toBe("update");
  });
  it("decides availability with the content: losing the last endpoint is a removal, regaining one an update", async () => {
    const hash = await contentHash({ a: 1 });
    const other = await contentHash({ a: 2 });
    expect(decide(hash, undefined, false)).toBe("insert");
    expect(decide(hash, { content_hash: hash, unavailable_at: null }, false)).toBe("unavailable");
    expect(decide(other, { content_hash: hash, unavailable_at: null }, false)).toBe("unavailable");
    expect(decide(hash, { content_hash: hash, unavailable_at: 5 }, false)).toBe("stable");
    expect(decide(other, { content_hash: hash, unavailable_at: 5 }, false)).toBe("update");
    expect(decide(hash, { content_hash: hash, unavailable_at: 5 }, true)).toBe("update");
  });
  it("treats NaN as equal to NaN, unlike ===", async () => {
    expect(await decideValues({ p: Number.NaN }, { p: Number.NaN })).toBe("stable");
  });
  it("lists changed top-level fields", () => {
    expect(changedFields({ a: 1, b: 2, c: 3 }, { a: 1, b: 3, d: 4 })).toEqual(["b", "c", "d"]);
  });
  it("canonical JSON sorts keys and drops undefined fields", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [{ z: 1, y: 2 }] })).toBe('{"b":1,"c":[{"y":2,"z":1}]}');
  });
});
