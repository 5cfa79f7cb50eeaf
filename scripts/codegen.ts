/**
 * `npm run codegen`: writes convex/_generated as `npx convex dev` writes it against a real
 * deployment, so that a user's first `convex dev` leaves the committed tree unchanged. It runs
 * offline and gives the same output every time. `.ci/run` runs it and fails on any difference.
 *
 * How: it runs the installed Convex CLI itself, `convex codegen --typecheck disable` from the same
 * bundle that `npx convex dev` runs, against scripts/lib/codegenDeployment.ts, a loopback stand-in
 * for the two deployment endpoints that path calls. Every file therefore comes from the CLI's
 * deployment path (convex 1.48.0, node_modules/convex/dist/cjs/cli/):
 *   lib/components.js `runCodegen` → `startComponentsPushAndCodegen`, then in lib/codegen.js:
 *   - `doInitialComponentCodegen`: api.js from codegen_templates/component_api.js
 *     `componentApiJs()`, which adds `export const components = componentsGeneric();`
 *   - `doFinalComponentCodegen`, after start_push: dataModel.d.ts; server.js and server.d.ts from
 *     codegen_templates/server.js `serverCodegen` with the analysis' env vars, which gives the
 *     typed `env`; and api.d.ts from component_api.js `componentApiDTS`, which adds
 *     `export declare const components: {};`
 * `codegen --system-udfs`, which this replaces, goes through `doCodegen` instead and writes none of
 * the `components` or typed-`env` parts. No template is copied here. The CLI's functions are not
 * imported either: convex ships them unbundled under dist/cjs only as a build artefact, and there
 * they require packages that are bundled into dist/cli.bundle.cjs and not installed (chalk,
 * @sentry/node).
 *
 * Owns: convex/_generated. Must not: reach the network (the CLI gets --url/--admin-key for the
 * loopback stand-in, which take precedence over .env.local and CONVEX_* variables); typecheck
 * (`--typecheck disable`, since `npm run typecheck` does that); or stand in for a deployment where
 * the output needs a real one: an app definition (convex.config.ts, which brings components and
 * declared env vars), or convex.json `codegen.staticApi` / `staticDataModel`.
 *
 *   npm run codegen
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeDeployment } from "./lib/codegenDeployment";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const convexPackageJson = require.resolve("convex/package.json");
const convexVersion = (require(convexPackageJson) as { version: string }).version;
const CONVEX_BIN = join(dirname(convexPackageJson), "bin", "main.js");

function fail(message: string, cliOutput = ""): never {
  process.stderr.write(cliOutput);
  console.error(`npm run codegen: ${message}`);
  process.exit(1);
}

const configPath = join(ROOT, "convex.json");
const config = existsSync(configPath)
  ? (JSON.parse(readFileSync(configPath, "utf8")) as { functions?: string; codegen?: { staticApi?: boolean; staticDataModel?: boolean } })
  : {};
if (config.codegen?.staticApi || config.codegen?.staticDataModel) {
  fail("convex.json sets codegen.staticApi or codegen.staticDataModel; those types come from a real deployment's analysis: run `npx convex codegen` against one");
}
const FUNCTIONS_DIR = join(ROOT, config.functions ?? "convex");
const GENERATED = join(FUNCTIONS_DIR, "_generated");
// An app definition brings components and `env` declarations, which reach codegen only through a
// real deployment's evaluation of it (start_push `analysis`).
const appDefinition = ["convex.config.ts", "convex.config.js"].find((file) => existsSync(join(FUNCTIONS_DIR, file)));
if (appDefinition) fail(`${appDefinition} defines the app; its components and env vars need a real deployment's analysis: run \`npx convex codegen\` against one`);

/** The generated files by name (the `ai/` folder the CLI keeps is not codegen's). */
function generatedFiles(): Map<string, string> {
  if (!existsSync(GENERATED)) return new Map();
  const files = readdirSync(GENERATED, { withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(files.map((entry) => [entry.name, readFileSync(join(GENERATED, entry.name), "utf8")]));
}

const before = generatedFiles();
const deployment = await startFakeDeployment();
let cliOutput = "";
const exitCode = await new Promise<number>((resolve, reject) => {
  // With CI set, the CLI's Sentry stays off (cli/lib/utils/sentry.js `initSentry`), so a failure
  // here is not reported anywhere.
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "1" };
  delete env.VERCEL;
  const child = spawn(process.execPath, [CONVEX_BIN, "codegen", "--typecheck", "disable", "--url", deployment.url, "--admin-key", "offline-codegen"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk) => (cliOutput += chunk));
  child.stderr.on("data", (chunk) => (cliOutput += chunk));
  child.on("error", reject);
  child.on("close", (code) => resolve(code ?? 1));
});
await deployment.close();

if (exitCode !== 0) fail(`\`convex codegen\` exited with ${exitCode}`, cliOutput);
// If the CLI had written the files without asking for start_push, they would not be the deployment path's.
if (!deployment.requests.includes("/api/deploy2/start_push")) fail("the CLI never sent start_push, so it did not take the deployment path", cliOutput);

const after = generatedFiles();
const changed = [...new Set([...before.keys(), ...after.keys()])].filter((name) => before.get(name) !== after.get(name)).sort();
console.log(
  `convex/_generated written as \`npx convex dev\` writes it (convex ${convexVersion} CLI, offline stand-in deployment): ${changed.length > 0 ? `changed ${changed.join(", ")}` : "unchanged"}`,
);
