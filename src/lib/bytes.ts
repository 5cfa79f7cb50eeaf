/**
 * Byte helpers shared by what Convex runs: joining chunks into one array, and lowercase hex both ways.
 * Web-standard only.
 */

/** The chunks laid end to end in one new array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * Lowercase hex of bytes, two digits each. Joined, not appended: `+=` leaves a rope of one string
 * object per byte behind every hash a run keeps (about 1.5 KB for one SHA-256 instead of 80 B).
 */
export function hexOf(bytes: Uint8Array): string {
  const digits = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) digits[i] = HEX_DIGITS[bytes[i]];
  return digits.join("");
}

/** The 32 bytes of a SHA-256 written as 64 lowercase hex digits; throws, naming `what`, on anything else. */
export function bytesOfSha256Hex(hex: string, what: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${what} must be 64 lowercase hex digits, got ${JSON.stringify(hex.slice(0, 80))}`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
