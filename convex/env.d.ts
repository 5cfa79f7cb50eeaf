/**
 * The one Node-looking global Convex's default runtime provides: deployment environment
 * variables on `process.env`. Declared here so that `tsconfig.convex.json` can typecheck convex/
 * and the src/ files it imports without Node's types.
 */
declare const process: { env: Record<string, string | undefined> };
