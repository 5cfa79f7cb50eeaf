/**
 * compactString: the copy it keeps always has the same text, whatever the string holds; a string
 * UTF-8 cannot carry (a lone surrogate) comes back as it was, never altered.
 */
import { describe, expect, it } from "vitest";
import { compactString } from "../../src/lib/compactString";

describe("compactString", () => {
  it("keeps the text of keys built the way the writer builds them, unicode and all", () => {
    for (const text of [JSON.stringify(["qwen/通义-千问", "free", "é".repeat(300)]), "permaslug=a%2Fb&variant=standard", "", "😀 emoji"]) {
      expect(compactString(text)).toBe(text);
    }
  });

  it("returns a string with a lone surrogate unchanged, where a UTF-8 round trip would replace it", () => {
    // (A key made by JSON.stringify escapes it; a model slug or a query string need not.)
    const lone = "x/model-\ud800";
    expect(new TextDecoder().decode(new TextEncoder().encode(lone))).not.toBe(lone);
    expect(compactString(lone)).toBe(lone);
  });
});
