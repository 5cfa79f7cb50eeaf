/**
 * Bench only: one run of the real action-side code (`runSnapshot`: fetch, archive, validate,
 * consolidate, decide, batch) in a process of its own, so its V8 heap can be capped the way a
 * Convex action's 64 MiB is. The database is not in this process, as it is not in an action:
 * a stand-in ctx answers the queries with an empty table and a complete, empty catalogue
 * manifest (so the run takes the cron's path: it decides from the manifest, at the end), and
 * serialises each mutation's arguments, as Convex would, then drops them. File storage is not in
 * an action's memory either: stored files go to a temporary directory, and a file read back
 * (`storage.get`, as the run reads its archive back) is read whole into memory, as a download
 * would be, and counted. Prints one JSON line, with the peak of the V8 heap
 * and the peak of heap plus off-heap memory (`external`, which includes `arrayBuffers`: response
 * bytes, compression buffers), since an action's 64 MiB holds both.
 *
 * Two options make the other hours of a cron's life:
 * - `--record-rows=<file>` appends, per entity row written, its manifest entry as a JSON line
 *   (parts, content hash, availability): what the stored manifest holds after this run;
 * - `--manifest=<dir>` decides from a stored manifest kept in files (`bench.ts` writes them from
 *   recorded rows: `roots.json`, each table's bucket digests, one file per chunk), read a query
 *   at a time as a deployment would: equal to the run, it is an unchanged hour; with every hash
 *   different, an hour in which every entity changed.
 *
 *   node --max-old-space-size=64 heapProbe.mjs <baseUrl> [v1|legacy-2025] [--record-rows=<file>] [--manifest=<dir>]
 */
