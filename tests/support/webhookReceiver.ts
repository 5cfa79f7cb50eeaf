/**
 * A loopback webhook receiver for tests: a node:http server on 127.0.0.1 (a random port) that checks
 * every POST's signature with Node's own `node:crypto` (not the module's code), answers as the test
 * says (a status per path and per request, a redirect, or no answer at all), and records every POST
 * with its raw body, headers, parsed JSON and what it answered.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";

export type ReceivedPost = {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  deliveryId: string;
  timestamp: number;
  raw: string;
  body: any;
  /** The signature matched (computed here with node:crypto) and the timestamp was within 5 minutes. */
  signatureValid: boolean;
  /** What the receiver answered: a status, "hang" (no answer), or a redirect's status. */
  answered: number | "hang";
};

/** How the receiver answers the `nth` POST (from 1) to `path`: a status, no answer, or a redirect to another path. */
export type Answer = number | "hang" | { redirect: string; status: 301 | 302 | 303 | 307 };

export type WebhookReceiver = {
  url: string;
  posts: ReceivedPost[];
  close(): Promise<void>;
};

/** The signature header value for a POST, computed with node:crypto: HMAC-SHA256 of `${delivery}.${timestamp}.` and the body's bytes. */
export function nodeSignature(secret: string, deliveryId: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(`${deliveryId}.${timestamp}.`, "utf8").update(body).digest("hex")}`;
}

/**
 * Starts the receiver. `secrets` maps a path to its subscription's secret (a POST to an unknown
 * path, or with a bad signature, is answered 401); `answer` decides the rest (200 by default).
 */
export async function startWebhookReceiver(secrets: Record<string, string>, answer: (path: string, nth: number) => Answer = () => 200): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://receiver").pathname;
      const bytes = Buffer.concat(chunks);
      const raw = bytes.toString("utf8");
      const deliveryId = String(request.headers["x-snapshots-delivery"] ?? "");
      const timestampText = String(request.headers["x-snapshots-timestamp"] ?? "");
      const secret = secrets[path];
      const signatureValid =
        secret !== undefined &&
        request.headers["x-snapshots-signature"] === nodeSignature(secret, deliveryId, timestampText, bytes) &&
        Math.abs(Date.now() / 1000 - Number(timestampText)) < 300;
      const nth = (seen.get(path) ?? 0) + 1;
      seen.set(path, nth);
      const planned: Answer = signatureValid || request.method !== "POST" ? answer(path, nth) : 401;
      let body: any = null;
      try {
        body = raw === "" ? null : JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const answered = typeof planned === "object" ? planned.status : planned;
      posts.push({ path, method: request.method ?? "", headers: request.headers, deliveryId, timestamp: Number(timestampText), raw, body, signatureValid, answered });
      if (planned === "hang") return;
      if (typeof planned === "object") {
        response.writeHead(planned.status, { location: planned.redirect });
        response.end();
        return;
      }
      response.writeHead(planned, { "content-type": "text/plain" });
      response.end(planned >= 200 && planned < 300 ? "ok" : "no");
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on: a server is opened there and closed again. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
