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
 *   node --max-old-space-size=64 heapProbe.mjs <baseUrl> [v1|legacy-2025]
 */
import { getFunctionName, type FunctionReference } from "convex/server";
import type { ActionCtx } from "../convex/_generated/server";
import { runSnapshot } from "../convex/lib/runSnapshot";
import type { UpstreamPaths } from "../src/sources/requestKey";
import { emptyManifestDigests } from "../src/manifest/catalogueManifest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const baseUrl = process.argv[2];
const paths = (process.argv[3] ?? "v1") as UpstreamPaths;
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
// A complete, empty catalogue manifest: the run decides from it, as the hourly cron does.
const empty = await emptyManifestDigests();
const emptyRoot = { digest: empty.root, segments: empty.segments.buffer, entries: 0, newest_as_of: null, complete: true, rebuilding_since: null };
const ctx = {
  async runQuery(reference: unknown) {
    sample();
    const name = functionName(reference);
    if (name === "manifest:roots") return { or_models: emptyRoot, or_endpoints: emptyRoot };
    if (name === "manifest:bucketDigests") return { complete: true, segments: [] };
    if (name === "manifest:chunks") return { complete: true, chunks: [] };
    return { page: [], isDone: true, continueCursor: "" };
  },
  async runMutation(reference: unknown, args: unknown) {
    serialisedBytes += JSON.stringify(args).length;
    sample();
    const name = functionName(reference);
    if (name.endsWith("snapshot_runs:start")) return { run_id: "run", skipped_for: null, took_over_from: null, newer: null };
    if (name.endsWith("applyBatch")) return { inserted: 0, updated: 0, unchanged: 0, marked: 0 };
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
  process.stdout.write(`${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error), peakHeapBytes: peak, peakTotalBytes: peakTotal })}\n`);
}
