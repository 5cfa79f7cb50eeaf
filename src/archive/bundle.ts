/**
 * The archive bundle format: all the raw bodies one run received, in a few files instead of one
 * file per body.
 *
 * - A **part** is gzip members laid end to end (so a part is itself a valid multi-member gzip
 *   file: `gunzip` prints the bodies one after another). A body read whole is one member; a body
 *   that streams in (the models list, tens of MB on a large catalogue) is cut into members of
 *   about a quarter of a part as it is compressed, its **pieces**, which may lie in several parts.
 *   A part is closed when it reaches `BUNDLE_PART_CAP_BYTES` compressed, so memory stays bounded at
 *   any catalogue size; only a single body read whole and larger than the cap makes a larger part,
 *   alone.
 * - The **index** lists each request (type, sorted query, HTTP status when not 200), the SHA-256
 *   and size of its raw body, and where its pieces lie (part number, byte offset and length; a
 *   body of several pieces lists the rest under `more`, in order). It is stored gzip-compressed as
 *   a file of its own; the database row holds only its SHA-256. Format `@1` (before pieces) reads
 *   as `@2` with one piece per body.
 *
 * Owns: building a bundle body by body, encoding and checking the index, reading a body back
 * from its pieces and checking it against the index, and the fallback digest of a run's raw bodies. Pure and
 * web-standard (fflate, `crypto.subtle`): where the files go is the archiver's business.
 */
import { Gunzip, Gzip, gunzipSync } from "fflate";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { z } from "zod";
import { sha256Hex } from "../lib/canonicalJson";
import { concatBytes } from "../lib/bytes";
import { compactString } from "../lib/compactString";
import { archiveKey, type RequestType } from "../sources/requestKey";
import { compressBody, type CompressedBody, type HashedBody } from "./archiveCodec";

/** Raw bytes compressed at a time by a streamed body: a piece can end after each. */
const STREAM_STEP_BYTES = 64 * 1024;

/**
 * Compressed bytes at which a part is closed and stored. A run holds about two parts at most (the
 * open one, and one read back), so this bounds what archival costs an action's 64 MiB; today's
 * catalogue (about 0.9 MiB compressed an hour) still fits one part.
 */
export const BUNDLE_PART_CAP_BYTES = 1024 * 1024;

export const BUNDLE_INDEX_FORMAT = "openrouter-snapshots/bundle-index@2";
/** Indexes written before bodies could be cut into pieces: the same, with one piece per body. */
const BUNDLE_INDEX_FORMAT_1 = "openrouter-snapshots/bundle-index@1";

const PieceSchema = z
  .object({
    part: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive(),
  })
  .strict();

const BundleEntrySchema = z
  .object({
    type: z.enum(["models", "endpoints"]),
    /** The request's sorted query string ("" for the models list). */
    params: z.string(),
    /** Absent for a 200. 404: an endpoint list that answered "no endpoints now" (an empty body). */
    status: z.number().int().optional(),
    /** SHA-256 hex of the raw body. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** Raw body bytes. */
    size: z.number().int().nonnegative(),
    /** Where its (first) piece lies. */
    part: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive(),
    /** A body in several pieces: the others, in order. */
    more: z.array(PieceSchema).optional(),
  })
  .strict();

export const BundleIndexSchema = z
  .object({
    format: z.enum([BUNDLE_INDEX_FORMAT, BUNDLE_INDEX_FORMAT_1]),
    parts: z.number().int().nonnegative(),
    entries: z.array(BundleEntrySchema),
  })
  .strict();

export type BundleEntry = z.output<typeof BundleEntrySchema>;
/** Where one gzip member of a body lies. */
export type BodyPiece = z.output<typeof PieceSchema>;

/** A body's pieces, in order. */
export function piecesOf(entry: Pick<BundleEntry, "part" | "offset" | "length" | "more">): BodyPiece[] {
  return [{ part: entry.part, offset: entry.offset, length: entry.length }, ...(entry.more ?? [])];
}

