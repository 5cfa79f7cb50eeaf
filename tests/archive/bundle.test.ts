// @vitest-environment node
/**
 * The bundle format on the real May 2025 recording and hand-made bodies: parts closed at the cap,
 * each body one gzip member found again through the index (checked here with Node's zlib, not the
 * module's own decoder), a corrupted member or index named, and the raw-bodies digest.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { hashBody } from "../../src/archive/archiveCodec";
import { BUNDLE_PART_CAP_BYTES, createBundleBuilder, decodeBundleIndex, gunzipBody, piecesOf, rawBodiesDigest, readMember, type BodyPiece, type ClosedPart } from "../../src/archive/bundle";
import { loadGolden, MODELS_KEY } from "../support/recording";

const golden = loadGolden();
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const concat = (part: ClosedPart) => Buffer.concat(part.members);

async function* fromPieces(parts: Buffer[], pieces: BodyPiece[]): AsyncIterable<Uint8Array> {
  for (const piece of pieces) yield parts[piece.part].subarray(piece.offset, piece.offset + piece.length);
}

/** The recording's bodies as requests: the models list, then every endpoint list. */
const bodies = Object.entries(golden).map(([key, value]) => {
  const [, query = ""] = key.split("?");
  return { type: key === MODELS_KEY ? ("models" as const) : ("endpoints" as const), params: query, text: JSON.stringify(value) };
});

async function build(cap: number) {
  const builder = createBundleBuilder(cap);
  const parts: Buffer[] = [];
  for (const body of bodies) for (const part of builder.add(body, await hashBody(body.text))) parts[part.part] = concat(part);
  const { last, index, parts: count } = await builder.finish();
  if (last) parts[last.part] = concat(last);
  return { builder, parts, index, count };
}

describe("bundle parts and index", () => {
  it("closes a part at the cap, and every body is its own gzip member, found through the index", async () => {
    const cap = 64 * 1024;
    const { builder, parts, index, count } = await build(cap);
    const json = gunzipSync(index.gzipped);
    expect(sha256(json)).toBe(index.sha256);
    const parsed = JSON.parse(json.toString("utf8"));
    expect(parsed.entries).toHaveLength(bodies.length);
    expect(parts).toHaveLength(count);
    // Only a body larger than the cap (the models list, compressed) makes a part over it, alone;
    // each part but the last was closed because the next member would not fit.
    expect(count).toBeGreaterThan(1);
    parts.forEach((part, n) => {
      if (part.byteLength > cap) expect(parsed.entries.filter((entry: { part: number }) => entry.part === n)).toHaveLength(1);
    });
    expect(parts.filter((part) => part.byteLength > cap)).toHaveLength(1);
    for (let part = 0; part < count - 1; part++) {
      const next = parsed.entries.find((entry: { part: number; offset: number }) => entry.part === part + 1 && entry.offset === 0);
      expect(parts[part].byteLength + next.length).toBeGreaterThan(cap);
    }
    expect(builder.rawBytes).toBe(bodies.reduce((sum, body) => sum + Buffer.byteLength(body.text), 0));
    bodies.forEach((body, i) => {
      const entry = parsed.entries[i];
      expect(entry).toMatchObject({ type: body.type, params: body.params, sha256: sha256(body.text), size: Buffer.byteLength(body.text) });
      const member = parts[entry.part].subarray(entry.offset, entry.offset + entry.length);
      expect(gunzipSync(member).toString("utf8")).toBe(body.text);
    });
    // A part is a valid multi-member gzip file: it decompresses to its bodies end to end.
    const inFirst = parsed.entries.filter((entry: { part: number }) => entry.part === 0).map((entry: { params: string }) => bodies.find((b) => b.params === entry.params)!.text);
    expect(gunzipSync(parts[0]).toString("utf8")).toBe(inFirst.join(""));
  });

  it("with the default cap, the whole recording is one part", async () => {
    const { count, builder } = await build(BUNDLE_PART_CAP_BYTES);
    expect(builder.compressedBytes).toBeLessThan(BUNDLE_PART_CAP_BYTES);
    expect(count).toBe(1);
  });

  it("puts a body larger than the cap in a part of its own, and keeps a 404 as an empty body", async () => {
    const builder = createBundleBuilder(100);
    const big = "x".repeat(10_000) + Array.from({ length: 2000 }, (_, i) => i).join(",");
    const closed: ClosedPart[] = [];
    closed.push(...builder.add({ type: "endpoints", params: "a=1" }, await hashBody("{}")));
    closed.push(...builder.add({ type: "endpoints", params: "a=2" }, await hashBody(big)));
    closed.push(...builder.add({ type: "endpoints", params: "a=3", status: 404 }, await hashBody("")));
    const { last, index } = await builder.finish();
    // "{}" alone (the big body would overflow it), the big body alone (over the cap), then the 404.
    expect(closed.map((part) => part.members.length)).toEqual([1, 1]);
    expect(last!.members).toHaveLength(1);
    const entries = (await decodeBundleIndex(index.gzipped, index.sha256)).entries;
    expect(entries.map((entry) => [entry.part, entry.offset])).toEqual([[0, 0], [1, 0], [2, 0]]);
    expect(entries[2]).toMatchObject({ status: 404, size: 0, sha256: sha256("") });
    expect(new TextDecoder().decode(await readMember(concat(last!), entries[2]))).toBe("");
  });
});

