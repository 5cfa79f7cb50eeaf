/**
 * Canonical JSON and content hashing, shared by the validator (issue fingerprints), `decide`
 * (semantic equality) and archival (body hashes).
 *
 * Owns: one serialisation in which key order and `undefined`-versus-absent make no difference,
 * computed once per entity: the size check when a source builds an entity and the fingerprint the
 * writer takes share one encoding (`encodedEntity`, remembered per object until it is
 * fingerprinted), and the fingerprint is remembered per object (entities are never changed once
 * built). Uses only web-standard APIs
 * (`crypto.subtle`, `TextEncoder`), so it runs inside Convex.
 */
import { hexOf } from "./bytes";

/**
 * JSON with object keys sorted and `undefined` object fields dropped. Non-finite numbers are
 * written as strings so that NaN equals NaN here, unlike `===`.
 *
 * @example canonicalJson({ b: 1, a: undefined, c: [2] }) === '{"b":1,"c":[2]}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : `"${String(value)}"`;
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "bigint") return `"${value}n"`;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value instanceof ArrayBuffer) return `"<${value.byteLength} bytes>"`;
  if (typeof value === "object") {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(String(value));
}

/** SHA-256 of bytes or of a string's UTF-8 encoding, as lowercase hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

/** The fingerprint stored on every entity row: SHA-256 hex of its canonical JSON. */
export async function contentHash(value: unknown): Promise<string> {
  return (await contentFingerprint(value)).content_hash;
}

const encodings = new WeakMap<object, Uint8Array>();

/** The UTF-8 bytes of an entity's canonical JSON, encoded once and kept until it is fingerprinted. */
export function encodedEntity(entity: object): Uint8Array {
  let bytes = encodings.get(entity);
  if (!bytes) encodings.set(entity, (bytes = new TextEncoder().encode(canonicalJson(entity))));
  return bytes;
}

export type Fingerprint = { content_hash: string; bytes: number };

const fingerprints = new WeakMap<object, Fingerprint>();

/** Notes an entity's fingerprint taken already (e.g. of an equal entity before it was re-read from its encoding). */
export function rememberFingerprint(entity: object, fingerprint: Fingerprint): void {
  fingerprints.set(entity, fingerprint);
}

/**
 * The row fingerprint and the UTF-8 size of the canonical JSON it was taken over, in one encoding.
 * An entity's is taken once: asked again (the writer sums a run's fingerprints before it decides),
 * the first answer is returned, and the encoding is let go.
 */
export async function contentFingerprint(value: unknown): Promise<Fingerprint> {
  const isObject = value !== null && typeof value === "object";
  if (isObject) {
    const known = fingerprints.get(value);
    if (known) return known;
  }
  const bytes = isObject ? encodedEntity(value) : new TextEncoder().encode(canonicalJson(value));
  const fingerprint = { content_hash: await sha256Hex(bytes), bytes: bytes.byteLength };
  if (isObject) {
    encodings.delete(value);
    fingerprints.set(value, fingerprint);
  }
  return fingerprint;
}
