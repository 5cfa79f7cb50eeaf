/**
 * webhookSignature: how a webhook POST proves it came from this deployment, and how a receiver
 * checks it.
 *
 * Owns: the three headers a POST carries, what is signed, and the HMAC-SHA256 itself, with
 * `crypto.subtle` only (this runs in Convex's default runtime: no `node:` imports, no Buffer).
 * Must not touch: Convex, what the body holds (`webhookPayload.ts`), sending.
 *
 * What is signed (the scheme of Standard Webhooks, with a hex digest):
 *
 *     signed bytes = UTF-8 of `${delivery_id}.${timestamp}.`, followed by the exact body bytes
 *     X-Snapshots-Signature: sha256=<lowercase hex of HMAC-SHA256(key: the secret as UTF-8, signed bytes)>
 *     X-Snapshots-Delivery:  <delivery_id>   the same for every retry of one batch: dedupe on it
 *     X-Snapshots-Timestamp: <timestamp>     Unix seconds when this POST was signed
 *
 * A receiver recomputes the HMAC over the raw body it received (before parsing the JSON), compares
 * in constant time, and rejects a timestamp far from its own clock (a replayed POST keeps its old
 * timestamp, and changing it breaks the signature).
 */
import { bytesOfSha256Hex, hexOf } from "../lib/bytes";

/** The headers of a webhook POST, as they are sent (HTTP header names are case-insensitive). */
export const WEBHOOK_HEADERS = {
  signature: "X-Snapshots-Signature",
  delivery: "X-Snapshots-Delivery",
  timestamp: "X-Snapshots-Timestamp",
} as const;

/** How far a receiver's clock may be from the timestamp, by default (`verifyWebhook`). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

/**
 * The bytes the signature covers: `${deliveryId}.${timestamp}.` then the body, both as UTF-8.
 *
 * @example new TextDecoder().decode(signedBytes("d1:0", 1785000000, "{}")) // → "d1:0.1785000000.{}"
 */
export function signedBytes(deliveryId: string, timestamp: number, body: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${deliveryId}.${timestamp}.${body}`);
}

/**
 * The signature header's value for one POST.
 *
 * @example await webhookSignature("a-secret-of-32-characters-or-more", "d1:0", 1785000000, "{}") // → "sha256=<64 hex digits>"
 */
export async function webhookSignature(secret: string, deliveryId: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), signedBytes(deliveryId, timestamp, body));
  return `sha256=${hexOf(new Uint8Array(mac))}`;
}

/**
 * The three headers of a POST of `body`, signed now (or at `at`, in ms).
 *
 * @example await signedHeaders(secret, { deliveryId: "d1:0", body }) // → { "X-Snapshots-Signature": "sha256=…", "X-Snapshots-Delivery": "d1:0", "X-Snapshots-Timestamp": "1785000000" }
 */
export async function signedHeaders(secret: string, post: { deliveryId: string; body: string; at?: number }): Promise<Record<string, string>> {
  const timestamp = Math.floor((post.at ?? Date.now()) / 1000);
  return {
    [WEBHOOK_HEADERS.signature]: await webhookSignature(secret, post.deliveryId, timestamp, post.body),
    [WEBHOOK_HEADERS.delivery]: post.deliveryId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
  };
}

export type VerifyResult = { ok: true; deliveryId: string; timestamp: number } | { ok: false; reason: string };

/**
 * A receiver's check of a POST: the signature over the raw body, and the timestamp within
 * `toleranceSeconds` of `now` (ms). For receivers written in TypeScript; any HMAC library does the same.
 *
 * @example
 * const check = await verifyWebhook(secret, { body: await request.text(), headers: request.headers });
 * if (!check.ok) return new Response(check.reason, { status: 401 });
 */
export async function verifyWebhook(
  secret: string,
  post: { body: string; headers: Headers | Record<string, string | undefined> },
  options: { now?: number; toleranceSeconds?: number } = {},
): Promise<VerifyResult> {
  const header = (name: string) =>
    post.headers instanceof Headers ? post.headers.get(name) : (Object.entries(post.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? null);
  const signature = header(WEBHOOK_HEADERS.signature);
  const deliveryId = header(WEBHOOK_HEADERS.delivery);
  const timestampText = header(WEBHOOK_HEADERS.timestamp);
  if (signature === null || deliveryId === null || timestampText === null) return { ok: false, reason: "a signature, delivery or timestamp header is missing" };
  if (!/^\d+$/.test(timestampText)) return { ok: false, reason: `the timestamp is not a number of seconds: ${timestampText}` };
  const timestamp = Number(timestampText);
  const skew = Math.abs((options.now ?? Date.now()) / 1000 - timestamp);
  if (skew > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: `the timestamp is ${Math.round(skew)} s from now` };
  const hex = /^sha256=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (hex === undefined) return { ok: false, reason: "the signature is not sha256=<64 lowercase hex digits>" };
  const mac = new Uint8Array(bytesOfSha256Hex(hex, "the signature"));
  // subtle.verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret, "verify"), mac, signedBytes(deliveryId, timestamp, post.body));
  return valid ? { ok: true, deliveryId, timestamp } : { ok: false, reason: "the signature does not match" };
}

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}
