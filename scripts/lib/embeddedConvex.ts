/**
 * An embedded Convex runtime for local commands (`npm run snapshot`, `npm run faults`, the bench):
 * convex-test, Convex's official in-process backend, with the real per-transaction limits on.
 *
 * Owns: loading the convex/ modules without vitest's `import.meta.glob`, and counting the
 * `runMutation` calls that write entity tables. Keeps nothing after the process ends. Node-only.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { convexTest } from "convex-test";
import schema from "../../convex/schema";

const CONVEX_DIR = fileURLToPath(new URL("../../convex/", import.meta.url));

/** `./convex/<file>.ts` → lazy import, the shape convex-test expects from `import.meta.glob`. */
export function convexModules(): Record<string, () => Promise<unknown>> {
  const modules: Record<string, () => Promise<unknown>> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        modules[`./convex/${relative(CONVEX_DIR, path).replaceAll("\\", "/")}`] = () => import(pathToFileURL(path).href);
      }
    }
  };
  walk(CONVEX_DIR);
  return modules;
}

export function createEmbeddedConvex() {
  return convexTest({ schema, modules: convexModules(), transactionLimits: true });
}

export type EmbeddedConvex = ReturnType<typeof createEmbeddedConvex>;

/** Row counts of the module's tables, read directly; `available_*` counts entity rows not marked unavailable. */
export async function tableCounts(t: EmbeddedConvex) {
  return t.run(async (ctx) => ({
    or_models: (await ctx.db.query("or_models").collect()).length,
    available_models: (await ctx.db.query("or_models").collect()).filter((row) => row.unavailable_at === null).length,
    or_endpoints: (await ctx.db.query("or_endpoints").collect()).length,
    available_endpoints: (await ctx.db.query("or_endpoints").collect()).filter((row) => row.unavailable_at === null).length,
    archive_bundles: (await ctx.db.query("archive_bundles").collect()).length,
    upstream_fields: (await ctx.db.query("upstream_fields").collect()).length,
  }));
}