/** Compressed bytes of all of a body's pieces. */
export function compressedLength(entry: Pick<BundleEntry, "length" | "more">): number {
  return (entry.more ?? []).reduce((sum, piece) => sum + piece.length, entry.length);
}
export type BundleIndex = z.output<typeof BundleIndexSchema>;

/** A closed part: its members in order, to be stored as one file. */
export type ClosedPart = { part: number; members: Uint8Array[]; compressed_size: number };

export type BundleRequest = { type: RequestType; params: string; status?: number };

/** The index, encoded: gzip bytes to store, and the SHA-256 and size of its JSON. */
export type EncodedIndex = { gzipped: Uint8Array; sha256: string; size: number };

/**
 * Builds one run's bundle body by body. `add` is synchronous, so bodies arriving concurrently are
 * appended whole, one after another.
 *
 * @example
 * const builder = createBundleBuilder();
 * for (const part of builder.add({ type: "models", params: "" }, await hashBody(text))) await store(part);
 * const { last, index } = await builder.finish(); // store `last` (if any), then `index.gzipped`
 */
export function createBundleBuilder(partCapBytes = BUNDLE_PART_CAP_BYTES) {
  if (!(partCapBytes > 0)) throw new Error(`partCapBytes must be positive, got ${partCapBytes}`);
  const entries = new PackedEntries();
  /** Each request's entry, by type and query (the entry's own string), for reading a body back during the run. */
  const byName: Record<RequestType, Map<string, number>> = { models: new Map(), endpoints: new Map() };
  let part = 0;
  let members: Uint8Array[] = [];
  let partSize = 0;
  let rawBytes = 0;
  let compressedBytes = 0;
  let finished = false;

  function close(): ClosedPart {
    const closed = { part, members, compressed_size: partSize };
    part++;
    members = [];
    partSize = 0;
    return closed;
  }

  /** Appends one gzip member to the open part (closing it first when the member would overflow it, and after when full). */
  function appendPiece(member: Uint8Array[], length: number, closed: ClosedPart[]): BodyPiece {
    if (partSize > 0 && partSize + length > partCapBytes) closed.push(close());
    const piece = { part, offset: partSize, length };
    members.push(...member);
    partSize += length;
    compressedBytes += length;
    if (partSize >= partCapBytes) closed.push(close());
    return piece;
  }

  function record(request: BundleRequest, body: Pick<HashedBody, "sha256" | "size">, pieces: BodyPiece[]) {
    const [first, ...more] = pieces;
    const params = compactString(request.params);
    byName[request.type].set(params, entries.length);
    entries.push({
      type: request.type,
      params,
      ...(request.status !== undefined && request.status !== 200 ? { status: request.status } : {}),
      sha256: body.sha256,
      size: body.size,
      ...first!,
      ...(more.length > 0 ? { more } : {}),
    });
    rawBytes += body.size;
  }

  return {
    get requests() {
      return entries.length;
    },
    /** Raw body bytes added so far. */
    get rawBytes() {
      return rawBytes;
    },
    /** Compressed bytes of every part so far, closed or not. */
    get compressedBytes() {
      return compressedBytes;
    },
    /** Compresses one body into a member of its own and appends it; returns the parts this closed. */
    add(request: BundleRequest, body: HashedBody): ClosedPart[] {
      const member = compressBody(body.bytes);
      return this.addCompressed(request, { member: [member], length: member.byteLength, sha256: body.sha256, size: body.size });
    },
    /** Appends a body compressed already, as one member; returns the parts this closed. */
    addCompressed(request: BundleRequest, body: CompressedBody): ClosedPart[] {
      if (finished) throw new Error("bundle already finished");
      const closed: ClosedPart[] = [];
      const piece = appendPiece(body.member, body.length, closed);
      record(request, body, [piece]);
      return closed;
    },
    /**
     * A body that streams in, compressed and hashed chunk by chunk (streaming gzip, incremental
     * SHA-256) and cut into pieces of about a quarter of a part, each appended as it is complete:
     * neither the body nor its compressed whole is ever held. `push` and `end` return the parts
     * they closed; the body is in the index once `end` returned.
     */
    beginStream(request: BundleRequest) {
      if (finished) throw new Error("bundle already finished");
      const pieceBytes = Math.max(Math.floor(partCapBytes / 4), 1);
      const hash = sha256.create();
      const pieces: BodyPiece[] = [];
      let size = 0;
      let member: Uint8Array[] = [];
      let memberLength = 0;
      /** Raw bytes given to the current member. */
      let memberInput = 0;
      let gzip = newGzip();
      function newGzip() {
        return new Gzip({ level: 6 }, (chunk) => {
          member.push(chunk);
          memberLength += chunk.byteLength;
        });
      }
      function closeMember(closed: ClosedPart[]) {
        gzip.push(new Uint8Array(0), true);
        pieces.push(appendPiece(member, memberLength, closed));
        member = [];
        memberLength = 0;
        memberInput = 0;
      }
      return {
        push(chunk: Uint8Array): ClosedPart[] {
          const closed: ClosedPart[] = [];
          hash.update(chunk);
          size += chunk.byteLength;
          // In steps, so that a piece can end between them however large the chunk.
          for (let start = 0; start < chunk.byteLength; start += STREAM_STEP_BYTES) {
            const step = chunk.subarray(start, start + STREAM_STEP_BYTES);
            gzip.push(step);
            memberInput += step.byteLength;
            if (memberLength >= pieceBytes) {
              closeMember(closed);
              gzip = newGzip();
            }
          }
          return closed;
        },
        end(): ClosedPart[] {
          const closed: ClosedPart[] = [];
          // A member begun but given nothing is left out (an empty body still gets its one member).
          if (memberInput > 0 || pieces.length === 0) closeMember(closed);
          record(request, { sha256: bytesToHex(hash.digest()), size }, pieces);
          return closed;
        },
      };
    },
    /** The entry of a request added so far, or undefined. */
    entryFor(request: BundleRequest): BundleEntry | undefined {
      const position = byName[request.type].get(request.params);
      return position === undefined ? undefined : entries.at(position);
    },
    /** A piece's bytes while its part is still open (not yet closed and stored), else null. */
    openPiece(piece: BodyPiece): Uint8Array | null {
      if (piece.part !== part || finished) return null;
      const slices: Uint8Array[] = [];
      let at = 0;
      for (const chunk of members) {
        const start = Math.max(piece.offset - at, 0);
        const end = Math.min(piece.offset + piece.length - at, chunk.byteLength);
        if (start < end) slices.push(chunk.subarray(start, end));
        at += chunk.byteLength;
        if (at >= piece.offset + piece.length) break;
      }
      return slices.length === 1 ? slices[0] : concatBytes(slices);
    },
    /** Closes the last part (null when it is empty) and encodes the index. */
    async finish(): Promise<{ last: ClosedPart | null; index: EncodedIndex; parts: number; entries: readonly BundleEntry[] }> {
      finished = true;
      const last = partSize > 0 ? close() : null;
      const all = entries.all();
      const index = await encodeBundleIndex({ format: BUNDLE_INDEX_FORMAT, parts: part, entries: all });
      return { last, index, parts: part, entries: all };
    },
  };
}

