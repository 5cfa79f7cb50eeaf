// @vitest-environment node
/**
 * One canonical serialisation per entity: the encoding the size check makes is the one the
 * fingerprint hashes, and it is let go once fingerprinted. Expected hashes come from node:crypto
 * over hand-written canonical JSON.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentFingerprint, encodedEntity } from "../../src/lib/canonicalJson";

describe("canonical encoding of an entity", () => {
  const entity = { b: 1, a: "é", c: undefined, d: [{ y: 2, x: 1 }] };
  const canonical = '{"a":"é","b":1,"d":[{"x":1,"y":2}]}';

  it("is the canonical JSON, encoded once and reused until fingerprinted", async () => {
    expect(canonicalJson(entity)).toBe(canonical);
    const first = encodedEntity(entity);
    expect(encodedEntity(entity)).toBe(first);
    expect(new TextDecoder().decode(first)).toBe(canonical);
    const { content_hash, bytes } = await contentFingerprint(entity);
    expect(content_hash).toBe(createHash("sha256").update(canonical).digest("hex"));
    expect(bytes).toBe(Buffer.byteLength(canonical));
    // Fingerprinted: the encoding is released, and a later one is made afresh.
    expect(encodedEntity(entity)).not.toBe(first);
  });

  it("fingerprints values that are not objects the same way", async () => {
    expect((await contentFingerprint("x")).content_hash).toBe(createHash("sha256").update('"x"').digest("hex"));
  });
});
