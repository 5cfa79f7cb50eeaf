/**
 * The archive bundle format: all the raw bodies one run received, in a few files instead of one
 * file per body.
 *
 * - A **part** is gzip members laid end to end, one member per body (so a part is itself a valid
 *   multi-member gzip file: `gunzip` prints the bodies one after another). A part is closed when
 *   it reaches `BUNDLE_PART_CAP_BYTES` compressed, so memory stays bounded at any catalogue size;
 *   only a single body larger than the cap makes a larger part, alone.
 * - The **index** lists each request (type, sorted query, HTTP status when not 200), the SHA-256
 *   and size of its raw body, and where its member lies (part number, byte offset and length). It
 *   is stored gzip-compressed as a file of its own; the database row holds only its SHA-256.
 *
 * Owns: building a bundle body by body, encoding and checking the index, reading one member back
 * and checking it against the index, and the fallback digest of a run's raw bodies. Pure and
 * web-standard (fflate, `crypto.subtle`): where the files go is the archiver's business.
 */
import { gunzipSync } from "fflate";
import { z } from "zod";
import { sha256Hex } from "../lib/canonicalJson";
import { archiveKey, type RequestType } from "../sources/requestKey";
import { compressBody, type CompressedBody, type HashedBody } from "./archiveCodec";

/** Compressed bytes at which a part is closed and stored. */
export const BUNDLE_PART_CAP_BYTES = 4 * 1024 * 1024;

export const BUNDLE_INDEX_FORMAT = "openrouter-snapshots/bundle-index@1";

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
    part: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive(),
  })
  .strict();

export const BundleIndexSchema = z
  .object({
    format: z.literal(BUNDLE_INDEX_FORMAT),
    parts: z.number().int().nonnegative(),
    entries: z.array(BundleEntrySchema),
  })
  .strict();

export type BundleEntry = z.output<typeof BundleEntrySchema>;
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
  const entries: BundleEntry[] = [];
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
    /** Appends a body compressed already (as it streamed in); returns the parts this closed. */
    addCompressed(request: BundleRequest, body: CompressedBody): ClosedPart[] {
      if (finished) throw new Error("bundle already finished");
      const closed: ClosedPart[] = [];
      if (partSize > 0 && partSize + body.length > partCapBytes) closed.push(close());
      entries.push({
        type: request.type,
        params: request.params,
        ...(request.status !== undefined && request.status !== 200 ? { status: request.status } : {}),
        sha256: body.sha256,
        size: body.size,
        part,
        offset: partSize,
        length: body.length,
      });
      members.push(...body.member);
      partSize += body.length;
      rawBytes += body.size;
      compressedBytes += body.length;
      if (partSize >= partCapBytes) closed.push(close());
      return closed;
    },
    /** Closes the last part (null when it is empty) and encodes the index. */
    async finish(): Promise<{ last: ClosedPart | null; index: EncodedIndex; parts: number; entries: readonly BundleEntry[] }> {
      finished = true;
      const last = partSize > 0 ? close() : null;
      const index = await encodeBundleIndex({ format: BUNDLE_INDEX_FORMAT, parts: part, entries });
      return { last, index, parts: part, entries };
    },
  };
}

export type BundleBuilder = ReturnType<typeof createBundleBuilder>;

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
 * The fallback durable digest, for a run that has no digest of its entity content: a digest of
 * its raw bodies, which telemetry changes every hour, so such a bundle is (conservatively) a
 * change point. Prefixed so it never equals a content digest. Independent of arrival order.
 */
export async function rawBodiesDigest(entries: readonly Pick<BundleEntry, "type" | "params" | "status" | "sha256">[]): Promise<string> {
  const lines = entries.map((entry) => `${entryName(entry)} ${entry.status ?? 200} ${entry.sha256}`).sort();
  return `raw:${await sha256Hex(lines.join("\n"))}`;
}