export type BundleBuilder = ReturnType<typeof createBundleBuilder>;

/**
 * A builder's index entries until `finish`, packed: the query as a string, the hash's 32 bytes and
 * the numbers in typed arrays (a status or further pieces, which few have, aside). At fifty times
 * today's catalogue a run archives about 16,000 bodies, whose entries as objects weighed about
 * 4 MiB of a 64 MiB action for the whole run. An entry object is made when asked for.
 */
class PackedEntries {
  private readonly params: string[] = [];
  private types = new Uint8Array(256);
  private hashes = new Uint8Array(256 * 32);
  /** Per entry: size, part, offset, length. */
  private numbers = new Float64Array(256 * 4);
  private readonly statuses = new Map<number, number>();
  private readonly more = new Map<number, BodyPiece[]>();

  get length(): number {
    return this.params.length;
  }

  push(entry: BundleEntry): void {
    const at = this.params.length;
    if (at === this.types.length) this.grow();
    this.params.push(entry.params);
    this.types[at] = entry.type === "models" ? 0 : 1;
    this.hashes.set(hexToBytes(entry.sha256), at * 32);
    this.numbers.set([entry.size, entry.part, entry.offset, entry.length], at * 4);
    if (entry.status !== undefined) this.statuses.set(at, entry.status);
    if (entry.more) this.more.set(at, entry.more);
  }

