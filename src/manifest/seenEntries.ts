/**
 * SeenEntries: what a run saw of one table, as manifest entries, packed.
 *
 * Owns: keeping one entry per key (the first one seen) at a fraction of what an object per entry
 * weighs. At fifty times today's catalogue a run sees about 41,000 entities, and keeps each one's
 * key, fingerprint, size and availability until the end: as objects (an entry, its parts array,
 * its parts, a 64-character hash) an endpoint's took about 590 bytes, here about 270 (measured
 * with keys of today's lengths). The key (and an endpoint's model slug) stay strings; the
 * fingerprint's 32 bytes, the size and the flags go in typed arrays. An entry object is made only
 * when asked for (`entryAt`), and let go by whoever asked. Pure: no ctx.
 */
import { bytesOfSha256Hex, hexOf } from "../lib/bytes";
import { compactString } from "../lib/compactString";
import { bucketOf, MANIFEST_BUCKETS, type ManifestEntry, type ManifestTable } from "./catalogueManifest";

const HASH_BYTES = 32;
const AVAILABLE = 1;
const HAS_BYTES = 2;

export class SeenEntries {
  private readonly rows = new Map<string, number>();
  private readonly keys: string[] = [];
  /** An endpoint's model slug (its fourth part, not in its key); empty for models. */
  private readonly modelSlugs: string[] = [];
  private hashes = new Uint8Array(HASH_BYTES * 256);
  private sizes = new Uint32Array(256);
  private flags = new Uint8Array(256);

  constructor(readonly table: ManifestTable) {}

  get size(): number {
    return this.keys.length;
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  /** The row of a key, or undefined when the run did not see it. */
  rowOf(key: string): number | undefined {
    return this.rows.get(key);
  }

  keyAt(row: number): string {
    return this.keys[row]!;
  }

  /**
   * Notes an entry unless its key was seen already (the first occurrence is what the run saw).
   * `parts` as `ManifestEntry` has them; `hash` is SHA-256 hex.
   */
  add(key: string, parts: readonly string[], hash: string, available: boolean, bytes?: number): void {
    if (this.rows.has(key)) return;
    const row = this.keys.length;
    if (row === this.flags.length) this.grow();
    const kept = compactString(key);
    this.rows.set(kept, row);
    this.keys.push(kept);
    if (this.table === "or_endpoints") this.modelSlugs.push(parts[3]!);
    this.hashes.set(bytesOfSha256Hex(hash, "seen entry hash"), row * HASH_BYTES);
    this.sizes[row] = bytes ?? 0;
    this.flags[row] = (available ? AVAILABLE : 0) | (bytes !== undefined ? HAS_BYTES : 0);
  }

  /** The entry of a row, as an object of its own. Every seen entry is listed: the run saw it. */
  entryAt(row: number): ManifestEntry {
    const key = this.keys[row]!;
    const flags = this.flags[row]!;
    const parts = this.table === "or_models" ? [key] : [...(JSON.parse(key) as [string, string, string]), this.modelSlugs[row]!];
    const entry: ManifestEntry = { key, parts, hash: this.hashAt(row), available: (flags & AVAILABLE) !== 0, listed: true };
    if (flags & HAS_BYTES) entry.bytes = this.sizes[row];
    return entry;
  }

  get(key: string): ManifestEntry | undefined {
    const row = this.rows.get(key);
    return row === undefined ? undefined : this.entryAt(row);
  }

  hashAt(row: number): string {
    return hexOf(this.hashes.subarray(row * HASH_BYTES, (row + 1) * HASH_BYTES));
  }

  /** Every entry, in the order first seen, one object at a time. */
  *values(): IterableIterator<ManifestEntry> {
    for (let row = 0; row < this.keys.length; row++) yield this.entryAt(row);
  }

  /** Rows per bucket (`bucketOf` their key), for digests taken a bucket at a time. */
  rowsByBucket(): number[][] {
    const byBucket: number[][] = Array.from({ length: MANIFEST_BUCKETS }, () => []);
    for (let row = 0; row < this.keys.length; row++) byBucket[bucketOf(this.keys[row]!)]!.push(row);
    return byBucket;
  }

  private grow() {
    const capacity = this.flags.length * 2;
    const hashes = new Uint8Array(capacity * HASH_BYTES);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const sizes = new Uint32Array(capacity);
    sizes.set(this.sizes);
    this.sizes = sizes;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
  }
}
