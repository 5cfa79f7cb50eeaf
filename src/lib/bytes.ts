/**
 * Byte helpers shared by what Convex runs: joining chunks into one array, and lowercase hex.
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
