// @vitest-environment node
import { describe, expect, it } from "vitest";
import { changedFields, decide } from "../../src/pipeline/decide";
import { canonicalJson } from "../../src/lib/canonicalJson";

describe("decide", () => {
  it("inserts what is not stored", () => {
    expect(decide({ a: 1 }, undefined)).toBe("insert");
  });
  it("is stable regardless of key order and undefined-versus-absent", () => {
    const stored = { value: { b: { y: 2, x: 1 }, a: 1 }, unavailable_at: null };
    expect(decide({ a: 1, b: { x: 1, y: 2 }, c: undefined }, stored)).toBe("stable");
  });
  it("updates on any changed value, including inside arrays", () => {
    expect(decide({ a: [1, 2] }, { value: { a: [2, 1] }, unavailable_at: null })).toBe("update");
    expect(decide({ a: 1 }, { value: { a: 1, gone: null }, unavailable_at: null })).toBe("update");
  });
  it("updates a row marked unavailable so the mark is cleared", () => {
    expect(decide({ a: 1 }, { value: { a: 1 }, unavailable_at: 5 })).toBe("update");
  });
  it("treats NaN as equal to NaN, unlike ===", () => {
    expect(decide({ p: Number.NaN }, { value: { p: Number.NaN }, unavailable_at: null })).toBe("stable");
  });
  it("lists changed top-level fields", () => {
    expect(changedFields({ a: 1, b: 2, c: 3 }, { a: 1, b: 3, d: 4 })).toEqual(["b", "c", "d"]);
  });
  it("canonical JSON sorts keys and drops undefined fields", () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [{ z: 1, y: 2 }] })).toBe('{"b":1,"c":[{"y":2,"z":1}]}');
  });
});
