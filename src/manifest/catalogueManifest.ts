/**
 * The catalogue manifest, as data: what a writer must know of each stored entity row (key,
 * fingerprint, availability), packed into small chunks, with digests that let a run tell an
 * unchanged catalogue from one document.
 *
 * Owns: the entry, its bucket, the chunk encoding, and the digests. Pure: no ctx, no tables. The
 * Convex side (`convex/lib/manifestStore.ts`) keeps chunks and digests in step with the entity
 * rows; the writer (`convex/lib/convexWriter.ts`) builds the same digests from what a run saw.
 *
 * Every row falls in one of `MANIFEST_BUCKETS` buckets by a hash of its key. A bucket's digest
 * covers its *listed* entries: rows a run would see again if nothing changed (available ones, and
 * models listed with no endpoint now). Rows marked unavailable because they vanished are in the
 * chunks (a returning row must be recognised) but not in the digests, since no run sees them. So
 * a run whose own entries give the same digest as the stored manifest has nothing to insert,
 * update or remove in that bucket. Bucket digests are grouped in segments of 32, each segment's
 * digest kept in the root, and the root digest is taken over the segment digests: when all
 * buckets agree, the root agrees, and the run knows it is unchanged from one document; when not,
 * the segment digests say which segments, and those which buckets, to read.
 */
import { bytesOfSha256Hex, concatBytes, hexOf } from "../lib/bytes";

/** Buckets per table: chunks of a few entries at today's catalogue, tens at fifty times it. */
export const MANIFEST_BUCKETS = 1024;
/** Bytes of a bucket's (and a segment's) digest: 64 bits, far past any collision a catalogue could meet. */
export const BUCKET_DIGEST_BYTES = 8;
/**
 * Bucket digests are stored in segments of this many, each with a digest of its own in the root:
 * a change reads and writes the root, its segment (256 bytes) and its chunk, never all 1,024
 * digests.
 */
export const BUCKETS_PER_SEGMENT = 32;
export const MANIFEST_SEGMENTS = MANIFEST_BUCKETS / BUCKETS_PER_SEGMENT;

export type ManifestTable = "or_models" | "or_endpoints";

/**
 * One row's entry. `parts` are the key's fields: `[slug]` for a model, `[model_permaslug,
 * variant, endpoint_id, model_slug]` for an endpoint (the slug is for removal rules, not the key).
 */
export type ManifestEntry = {
  key: string;
  parts: string[];
  /** The row's `content_hash`: SHA-256 hex of its canonical JSON. */
  hash: string;
  available: boolean;
  /** A run would see it again if nothing changed: available, or a model listed with no endpoint now. */
  listed: boolean;
  /** What a run saw only: the UTF-8 size of the canonical JSON its hash was taken over (never stored). */
  bytes?: number;
};

/**
 * The hash an entry keeps for a row's `content_hash`: itself when it is a SHA-256 hex (every hash
 * this module writes), else all zeros, which no run's fingerprint equals, so such a row is
 * rewritten by the next run that sees it.
 */
export function manifestHash(contentHash: string): string {
  return /^[0-9a-f]{64}$/.test(contentHash) ? contentHash : UNKNOWN_HASH;
}
const UNKNOWN_HASH = "0".repeat(64);

const PARTS: Record<ManifestTable, number> = { or_models: 1, or_endpoints: 4 };

/** The key a table's entry is looked up by: the slug, or `endpointKey`'s JSON of the three key fields. */
export function manifestKey(table: ManifestTable, parts: readonly string[]): string {
  return table === "or_models" ? parts[0]! : JSON.stringify([parts[0], parts[1], parts[2]]);
}

/** The bucket of a key: FNV-1a over its UTF-16 code units, so both sides agree without encoding. */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % MANIFEST_BUCKETS;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A chunk's bytes: per entry, each key part as a varint length and its UTF-8, the 32 hash bytes,
 * and one flag byte (1 available, 2 listed).
 */
export function encodeChunk(entries: readonly ManifestEntry[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const entry of entries) {
    for (const part of entry.parts) {
      const bytes = encoder.encode(part);
      pieces.push(varint(bytes.byteLength), bytes);
    }
    pieces.push(bytesOfSha256Hex(entry.hash, "manifest entry hash"), Uint8Array.of((entry.available ? 1 : 0) | (entry.listed ? 2 : 0)));
  }
  return concatBytes(pieces);
}

/** Reads a chunk back; throws, naming the offset, on bytes that are not one. */
export function decodeChunk(table: ManifestTable, bytes: Uint8Array): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  let offset = 0;
  const need = (count: number) => {
    if (offset + count > bytes.byteLength) throw new Error(`manifest chunk of ${table}: truncated at byte ${offset} of ${bytes.byteLength}`);
  };
  while (offset < bytes.byteLength) {
    const parts: string[] = [];
    for (let i = 0; i < PARTS[table]; i++) {
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        need(1);
        const byte = bytes[offset++]!;
        size |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
      need(size);
      parts.push(decoder.decode(bytes.subarray(offset, offset + size)));
      offset += size;
    }
    need(33);
    const hash = hexOf(bytes.subarray(offset, offset + 32));
    const flags = bytes[offset + 32]!;
    offset += 33;
    entries.push({ key: manifestKey(table, parts), parts, hash, available: (flags & 1) !== 0, listed: (flags & 2) !== 0 });
  }
  return entries;
}

