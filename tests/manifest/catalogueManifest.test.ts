/**
 * The catalogue manifest's pure parts: the chunk encoding round-trips (unicode keys, long keys,
 * every flag), a damaged chunk fails naming where, and the digests mean what the writer relies on:
 * the same listed entries in any order give the same digest; a changed hash, a changed
 * availability or a new listed entry changes it; unlisted entries do not count. What a run saw,
 * packed (`SeenEntries`), gives back the entries it was given.
 */
import { describe, expect, it } from "vitest";
import {
  BUCKET_DIGEST_BYTES,
  bucketDigest,
  bucketOf,
  decodeChunk,
  differingDigests,
  digestBuckets,
  digestEntries,
  encodeChunk,
  MANIFEST_BUCKETS,
  manifestHash,
  manifestKey,
  MANIFEST_SEGMENTS,
  segmentOf,
  type ManifestEntry,
} from "../../src/manifest/catalogueManifest";
import { sha256Hex } from "../../src/lib/canonicalJson";
import { SeenEntries } from "../../src/manifest/seenEntries";

async function endpoint(permaslug: string, id: string, flags: { available?: boolean; listed?: boolean; content?: string } = {}): Promise<ManifestEntry> {
  const parts = [permaslug, "standard", id, permaslug.replace(/-\d+$/, "")];
  const available = flags.available ?? true;
  return { key: manifestKey("or_endpoints", parts), parts, hash: await sha256Hex(flags.content ?? `${permaslug}/${id}`), available, listed: flags.listed ?? available };
}

describe("manifest chunks", () => {
  it("round-trip every field, whatever the key holds", async () => {
    const entries = [
      await endpoint("openai/gpt-5-2026", "0d9c…"),
      await endpoint("qwen/通义-千问", "é".repeat(300), { available: false, listed: false }),
      await endpoint("x/y", "", { available: false, listed: true }),
    ];
    expect(decodeChunk("or_endpoints", encodeChunk(entries))).toEqual(entries);
    const model: ManifestEntry = { key: "anthropic/claude-5", parts: ["anthropic/claude-5"], hash: await sha256Hex("m"), available: true, listed: true };
    expect(decodeChunk("or_models", encodeChunk([model]))).toEqual([model]);
    // An endpoint entry's key is endpointKey's: the JSON of its three key fields.
    expect(entries[0]!.key).toBe(JSON.stringify(["openai/gpt-5-2026", "standard", "0d9c…"]));
  });

  it("a damaged chunk fails naming the byte, and a hash that is not SHA-256 hex is refused at encoding", async () => {
    const bytes = encodeChunk([await endpoint("a/b", "1")]);
    expect(() => decodeChunk("or_endpoints", bytes.subarray(0, bytes.byteLength - 5))).toThrow(/manifest chunk of or_endpoints: truncated at byte \d+ of \d+/);
    const legacy = { ...(await endpoint("a/b", "1")), hash: "legacy" };
    expect(() => encodeChunk([legacy])).toThrow(/64 lowercase hex digits, got "legacy"/);
    // Rows written with another kind of hash read as all zeros: no run's fingerprint equals it.
    expect(manifestHash("legacy")).toBe("0".repeat(64));
    const real = await sha256Hex("x");
    expect(manifestHash(real)).toBe(real);
  });
});

