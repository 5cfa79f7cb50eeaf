// Test runner config: convex-test suites need the edge-runtime environment (close to Convex's
// default runtime) and convex-test inlined so that `import.meta.glob` of convex/ resolves.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: { include: ["tests/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
