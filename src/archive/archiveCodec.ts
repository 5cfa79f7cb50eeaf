/**
 * How a raw response body is stored in an archive: fingerprinted with the SHA-256 hex of the raw
 * body, and gzip-compressed (fflate, pure JS, because Convex's default runtime has no
 * CompressionStream), as a bundle member (`bundle.ts`) or, in legacy archives, a blob of its own.
 *
 * Owns: encoding and decoding one body only, whole or as it streams in. Where the bytes go is the archiver's business.
 */
import { gunzipSync, gzipSync } from "fflate";
import { sha256Hex } from "../lib/canonicalJson";

export type HashedBody = { bytes: Uint8Array; sha256: string; size: number };

/** Hashes the body's bytes: as received when the transport kept them, else the text's UTF-8. */
export async function hashBody(body: string, received?: Uint8Array): Promise<HashedBody> {
  const bytes = received ?? new TextEncoder().encode(body);
  return { bytes, sha256: await sha256Hex(bytes), size: bytes.byteLength };
}

export function compressBody(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 });
}

/** A body compressed already: its gzip member in the chunks it was produced in. */
export type CompressedBody = { member: Uint8Array[]; length: number; sha256: string; size: number };

/** A legacy blob's body. */
export function decodeArchive(gzipped: Uint8Array): string {
  return new TextDecoder().decode(gunzipSync(gzipped));
}
