/** Type contracts: `Sources` is what `createSources` returns, whichever config built it. */
import { expectTypeOf, test } from "vitest";
import { createSources, type Sources } from "../../src/sources/createSources";
import type { CatalogueSources } from "../../src/sources/catalogueSources";
import type { OrEndpoint, OrModelEntry } from "../../src/openrouter/schemas";

test("Sources is ReturnType<typeof createSources> and yields entity types", () => {
  expectTypeOf(createSources({ sources: "fixtures", recording: {} })).toEqualTypeOf<Sources>();
  expectTypeOf(createSources({ sources: "remote", baseUrl: "http://127.0.0.1:1" })).toEqualTypeOf<Sources>();
  expectTypeOf<CatalogueSources>().toEqualTypeOf<Sources>();
  expectTypeOf<Sources["models"]>().returns.resolves.toEqualTypeOf<OrModelEntry[]>();
  expectTypeOf<Sources["endpoints"]>().returns.resolves.toEqualTypeOf<OrEndpoint[]>();
});