describe("manifest digests", () => {
  it("buckets spread keys over the whole range, the same way every time", () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `provider-${i % 37}/model-${i}`);
    const buckets = keys.map(bucketOf);
    expect(buckets.every((bucket) => Number.isInteger(bucket) && bucket >= 0 && bucket < MANIFEST_BUCKETS)).toBe(true);
    expect(new Set(buckets).size).toBeGreaterThan(MANIFEST_BUCKETS * 0.9);
    expect(keys.map(bucketOf)).toEqual(buckets);
  });

  it("a bucket's digest covers its listed entries, in any order, and nothing else", async () => {
    const a = await endpoint("a/a", "1");
    const b = await endpoint("b/b", "2");
    const gone = await endpoint("c/c", "3", { available: false, listed: false });
    const digest = await bucketDigest([a, b]);
    expect(digest.byteLength).toBe(BUCKET_DIGEST_BYTES);
    expect(await bucketDigest([b, a])).toEqual(digest);
    expect(await bucketDigest([b, gone, a])).toEqual(digest);
    expect(await bucketDigest([a, { ...b, hash: await sha256Hex("changed") }])).not.toEqual(digest);
    expect(await bucketDigest([a, { ...b, available: false }])).not.toEqual(digest);
    expect(await bucketDigest([a, b, { ...gone, listed: true }])).not.toEqual(digest);
    expect(await bucketDigest([gone])).toEqual(new Uint8Array(BUCKET_DIGEST_BYTES));
  });

  it("the root tells an unchanged set from a changed one, and the buckets say which", async () => {
    const entries = await Promise.all(Array.from({ length: 300 }, (_, i) => endpoint(`p${i % 11}/m${i}`, `id-${i}`)));
    const stored = await digestEntries(entries);
    expect((await digestEntries([...entries].reverse())).root).toBe(stored.root);
    const changed = [...entries];
    changed[17] = { ...changed[17]!, hash: await sha256Hex("new price") };
    changed.splice(200, 1);
    const seen = await digestEntries(changed);
    expect(seen.root).not.toBe(stored.root);
    const expected = [...new Set([bucketOf(entries[17]!.key), bucketOf(entries[200]!.key)])].sort((x, y) => x - y);
    expect(differingDigests(seen.buckets, stored.buckets)).toEqual(expected);
    // The segments in the root point at the same buckets: only theirs differ.
    expect(differingDigests(seen.segments, stored.segments)).toEqual([...new Set(expected.map(segmentOf))]);
    expect(seen.segments.byteLength).toBe(MANIFEST_SEGMENTS * BUCKET_DIGEST_BYTES);
  });
});

describe("seen entries, packed", () => {
  it("give back each key's first entry as it was noted, digesting as the same entries held as objects do", async () => {
    const seen = new SeenEntries("or_endpoints");
    const entries = [
      await endpoint("openai/gpt-5-2026", "a"),
      await endpoint("qwen/通义-千问", "é".repeat(300), { content: "second" }),
      // A model slug that is not its permaslug's prefix: it lives outside the key.
      { ...(await endpoint("x/y-3", "z")), parts: ["x/y-3", "standard", "z", "elsewhere/y"] },
    ];
    entries.forEach((entry, index) => seen.add(entry.key, entry.parts, entry.hash, entry.available, 100 + index));
    // A later occurrence of a key changes nothing: the first is what the run saw.
    seen.add(entries[0]!.key, entries[0]!.parts, await sha256Hex("later"), false, 1);
    const withBytes = entries.map((entry, index) => ({ ...entry, bytes: 100 + index }));
    expect(seen.size).toBe(3);
    expect([...seen.values()]).toEqual(withBytes);
    expect(seen.get(entries[2]!.key)).toEqual(withBytes[2]);
    expect(seen.get("nope")).toBeUndefined();
    expect(seen.rowOf(entries[1]!.key)).toBe(1);
    expect((await digestBuckets((bucket) => seen.rowsByBucket()[bucket]!.map((row) => seen.entryAt(row)))).root).toBe((await digestEntries(entries)).root);
  });

  it("grow past their first capacity without losing a hash, keep sizes only when given, and refuse a hash that is not SHA-256 hex", async () => {
    const seen = new SeenEntries("or_models");
    const hashes: string[] = [];
    for (let i = 0; i < 700; i++) {
      hashes.push(await sha256Hex(`model ${i}`));
      seen.add(`m/${i}`, [`m/${i}`], hashes[i]!, i % 3 !== 0);
    }
    expect(seen.size).toBe(700);
    expect(seen.entryAt(698)).toEqual({ key: "m/698", parts: ["m/698"], hash: hashes[698], available: true, listed: true });
    expect(seen.entryAt(0)).toEqual({ key: "m/0", parts: ["m/0"], hash: hashes[0], available: false, listed: true });
    expect([...seen.values()].map((entry) => entry.hash)).toEqual(hashes);
    expect(() => seen.add("bad", ["bad"], "A".repeat(64), true)).toThrow(/64 lowercase hex digits, got "A{64}"/);
    expect(() => seen.add("short", ["short"], "abc", true)).toThrow(/64 lowercase hex digits, got "abc"/);
  });
});
