/**
 * Test support for convex-test suites: one `setupTest()` with the schema, the module glob and
 * Convex's real per-transaction limits, plus helpers that read the tables directly (so tests count
 * rows and writes independently of the writer's own statistics).
 */
import { gunzipSync } from "node:zlib";
import { convexTest } from "convex-test";
import { getFunctionName, type FunctionReference } from "convex/server";
import type { ActionCtx } from "../../convex/_generated/server";
import type { Id, TableNames } from "../../convex/_generated/dataModel";
import { runSnapshot, type RunSnapshotArgs } from "../../convex/lib/runSnapshot";
import schema from "../../convex/schema";
import { startFakeOpenRouter, type FakeOpenRouter, type FakeOpenRouterOptions } from "../support/fakeOpenRouter";
import { familyOf } from "../support/recording";

export const modules = import.meta.glob("../../convex/**/*.ts");

export function setupTest() {
  return convexTest({ schema, modules, transactionLimits: true });
}

export type TestConvex = ReturnType<typeof setupTest>;

/** Every document of a table, read inside one test transaction (tests only; tables are small). */
export async function allRows<Table extends TableNames>(t: TestConvex, table: Table) {
  return t.run(async (ctx) => ctx.db.query(table).collect());
}

/**
 * Starts the loopback fake OpenRouter and points the action's remote transport at it through
 * OPENROUTER_BASE_URL, and at the path family its recording is keyed by through OPENROUTER_PATHS,
 * as a deployment's environment variables would.
 */
export async function withFakeOpenRouter<T>(options: FakeOpenRouterOptions, body: (server: FakeOpenRouter) => Promise<T>): Promise<T> {
  const server = await startFakeOpenRouter(options);
  const recording = typeof options.recording === "function" ? options.recording() : options.recording;
  const previous = { base: process.env.OPENROUTER_BASE_URL, paths: process.env.OPENROUTER_PATHS };
  process.env.OPENROUTER_BASE_URL = server.url;
  process.env.OPENROUTER_PATHS = familyOf(recording);
  try {
    return await body(server);
  } finally {
    restoreEnv("OPENROUTER_BASE_URL", previous.base);
    restoreEnv("OPENROUTER_PATHS", previous.paths);
    await server.close();
  }
}

function restoreEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/**
 * Deletes the catalogue manifest, as on a deployment from before it: for tests that plant rows the
 * way older versions wrote them.
 */
export async function forgetManifest(t: TestConvex): Promise<void> {
  await t.run(async (ctx) => {
    for (const table of ["manifest_roots", "manifest_bucket_digests", "manifest_chunks"] as const) {
      for (const doc of await ctx.db.query(table).collect()) await ctx.db.delete(doc._id);
    }
  });
}

/** Rows keyed by id with their full content, to tell which documents a run wrote. */
export function byId<Row extends { _id: string }>(rows: Row[]): Map<string, string> {
  return new Map(rows.map((row) => [row._id, JSON.stringify(row)]));
}

/** How many documents differ between two readings of a table: inserted plus changed. */
export function documentsWritten(before: Map<string, string>, after: Map<string, string>): number {
  let written = 0;
  for (const [id, doc] of after) if (before.get(id) !== doc) written++;
  return written;
}

/**
 * Runs one snapshot through `runSnapshot` with an action ctx that counts every `runMutation` and
 * `runQuery` by function name (and what each query returned), so tests count calls
 * without trusting the writer's own statistics.
 */
export async function runCounted(t: TestConvex, args: RunSnapshotArgs) {
  return t.action(async (ctx) => {
    const calls: string[] = [];
    const queries: string[] = [];
    /** What each query returned, per function, in call order. */
    const results = new Map<string, unknown[]>();
    const counting: ActionCtx = {
      ...ctx,
      runMutation: ((reference: FunctionReference<"mutation", "internal">, mutationArgs: Record<string, unknown>) => {
        calls.push(getFunctionName(reference));
        return ctx.runMutation(reference, mutationArgs);
      }) as ActionCtx["runMutation"],
      runQuery: (async (reference: FunctionReference<"query", "internal">, queryArgs: Record<string, unknown>) => {
        const name = getFunctionName(reference);
        queries.push(name);
        const result = await ctx.runQuery(reference, queryArgs);
        results.set(name, [...(results.get(name) ?? []), result]);
        return result;
      }) as ActionCtx["runQuery"],
    };
    const report = await runSnapshot(counting, args);
    return { report, calls, queries, results: Object.fromEntries(results) };
  });
}

export function callsTo(calls: string[], name: string): number {
  return calls.filter((call) => call === name).length;
}

type Piece = { part: number; offset: number; length: number };
export type BundleEntryRead = { type: "models" | "endpoints"; params: string; status?: number; sha256: string; size: number; more?: Piece[] } & Piece;

/**
 * A run's archive bundle read straight from its row and files, with Node's zlib rather than the
 * module's decoder: the row, the index entries, each part's bytes and each entry's raw body.
 * Null when the run has no bundle.
 */
export async function readBundle(t: TestConvex, run_id: Id<"snapshot_runs">) {
  const read = await t.run(async (ctx) => {
    const row = await ctx.db.query("archive_bundles").withIndex("by_run_id", (q) => q.eq("run_id", run_id)).unique();
    if (!row) return null;
    const index = await (await ctx.storage.get(row.index_id))!.arrayBuffer();
    const parts: ArrayBuffer[] = [];
    for (const part of row.parts) parts.push(await (await ctx.storage.get(part.storage_id))!.arrayBuffer());
    return { row, index, parts };
  });
  if (!read) return null;
  const indexJson = gunzipSync(Buffer.from(read.index));
  const entries: BundleEntryRead[] = JSON.parse(indexJson.toString("utf8")).entries;
  const parts = read.parts.map((part) => Buffer.from(part));
  // A body's pieces laid end to end are one multi-member gzip stream.
  const bodyOf = (entry: BundleEntryRead) =>
    gunzipSync(Buffer.concat([entry, ...(entry.more ?? [])].map((piece) => parts[piece.part].subarray(piece.offset, piece.offset + piece.length))));
  return { row: read.row, indexJson, entries, parts, bodyOf };
}
