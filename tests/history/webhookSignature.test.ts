/**
 * webhookSignature: the signature of hand-made bodies (ASCII, multi-byte UTF-8, empty) checked
 * against Node's own `node:crypto` HMAC, never against the module's code; the headers `signedHeaders`
 * builds; and `verifyWebhook` accepting a POST signed by node:crypto and refusing each kind of
 * tampering (body, delivery id, timestamp, secret, stale timestamp, malformed or missing header).
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signedBytes, signedHeaders, verifyWebhook, WEBHOOK_HEADERS, webhookSignature } from "../../src/history/webhookSignature";

const SECRET = "whsec-0123456789abcdef0123456789abcdef";

/** The documented scheme, written here with node:crypto: HMAC-SHA256 over `${id}.${timestamp}.` then the body's UTF-8 bytes. */
function nodeHmac(secret: string, deliveryId: string, timestamp: number, body: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(Buffer.from(`${deliveryId}.${timestamp}.`, "utf8"))
    .update(Buffer.from(body, "utf8"))
    .digest("hex");
}

const BODIES = {
  ascii: '{"run_id":"r1","snapshot_at":1785412800000,"batch":{"index":0,"count":1},"events":[]}',
  utf8: '{"reason":"prix réduit de 10 € — 価格 😀"}',
  empty: "",
};

describe("webhookSignature", () => {
  it.each(Object.entries(BODIES))("signs the %s body as node:crypto's HMAC-SHA256 of id.timestamp.body, in lowercase hex", async (_name, body) => {
    const signature = await webhookSignature(SECRET, "k57abc:3", 1785412800, body);
    expect(signature).toBe(`sha256=${nodeHmac(SECRET, "k57abc:3", 1785412800, body)}`);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("covers the delivery id and the timestamp as well as the body", async () => {
    const base = await webhookSignature(SECRET, "d:0", 100, "{}");
    expect(await webhookSignature(SECRET, "d:1", 100, "{}")).not.toBe(base);
    expect(await webhookSignature(SECRET, "d:0", 101, "{}")).not.toBe(base);
    expect(await webhookSignature(SECRET, "d:0", 100, "{ }")).not.toBe(base);
    expect(await webhookSignature(`${SECRET}x`, "d:0", 100, "{}")).not.toBe(base);
  });

  it("signs the bytes of `${id}.${timestamp}.` followed by the body", () => {
    expect(Buffer.from(signedBytes("d:2", 1785412800, "€{}")).equals(Buffer.from("d:2.1785412800.€{}", "utf8"))).toBe(true);
  });

  it("builds the three headers, the timestamp in whole seconds of `at`", async () => {
    const headers = await signedHeaders(SECRET, { deliveryId: "d:0", body: BODIES.ascii, at: 1_785_412_800_999 });
    expect(headers).toEqual({
      "X-Snapshots-Signature": `sha256=${nodeHmac(SECRET, "d:0", 1785412800, BODIES.ascii)}`,
      "X-Snapshots-Delivery": "d:0",
      "X-Snapshots-Timestamp": "1785412800",
    });
    expect(Object.values(WEBHOOK_HEADERS).sort()).toEqual(Object.keys(headers).sort());
  });
});

describe("verifyWebhook", () => {
  const timestamp = 1785412800;
  const now = timestamp * 1000 + 30_000;
  const signedByNode = (body: string, overrides: Record<string, string> = {}) => ({
    body,
    headers: {
      "x-snapshots-signature": `sha256=${nodeHmac(SECRET, "d:7", timestamp, body)}`,
      "x-snapshots-delivery": "d:7",
      "x-snapshots-timestamp": String(timestamp),
      ...overrides,
    },
  });

  it("accepts a POST signed by node:crypto, headers in any case, as a record or Headers", async () => {
    expect(await verifyWebhook(SECRET, signedByNode(BODIES.utf8), { now })).toEqual({ ok: true, deliveryId: "d:7", timestamp });
    const post = signedByNode(BODIES.ascii);
    expect(await verifyWebhook(SECRET, { body: post.body, headers: new Headers(post.headers) }, { now })).toMatchObject({ ok: true });
    const upper = Object.fromEntries(Object.entries(post.headers).map(([name, value]) => [name.toUpperCase(), value]));
    expect(await verifyWebhook(SECRET, { body: post.body, headers: upper }, { now })).toMatchObject({ ok: true });
  });

  it("refuses a changed body, delivery id or timestamp, another secret, a stale timestamp, and malformed or missing headers", async () => {
    const refused = async (post: { body: string; headers: Record<string, string> }, secret = SECRET, at = now) => {
      const result = await verifyWebhook(secret, post, { now: at });
      expect(result.ok).toBe(false);
      return result.ok ? "" : result.reason;
    };
    expect(await refused({ ...signedByNode(BODIES.ascii), body: `${BODIES.ascii} ` })).toMatch(/does not match/);
    expect(await refused(signedByNode(BODIES.ascii, { "x-snapshots-delivery": "d:8" }))).toMatch(/does not match/);
    expect(await refused(signedByNode(BODIES.ascii, { "x-snapshots-timestamp": String(timestamp + 1) }))).toMatch(/does not match/);
    expect(await refused(signedByNode(BODIES.ascii), "another-secret-of-enough-length-0000")).toMatch(/does not match/);
    // 301 s after the timestamp, past the default tolerance of 300 s.
    expect(await refused(signedByNode(BODIES.ascii), SECRET, (timestamp + 301) * 1000)).toMatch(/301 s from now/);
    const upperHex = `sha256=${nodeHmac(SECRET, "d:7", timestamp, BODIES.ascii).toUpperCase()}`;
    expect(await refused(signedByNode(BODIES.ascii, { "x-snapshots-signature": upperHex }))).toMatch(/64 lowercase hex/);
    expect(await refused(signedByNode(BODIES.ascii, { "x-snapshots-timestamp": "1785412800.5" }))).toMatch(/not a number of seconds/);
    const { "x-snapshots-delivery": _dropped, ...headers } = signedByNode(BODIES.ascii).headers;
    expect(await refused({ body: BODIES.ascii, headers })).toMatch(/missing/);
  });
});
