/**
 * How a raw response body is stored in an archive: gzip (fflate, pure JS, because Convex's
 * default runtime has no CompressionStream), fingerprinted with the SHA-256 hex of the raw body.
 *
 * Owns: encoding and decoding only. Where the bytes go is the archiver's business.
 */
import { gunzipSync, gzipSync } from "fflate";
import { sha256Hex } from "../lib/canonicalJson";

export type EncodedArchive = { gzipped: Uint8Array; sha256: string; size: number; compressed_size: number };

export async function encodeArchive(body: string): Promise<EncodedArchive> {
  const raw = new TextEncoder().encode(body);
  const gzipped = gzipSync(raw, { level: 6 });
  return { gzipped, sha256: await sha256Hex(raw), size: raw.byteLength, compressed_size: gzipped.byteLength };
}

export function decodeArchive(gzipped: Uint8Array): string {
  return new TextDecoder().decode(gunzipSync(gzipped));
}
