/**
 * revertOf / applyRevert: the exact inverse of one entity write, on hand-made rows: changed,
 * added and removed keys, null against absent, order inside arrays, bookkeeping ignored, and a
 * bad revert named.
 */
import { describe, expect, it } from "vitest";
import { applyRevert, revertOf } from "../../src/history/revert";

describe("revertOf and applyRevert", () => {
  it("restores changed, added and removed top-level keys exactly, arrays in their old order", () => {
    const before = {
      slug: "a/b",
      context_length: 8192,
      supported_parameters: ["tools", "seed"],
      description: "old",
      content_hash: "h1",
      first_seen_at: 1,
      unavailable_at: null,
    };
    const after = { slug: "a/b", context_length: 16384, supported_parameters: ["seed", "tools", "stop"], quantization: "fp8" };
    const revert = revertOf(before, after);
    expect(JSON.parse(revert)).toEqual({ set: { context_length: 8192, supported_parameters: ["tools", "seed"], description: "old" }, unset: ["quantization"] });
    expect(applyRevert(after, revert)).toEqual({ slug: "a/b", context_length: 8192, supported_parameters: ["tools", "seed"], description: "old" });
  });

  it("tells null from absent", () => {
    const revert = revertOf({ a: null }, {});
    expect(applyRevert({}, revert)).toEqual({ a: null });
    expect(applyRevert({ a: null }, revertOf({}, { a: null }))).toEqual({});
  });

  it("is empty when only bookkeeping or key order differs, and then changes nothing", () => {
    expect(revertOf({ a: { x: 1, y: 2 }, content_hash: "h1", changed_at: 5 }, { a: { y: 2, x: 1 } })).toBe("");
    expect(applyRevert({ a: 1, content_hash: "h", _id: "id" }, "")).toEqual({ a: 1 });
  });

  it("names a revert that is not one", () => {
    expect(() => applyRevert({}, '{"set":1}')).toThrow(/not a revert/);
    expect(() => applyRevert({}, "[]")).toThrow(/not a revert/);
  });
});