describe("reading a member back", () => {
  it("names the request whose body does not match its SHA-256, is cut short or is not gzip", async () => {
    const builder = createBundleBuilder();
    builder.add({ type: "endpoints", params: "permaslug=x&variant=free" }, await hashBody('{"data":[1]}'));
    const { last, index } = await builder.finish();
    const part = concat(last!);
    const [entry] = (await decodeBundleIndex(index.gzipped, index.sha256)).entries;
    expect(new TextDecoder().decode(await readMember(part, entry))).toBe('{"data":[1]}');
    await expect(readMember(part, { ...entry, sha256: sha256("something else") })).rejects.toThrow(
      "the archived body of endpoints?permaslug=x&variant=free does not match its SHA-256 in the bundle index",
    );
    await expect(readMember(part.subarray(0, 5), entry)).rejects.toThrow(/endpoints\?permaslug=x&variant=free lies past the end of its part/);
    const garbled = Buffer.from(part);
    garbled.fill(0, 0, 4);
    await expect(readMember(garbled, entry)).rejects.toThrow(/endpoints\?permaslug=x&variant=free is not valid gzip/);
  });

  it("refuses an index whose SHA-256 or shape is wrong", async () => {
    const { index } = await build(4 * 1024 * 1024);
    await expect(decodeBundleIndex(index.gzipped, sha256("other"))).rejects.toThrow(/the bundle index does not match its SHA-256/);
    const bad = gzipSync(JSON.stringify({ format: "openrouter-snapshots/bundle-index@1", parts: 1, entries: [{ type: "models" }] }));
    await expect(decodeBundleIndex(bad, sha256(gunzipSync(bad)))).rejects.toThrow(/the bundle index is malformed: entries\.0\.params/);
  });
});

describe("the raw-bodies digest", () => {
  it("does not depend on arrival order, changes with any body or status, and never looks like a content digest", async () => {
    const a = { type: "models" as const, params: "", sha256: sha256("a") };
    const b = { type: "endpoints" as const, params: "p=1", sha256: sha256("b") };
    expect(await rawBodiesDigest([a, b])).toBe(await rawBodiesDigest([b, a]));
    expect(await rawBodiesDigest([a, b])).not.toBe(await rawBodiesDigest([a, { ...b, sha256: sha256("c") }]));
    expect(await rawBodiesDigest([a, b])).not.toBe(await rawBodiesDigest([a, { ...b, status: 404 }]));
    expect(await rawBodiesDigest([a])).toMatch(/^raw:[0-9a-f]{64}$/);
  });
});

describe("a body compressed as it streams in", () => {
  const text = JSON.stringify(golden[MODELS_KEY]);
  const bytes = new TextEncoder().encode(text);

  /** Streams the models list into a bundle in chunks of `size`, an endpoint body arriving half way. */
  async function streamed(cap: number, size: number) {
    const builder = createBundleBuilder(cap);
    const parts: Buffer[] = [];
    const keep = (closed: ClosedPart[]) => closed.forEach((part) => (parts[part.part] = concat(part)));
    const stream = builder.beginStream({ type: "models", params: "" });
    for (let start = 0; start < bytes.byteLength; start += size) {
      keep(stream.push(bytes.subarray(start, start + size)));
      if (start <= bytes.byteLength / 2 && start + size > bytes.byteLength / 2) keep(builder.add({ type: "endpoints", params: "permaslug=a&variant=standard" }, await hashBody('{"data":[]}')));
    }
    keep(stream.end());
    const { last, index } = await builder.finish();
    if (last) parts[last.part] = concat(last);
    const entries = (await decodeBundleIndex(index.gzipped, index.sha256)).entries;
    return { parts, entries, models: entries.find((entry) => entry.type === "models")! };
  }

  it("is the same body and hash, whatever the chunks; cut into pieces across parts, which gunzip end to end to the body", async () => {
    for (const size of [1_000, 65_536, bytes.byteLength]) {
      const { parts, models } = await streamed(64 * 1024, size);
      expect(models).toMatchObject({ size: bytes.byteLength, sha256: sha256(bytes) });
      const pieces = piecesOf(models);
      // About a quarter of a part each: the list (about 210 KB compressed) is several pieces in several parts.
      expect(pieces.length).toBeGreaterThan(4);
      expect(new Set(pieces.map((piece) => piece.part)).size).toBeGreaterThan(1);
      for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(64 * 1024);
      const compressed = Buffer.concat(pieces.map((piece) => parts[piece.part].subarray(piece.offset, piece.offset + piece.length)));
      expect(gunzipSync(compressed).toString("utf8")).toBe(text);
      const chunks: Uint8Array[] = [];
      for await (const chunk of gunzipBody(fromPieces(parts, pieces), models)) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString("utf8")).toBe(text);
    }
  });

  it("names the body whose pieces are garbled, cut short or do not match its hash", async () => {
    const { parts, models } = await streamed(64 * 1024, 65_536);
    const pieces = piecesOf(models);
    const read = async (from: Buffer[], entry = models) => {
      for await (const _ of gunzipBody(fromPieces(from, piecesOf(entry)), entry));
    };
    await expect(read(parts, { ...models, sha256: sha256("other") })).rejects.toThrow(/the archived body of models does not match its SHA-256 in the bundle index \(\d+ pieces from part 0\)/);
    const garbled = parts.map((part) => Buffer.from(part));
    garbled[pieces[1].part].fill(7, pieces[1].offset, pieces[1].offset + 64);
    await expect(read(garbled)).rejects.toThrow(/the archived body of models is not valid gzip/);
    await expect(read(parts, { ...models, more: models.more!.slice(0, -1) })).rejects.toThrow(/the archived body of models (is cut short|does not match)/);
  });
});