  at(position: number): BundleEntry {
    const [size, part, offset, length] = this.numbers.subarray(position * 4, position * 4 + 4) as unknown as [number, number, number, number];
    const status = this.statuses.get(position);
    const more = this.more.get(position);
    return {
      type: this.types[position] === 0 ? "models" : "endpoints",
      params: this.params[position]!,
      ...(status !== undefined ? { status } : {}),
      sha256: bytesToHex(this.hashes.subarray(position * 32, position * 32 + 32)),
      size,
      part,
      offset,
      length,
      ...(more ? { more } : {}),
    };
  }

  all(): BundleEntry[] {
    return Array.from({ length: this.params.length }, (_, position) => this.at(position));
  }

  private grow() {
    const capacity = this.types.length * 2;
    const types = new Uint8Array(capacity);
    types.set(this.types);
    this.types = types;
    const hashes = new Uint8Array(capacity * 32);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const numbers = new Float64Array(capacity * 4);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }
}

export async function encodeBundleIndex(index: BundleIndex): Promise<EncodedIndex> {
  const json = new TextEncoder().encode(JSON.stringify(index));
  return { gzipped: compressBody(json), sha256: await sha256Hex(json), size: json.byteLength };
}

/** The index from its stored bytes, or an error saying what is wrong with them. */
export async function decodeBundleIndex(gzipped: Uint8Array, expectedSha256: string): Promise<BundleIndex> {
  let json: Uint8Array;
  try {
    json = gunzipSync(gzipped);
  } catch (error) {
    throw new Error(`the bundle index is not valid gzip (${error instanceof Error ? error.message : String(error)})`);
  }
  const sha256 = await sha256Hex(json);
  if (sha256 !== expectedSha256) throw new Error(`the bundle index does not match its SHA-256 (${sha256}, recorded ${expectedSha256})`);
  const parsed = BundleIndexSchema.safeParse(JSON.parse(new TextDecoder().decode(json)));
  if (!parsed.success) throw new Error(`the bundle index is malformed: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
  return parsed.data;
}

/** How a request is named in messages: family-independent, as the index stores it. */
export function entryName(entry: Pick<BundleEntry, "type" | "params">): string {
  return archiveKey(entry.type, entry.params);
}

/**
 * One body out of its part, checked against the index: an error naming the request when the
 * member is cut short, is not gzip, or decompresses to bytes whose SHA-256 or size differ.
 */
export async function readMember(part: Uint8Array, entry: BundleEntry): Promise<Uint8Array> {
  if (entry.more) throw new Error(`the archived body of ${entryName(entry)} lies in ${entry.more.length + 1} pieces: read it with gunzipBody`);
  const where = `part ${entry.part}, bytes ${entry.offset}–${entry.offset + entry.length}`;
  if (entry.offset + entry.length > part.byteLength) {
    throw new Error(`the archived body of ${entryName(entry)} lies past the end of its part (${where}, part is ${part.byteLength} bytes)`);
  }
  let body: Uint8Array;
  try {
    body = gunzipSync(part.subarray(entry.offset, entry.offset + entry.length));
  } catch (error) {
    throw new Error(`the archived body of ${entryName(entry)} is not valid gzip (${where}: ${error instanceof Error ? error.message : String(error)})`);
  }
  const sha256 = await sha256Hex(body);
  if (sha256 !== entry.sha256 || body.byteLength !== entry.size) {
    throw new Error(`the archived body of ${entryName(entry)} does not match its SHA-256 in the bundle index (${where})`);
  }
  return body;
}

/**
 * Checks one body as its pieces' bytes arrive (laid end to end, they are one multi-member gzip
 * stream): decompresses them, hands each chunk of the body to `onChunk`, and at `end` throws,
 * naming the request, when they were not gzip, were cut short, or the body's SHA-256 or size
 * differ from the index. Feed it small steps: a step's whole output is handed over at once.
 */
export function createBodyCheck(entry: BundleEntry, onChunk: (chunk: Uint8Array) => void = () => undefined) {
  const total = compressedLength(entry);
  const where = entry.more ? `${entry.more.length + 1} pieces from part ${entry.part}` : `part ${entry.part}, bytes ${entry.offset}–${entry.offset + entry.length}`;
  const hash = sha256.create();
  let size = 0;
  let read = 0;
  const gunzip = new Gunzip((chunk) => {
    hash.update(chunk);
    size += chunk.byteLength;
    onChunk(chunk);
  });
  return {
    push(step: Uint8Array): void {
      read += step.byteLength;
      try {
        gunzip.push(step, read >= total);
      } catch (error) {
        throw new Error(`the archived body of ${entryName(entry)} is not valid gzip (${where}: ${error instanceof Error ? error.message : String(error)})`);
      }
    },
    end(): void {
      if (read < total) throw new Error(`the archived body of ${entryName(entry)} is cut short (${where}: ${read} of ${total} bytes)`);
      if (bytesToHex(hash.digest()) !== entry.sha256 || size !== entry.size) {
        throw new Error(`the archived body of ${entryName(entry)} does not match its SHA-256 in the bundle index (${where})`);
      }
    },
  };
}

/** Bytes in the small steps a body check is fed. */
export function* steps(bytes: Uint8Array): Iterable<Uint8Array> {
  for (let start = 0; start < bytes.byteLength; start += GUNZIP_STEP_BYTES) yield bytes.subarray(start, start + GUNZIP_STEP_BYTES);
}

/**
 * One body out of its pieces' bytes, decompressed as they arrive and checked at the end against
 * the index (`createBodyCheck`). The body is never whole here; its chunks are yielded as they come.
 */
export async function* gunzipBody(compressed: AsyncIterable<Uint8Array>, entry: BundleEntry): AsyncIterable<Uint8Array> {
  const out: Uint8Array[] = [];
  const check = createBodyCheck(entry, (chunk) => void out.push(chunk));
  for await (const bytes of compressed) {
    for (const step of steps(bytes)) {
      check.push(step);
      while (out.length > 0) yield out.shift()!;
    }
  }
  check.end();
}

/** Compressed bytes decompressed at a time: about a hundred KB of text out. */
const GUNZIP_STEP_BYTES = 16 * 1024;

/**
 * The fallback durable digest, for a run that has no digest of its entity content: a digest of
 * its raw bodies, which telemetry changes every hour, so such a bundle is (conservatively) a
 * change point. Prefixed so it never equals a content digest. Independent of arrival order.
 */
export async function rawBodiesDigest(entries: readonly Pick<BundleEntry, "type" | "params" | "status" | "sha256">[]): Promise<string> {
  const lines = entries.map((entry) => `${entryName(entry)} ${entry.status ?? 200} ${entry.sha256}`).sort();
  return `raw:${await sha256Hex(lines.join("\n"))}`;
}
