/**
 * convex/_generated is what a deployment's codegen writes: the `components` export and the typed
 * `env` that `npx convex dev` adds, and `codegen --system-udfs` leaves out. `npm run codegen` writes
 * these files (scripts/codegen.ts), and `.ci/run` checks that they are up to date.
 *
 * The expected text does not come from the generator. It was written by `npx convex dev` on a real
 * deployment: deankerr/orca@0c3f56e3, packages/backend/convex/_generated/, convex 1.44.0, also an
 * app without components. api.js and the env parts of server.d.ts do not depend on the app's
 * modules, so they must match byte for byte.
 */
import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as generatedApi from "../../convex/_generated/api";
import { startPushResponseFor } from "../../scripts/lib/codegenDeployment";

const generated = (file: string) => readFileSync(new URL(`../../convex/_generated/${file}`, import.meta.url), "utf8");

/** deankerr/orca@0c3f56e3 packages/backend/convex/_generated/api.js, verbatim. */
const DEPLOYMENT_API_JS = `/* eslint-disable */
/**
 * Generated \`api\` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run \`npx convex dev\`.
 * @module
 */

import { anyApi, componentsGeneric } from "convex/server";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * \`\`\`js
 * const myFunctionReference = api.myModule.myFunction;
 * \`\`\`
 */
export const api = anyApi;
export const internal = anyApi;
export const components = componentsGeneric();
`;

/** deankerr/orca@0c3f56e3 packages/backend/convex/_generated/server.d.ts, lines 24-33 and 109-115. */
const DEPLOYMENT_ENV_DTS = [
  `/**
 * Typesafe environment variables.
 *
 * This includes platform-provided env vars and any variables declared in
 * \`convex.config.ts\`.
 */
type Env = {
  readonly CONVEX_CLOUD_URL: string;
  readonly CONVEX_SITE_URL: string;
};
`,
  `/**
 * Typesafe environment variables.
 *
 * This includes platform-provided env vars and any variables declared in
 * \`convex.config.ts\`.
 */
export declare const env: Env;
`,
];

describe("convex/_generated as a deployment writes it", () => {
  it("api.js is byte for byte the api.js `npx convex dev` wrote on a real deployment", () => {
    expect(generated("api.js")).toBe(DEPLOYMENT_API_JS);
  });

  it("api.js exports `components` next to `api` and `internal`", () => {
    expect(Object.keys(generatedApi).sort()).toEqual(["api", "components", "internal"]);
    expect(typeof generatedApi.components).toBe("object");
  });

  it("api.d.ts declares the components of an app with none", () => {
    expect(generated("api.d.ts").endsWith("\nexport declare const components: {};\n")).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the generated file declares exactly `{}`, and this asserts that type.
    expectTypeOf(generatedApi.components).toEqualTypeOf<{}>();
  });

  it("server.d.ts types `env` with the platform variables, as the deployment's analysis gives it", () => {
    const serverDts = generated("server.d.ts");
    for (const block of DEPLOYMENT_ENV_DTS) expect(serverDts).toContain(block);
    expect(serverDts).not.toContain("export declare const env: Record<string, string | undefined>;");
  });
});

describe("the offline stand-in deployment", () => {
  const request = { appDefinition: { dependencies: [], udfServerVersion: "1.48.0" }, componentDefinitions: [] };

  it("answers start_push for the root with no child components and no declared env vars", () => {
    const { definition } = startPushResponseFor(request).analysis[""];
    expect(definition.childComponents).toEqual([]);
    expect("envVars" in definition).toBe(false);
  });

  it("refuses an app with components, naming them, rather than generate code without their analysis", () => {
    expect(() => startPushResponseFor({ ...request, componentDefinitions: [{ definitionPath: "../node_modules/@convex-dev/workpool/dist/component" }] })).toThrow(
      /uses components \(\.\.\/node_modules\/@convex-dev\/workpool\/dist\/component\)/,
    );
  });
});
