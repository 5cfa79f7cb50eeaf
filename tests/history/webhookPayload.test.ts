/**
 * webhookPayload: the body text of a hand-made batch, batch plans worked out by hand (by count, by
 * size, an event larger than the budget alone), cutting a stream by a plan, the retry schedule as
 * documented, and one POST against the loopback receiver: delivered on 2xx with a signature that
 * node:crypto accepts, failed with its status on 500, on a redirect, on a closed port, and on no
 * answer within the timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cutBatches, MAX_ATTEMPTS, planBatches, postWebhook, retryDelayMs, webhookBody } from "../../src/history/webhookPayload";
import { closedPort, startWebhookReceiver, type WebhookReceiver } from "../support/webhookReceiver";

const SECRET = "whsec-0123456789abcdef0123456789abcdef";

describe("webhookBody", () => {
  it("writes run_id, snapshot_at, batch and events, in that order", () => {
    const body = webhookBody({ run_id: "r1", snapshot_at: 1785412800000, batch: { index: 1, count: 2 }, events: [{ key: "a/b", event: "added" }] });
    expect(body).toBe('{"run_id":"r1","snapshot_at":1785412800000,"batch":{"index":1,"count":2},"events":[{"key":"a/b","event":"added"}]}');
  });
});

describe("planBatches", () => {
  it("cuts by count: 250 small events make 100, 100 and 50", () => {
    expect(planBatches(Array(250).fill(300))).toEqual([100, 100, 50]);
    expect(planBatches([])).toEqual([]);
  });

  it("cuts by size: two 600 000-character events do not share a POST, and one above the budget goes alone", () => {
    expect(planBatches([1_000, 600_000, 600_000, 1_000])).toEqual([2, 2]);
    expect(planBatches([10, 1_500_000, 10])).toEqual([1, 1, 1]);
    expect(planBatches([4, 4, 4], { maxEvents: 10, maxChars: 8 })).toEqual([2, 1]);
  });
});

describe("cutBatches", () => {
  async function* stream(count: number) {
    for (let i = 0; i < count; i++) yield i;
  }
  const collect = async (batches: AsyncIterable<number[]>) => {
    const out: number[][] = [];
    for await (const batch of batches) out.push(batch);
    return out;
  };

  it("hands out the plan's batches in order, and anything beyond the plan as one more", async () => {
    expect(await collect(cutBatches(stream(6), [3, 2, 1]))).toEqual([[0, 1, 2], [3, 4], [5]]);
    expect(await collect(cutBatches(stream(7), [3, 2]))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(await collect(cutBatches(stream(0), []))).toEqual([]);
  });
});

describe("retryDelayMs", () => {
  it("waits 1 min, 5 min, 30 min and 2 h after attempts 1 to 4, and gives up after the 5th", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([60_000, 300_000, 1_800_000, 7_200_000]);
    expect(MAX_ATTEMPTS).toBe(5);
    expect(retryDelayMs(5)).toBeNull();
    expect(retryDelayMs(0)).toBeNull();
  });
});

describe("postWebhook", () => {
  let receiver: WebhookReceiver;
  const answers: Record<string, number | "hang" | { redirect: string; status: 302 }> = {
    "/ok": 204,
    "/broken": 500,
    "/slow": "hang",
    "/moved": { redirect: "/elsewhere", status: 302 },
    "/elsewhere": 200,
  };
  beforeAll(async () => {
    receiver = await startWebhookReceiver(Object.fromEntries(Object.keys(answers).map((path) => [path, SECRET])), (path) => answers[path] ?? 404);
  });
  afterAll(() => receiver.close());

  const body = webhookBody({ run_id: "r1", snapshot_at: 1785412800000, batch: { index: 0, count: 1 }, events: [{ reason: "10 € — ✓" }] });
  const post = (path: string, timeoutMs?: number) => postWebhook({ url: `${receiver.url}${path}`, secret: SECRET, deliveryId: "d1:0", body, timeoutMs });

  it("is delivered on a 2xx, signed as node:crypto computes it, as JSON with the three headers", async () => {
    expect(await post("/ok")).toEqual({ ok: true, status: 204 });
    const received = receiver.posts.find((p) => p.path === "/ok")!;
    expect(received).toMatchObject({ method: "POST", deliveryId: "d1:0", raw: body, signatureValid: true });
    expect(received.headers["content-type"]).toBe("application/json");
    expect(Math.abs(received.timestamp - Date.now() / 1000)).toBeLessThan(60);
  });

  it("fails with the status on a 500, and on a redirect, which it never follows (the signed body would go on to wherever it points)", async () => {
    expect(await post("/broken")).toEqual({ ok: false, status: 500, error: "HTTP 500 Internal Server Error" });
    const before = receiver.posts.length;
    const moved = await post("/moved");
    expect(moved).toMatchObject({ ok: false, status: 302 });
    expect(!moved.ok && moved.error).toMatch(/^redirected to \/elsewhere/);
    // Only /moved was asked: nothing reached /elsewhere.
    expect(receiver.posts.slice(before).map((request) => request.path)).toEqual(["/moved"]);
  });

  it("fails with no status on a closed port and on no answer within the timeout", async () => {
    const refused = await postWebhook({ url: `http://127.0.0.1:${await closedPort()}/hook`, secret: SECRET, deliveryId: "d1:0", body });
    expect(refused).toMatchObject({ ok: false, status: null });
    expect(!refused.ok && refused.error).toMatch(/ECONNREFUSED|fetch failed/);
    expect(await post("/slow", 300)).toEqual({ ok: false, status: null, error: "no answer within 300 ms" });
  });
});