/**
 * A bucket's digest: the first 8 bytes of the SHA-256 of its listed entries (key, hash,
 * availability), in key order. No listed entry: eight zero bytes, so empty buckets need no chunk.
 */
export async function bucketDigest(entries: Iterable<ManifestEntry>): Promise<Uint8Array> {
  const listed = [...entries].filter((entry) => entry.listed).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (listed.length === 0) return new Uint8Array(BUCKET_DIGEST_BYTES);
  const text = listed.map((entry) => `${entry.key}\u0000${entry.hash}\u0000${entry.available ? 1 : 0}\n`).join("");
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return new Uint8Array(digest, 0, BUCKET_DIGEST_BYTES).slice();
}

/** Every bucket's digest laid end to end, all empty. */
export function emptyBucketDigests(): Uint8Array {
  return new Uint8Array(MANIFEST_BUCKETS * BUCKET_DIGEST_BYTES);
}

export function digestOfBucket(digests: Uint8Array, bucket: number): Uint8Array {
  return digests.subarray(bucket * BUCKET_DIGEST_BYTES, (bucket + 1) * BUCKET_DIGEST_BYTES);
}

export function segmentOf(bucket: number): number {
  return Math.floor(bucket / BUCKETS_PER_SEGMENT);
}

/** One segment's bucket digests (256 bytes), a view into all of them. */
export function segmentBuckets(digests: Uint8Array, segment: number): Uint8Array {
  const size = BUCKETS_PER_SEGMENT * BUCKET_DIGEST_BYTES;
  return digests.subarray(segment * size, (segment + 1) * size);
}

/** A segment's digest: the first 8 bytes of the SHA-256 of its 32 bucket digests. */
export async function segmentDigest(bucketDigests: Uint8Array): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", bucketDigests.slice() as Uint8Array<ArrayBuffer>);
  return new Uint8Array(digest, 0, BUCKET_DIGEST_BYTES).slice();
}

/** Every segment's digest, laid end to end. */
export async function segmentDigests(digests: Uint8Array): Promise<Uint8Array> {
  const segments = new Uint8Array(MANIFEST_SEGMENTS * BUCKET_DIGEST_BYTES);
  for (let segment = 0; segment < MANIFEST_SEGMENTS; segment++) segments.set(await segmentDigest(segmentBuckets(digests, segment)), segment * BUCKET_DIGEST_BYTES);
  return segments;
}

/** The root digest: SHA-256 hex of all segment digests. */
export async function rootDigest(segments: Uint8Array): Promise<string> {
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", segments as Uint8Array<ArrayBuffer>)));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The segment digests and root of a table with no listed row. */
export async function emptyManifestDigests(): Promise<{ segments: Uint8Array; root: string }> {
  const segments = await segmentDigests(emptyBucketDigests());
  return { segments, root: await rootDigest(segments) };
}

/** Positions (buckets, or segments) whose 8-byte digests differ between two arrays of digests of the same length. */
export function differingDigests(a: Uint8Array, b: Uint8Array): number[] {
  const differing: number[] = [];
  for (let position = 0; position * BUCKET_DIGEST_BYTES < a.byteLength; position++) {
    const start = position * BUCKET_DIGEST_BYTES;
    for (let i = start; i < start + BUCKET_DIGEST_BYTES; i++) {
      if (a[i] !== b[i]) {
        differing.push(position);
        break;
      }
    }
  }
  return differing;
}

/** Entries grouped by bucket, with every bucket's and segment's digest and the root: a table's manifest, or what a run saw of it. */
export type ManifestDigests = { byBucket: Map<number, ManifestEntry[]>; buckets: Uint8Array; segments: Uint8Array; root: string };

export async function digestEntries(entries: Iterable<ManifestEntry>): Promise<ManifestDigests> {
  const byBucket = new Map<number, ManifestEntry[]>();
  for (const entry of entries) {
    const bucket = bucketOf(entry.key);
    const list = byBucket.get(bucket);
    if (list) list.push(entry);
    else byBucket.set(bucket, [entry]);
  }
  return { byBucket, ...(await digestBuckets((bucket) => byBucket.get(bucket) ?? [])) };
}

/**
 * Every bucket's digest, the segments' and the root, asking for one bucket's entries at a time
 * (so they need not all exist at once as objects).
 */
export async function digestBuckets(entriesOf: (bucket: number) => ManifestEntry[]): Promise<Omit<ManifestDigests, "byBucket">> {
  const buckets = emptyBucketDigests();
  for (let bucket = 0; bucket < MANIFEST_BUCKETS; bucket++) {
    const entries = entriesOf(bucket);
    if (entries.length > 0) buckets.set(await bucketDigest(entries), bucket * BUCKET_DIGEST_BYTES);
  }
  const segments = await segmentDigests(buckets);
  return { buckets, segments, root: await rootDigest(segments) };
}

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Uint8Array.from(bytes);
}
