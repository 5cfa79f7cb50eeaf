// @ts-check
/**
 * Lint (`npm run lint`): ESLint's and typescript-eslint's recommended rules on every TypeScript
 * file, and Convex's own rules (@convex-dev/eslint-plugin, https://docs.convex.dev/eslint) on the
 * Convex functions in convex/. Setup as typescript-eslint's quickstart
 * (https://typescript-eslint.io/getting-started) and Convex's docs give it for ESLint 9 flat config.
 * Must not touch: convex/_generated (written by `npm run codegen`).
 */
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";

export default defineConfig(
  globalIgnores(["convex/_generated/", "node_modules/", "tmp/"]),
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommended],
    rules: {
      // `const { _id, _creationTime, ...row } = doc` drops keys, and `for (const _ of rows)` counts.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, varsIgnorePattern: "^_" }],
    },
  },
  {
    // These read and hand-edit raw upstream recordings: free-form JSON, typed `Record<string, any>`
    // (tests/support/recording.ts), as convex/lib/validators.ts holds such values with `v.any()`.
    files: ["tests/**/*.ts", "bench/**/*.ts", "scripts/golden2026/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The plugin's own glob, `**/convex/**/*.ts`, would also take tests/convex/ (convex-test
    // suites, not functions). Its rules read types when they can (explicit-table-ids infers and
    // fixes the table name from the id's type): give them what Convex runs, tsconfig.convex.json.
    files: ["convex/**/*.ts"],
    extends: [convexPlugin.configs.recommended],
    languageOptions: { parserOptions: { project: "./tsconfig.convex.json", tsconfigRootDir: import.meta.dirname } },
  },
);