import { getFunctionName, type FunctionReference } from "convex/server";
import type { ActionCtx } from "../convex/_generated/server";
import { runSnapshot } from "../convex/lib/runSnapshot";
import type { UpstreamPaths } from "../src/sources/requestKey";
import { BUCKET_DIGEST_BYTES, BUCKETS_PER_SEGMENT, emptyManifestDigests } from "../src/manifest/catalogueManifest";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const baseUrl = process.argv[2];
const paths = (process.argv[3] ?? "v1") as UpstreamPaths;
const option = (name: string) =>
  process.argv
    .slice(4)
    .find((arg) => arg.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const recordRowsTo = option("record-rows");
const manifestDir = option("manifest");
let peak = 0;
let peakTotal = 0;
const sample = () => {
  const { heapUsed, external } = process.memoryUsage();
  peak = Math.max(peak, heapUsed);
  peakTotal = Math.max(peakTotal, heapUsed + external);
};
const sampler = setInterval(sample, 1);

function functionName(reference: unknown): string {
  return getFunctionName(reference as FunctionReference<"query" | "mutation">);
}

let serialisedBytes = 0;
const storageDir = mkdtempSync(join(tmpdir(), "heap-probe-storage-"));
process.on("exit", () => rmSync(storageDir, { recursive: true, force: true }));
let storedFiles = 0;

/** A downloaded file: its bytes in an ArrayBuffer of this process, so they count as off-heap memory. */
class BytesBlob {
  constructor(private readonly bytes: Uint8Array) {}
  get size() {
    return this.bytes.byteLength;
  }
  slice(start?: number, end?: number) {
    return new BytesBlob(this.bytes.subarray(start, end));
  }
  async arrayBuffer() {
    return this.bytes.slice().buffer;
  }
}
// A complete catalogue manifest, empty unless `--manifest` gives one: the run decides from it, as the hourly cron does.
const empty = await emptyManifestDigests();
const emptyRoot = { digest: empty.root, segments: empty.segments.buffer, entries: 0, newest_as_of: null, complete: true, rebuilding_since: null };
type StoredRoot = { digest: string; segments: string; entries: number };
const storedRoots = manifestDir ? (JSON.parse(readFileSync(join(manifestDir, "roots.json"), "utf8")) as Record<string, StoredRoot>) : null;
const rootOf = (table: string) => {
  const root = storedRoots?.[table];
  return root ? { ...emptyRoot, digest: root.digest, segments: bufferOf(Buffer.from(root.segments, "hex")), entries: root.entries } : emptyRoot;
};
function bufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
const ctx = {
  async runQuery(reference: unknown, args: { table?: string; segments?: number[]; buckets?: number[] }) {
    sample();
    const name = functionName(reference);
    if (name === "manifest:roots") return { or_models: rootOf("or_models"), or_endpoints: rootOf("or_endpoints") };
    if (name === "manifest:bucketDigests") {
      if (!manifestDir) return { complete: true, segments: [] };
      const digests = readFileSync(join(manifestDir, `${args.table}.buckets`));
      const size = BUCKETS_PER_SEGMENT * BUCKET_DIGEST_BYTES;
      return { complete: true, segments: args.segments!.map((segment) => ({ segment, digests: bufferOf(digests.subarray(segment * size, (segment + 1) * size)) })) };
    }
    if (name === "manifest:chunks") {
      if (!manifestDir) return { complete: true, chunks: [] };
      const files = args.buckets!.map((bucket) => ({ bucket, file: join(manifestDir, `${args.table}.${bucket}.chunk`) })).filter(({ file }) => existsSync(file));
      return { complete: true, chunks: files.map(({ bucket, file }) => ({ bucket, entries: bufferOf(readFileSync(file)) })) };
    }
    return { page: [], isDone: true, continueCursor: "" };
  },
  async runMutation(reference: unknown, args: unknown) {
    serialisedBytes += JSON.stringify(args).length;
    sample();
    const name = functionName(reference);
    if (name.endsWith("snapshot_runs:start")) return { run_id: "run", skipped_for: null, took_over_from: null, newer: null };
    if (name.endsWith("applyBatch")) {
      if (recordRowsTo) appendFileSync(recordRowsTo, rowEntries(args as BatchArgs));
      // What the mutation returns, with no change rows (the probe keeps no tables).
      return { inserted: 0, updated: 0, unchanged: 0, stale: 0, marked: 0, events: 0, paths: [] };
    }
    return null;
  },
  storage: {
    async store(blob: Blob) {
      sample();
      const id = `file-${storedFiles++}`;
      writeFileSync(join(storageDir, id), new Uint8Array(await blob.arrayBuffer()));
      return id;
    },
    async get(id: string) {
      sample();
      return new BytesBlob(new Uint8Array(readFileSync(join(storageDir, id))));
    },
  },
} as unknown as ActionCtx;

type BatchArgs = {
  models: { value: { slug: string }; content_hash: string; available: boolean }[];
  endpoints: { value: { model_permaslug: string; variant: string; endpoint_id: string; model_slug: string }; content_hash: string }[];
};

/** The manifest entries of a batch's rows, one JSON line each: every row written by a run is one it saw, so listed. */
function rowEntries({ models, endpoints }: BatchArgs): string {
  const lines = [
    ...models.map(({ value, content_hash, available }) => ({ table: "or_models", parts: [value.slug], hash: content_hash, available })),
    ...endpoints.map(({ value: { model_permaslug, variant, endpoint_id, model_slug }, content_hash }) => ({
      table: "or_endpoints",
      parts: [model_permaslug, variant, endpoint_id, model_slug],
      hash: content_hash,
      available: true,
    })),
  ];
  return lines.map((line) => `${JSON.stringify(line)}\n`).join("");
}

process.env.OPENROUTER_BASE_URL = baseUrl;
console.log = () => undefined;
console.warn = () => undefined;
try {
  const report = await runSnapshot(ctx, { snapshot_at: 0, paths, remote: { maxBodyBytes: 256 * 1024 * 1024 } });
  sample();
  clearInterval(sampler);
  process.stdout.write(
    `${JSON.stringify({ ok: report.status === "ok", status: report.status, error: report.error, peakHeapBytes: peak, peakTotalBytes: peakTotal, models: report.models.total, endpoints: report.endpoints.total, serialisedBytes })}\n`,
  );
} catch (error) {
  clearInterval(sampler);
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error), peakHeapBytes: peak, peakTotalBytes: peakTotal })}\n`,
  );
}
