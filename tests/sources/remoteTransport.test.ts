// @vitest-environment node
/**
 * The remote transport against the loopback fake: timeouts, retries with backoff and jitter,
 * Retry-After and its cap, attempt limits, what is never retried, the run deadline, the body cap.
 * Sleeps are recorded rather than waited, so delays are asserted exactly without timing anything.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRemoteTransport, type AttemptEvent, type RemoteTransportOptions } from "../../src/sources/remoteTransport";
import { TransportError } from "../../src/sources/transport";
import { startFakeOpenRouter, type FakeOpenRouter } from "../support/fakeOpenRouter";

const KEY = "/api/frontend/models";
const request = { path: KEY, params: {} };
let server: FakeOpenRouter;
let slept: number[];
let attempts: AttemptEvent[];

function transport(options: RemoteTransportOptions = {}) {
  return createRemoteTransport({
    baseUrl: server.url,
    sleep: async (ms) => void slept.push(ms),
    random: () => 0.5,
    onAttempt: (event) => attempts.push(event),
    ...options,
  });
}

beforeEach(async () => {
  server = await startFakeOpenRouter({ recording: { [KEY]: { data: [1] } } });
  slept = [];
  attempts = [];
});
afterEach(async () => server.close());

describe("remote transport", () => {
  it("honours Retry-After on a 429, then succeeds, reporting every attempt", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status: 429, retryAfterSeconds: 2 }, times: 1 }]);
    const response = await transport().get(request);
    expect(JSON.parse(response.body)).toEqual({ data: [1] });
    expect(server.requestsFor(KEY)).toBe(2);
    expect(slept).toEqual([2000]);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.willRetry])).toEqual([
      [1, "HTTP 429", true],
      [2, "ok", false],
    ]);
  });

  it("caps Retry-After", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status: 503, retryAfterSeconds: 3600 }, times: 1 }]);
    await transport({ retryAfterCapMs: 1234 }).get(request);
    expect(slept).toEqual([1234]);
  });

  it("backs off exponentially (jitter at its midpoint here) and stops at maxAttempts", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status: 500 } }]);
    const error = await transport({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 250 }).get(request).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.message).toBe(`${KEY}: HTTP 500 after 4 attempt(s)`);
    expect(server.requestsFor(KEY)).toBe(4);
    expect(slept).toEqual([100, 200, 250]);
  });

  it("jitters each delay within ±50%", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status: 500 }, times: 2 }]);
    const draws = [0, 0.999];
    await transport({ baseDelayMs: 100, random: () => draws.shift()! }).get(request);
    // 100 × (0.5 + 0) and 200 × (0.5 + 0.999), rounded: the two ends of the jitter range.
    expect(slept).toEqual([50, 300]);
  });

  it.each([400, 401, 403, 404])("does not retry a %i", async (status) => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status } }]);
    await expect(transport().get(request)).rejects.toThrow(`HTTP ${status} after 1 attempt(s)`);
    expect(server.requestsFor(KEY)).toBe(1);
  });

  it("retries a 408", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "status", status: 408 }, times: 1 }]);
    await transport().get(request);
    expect(server.requestsFor(KEY)).toBe(2);
  });

  it("abandons a hanging request at the timeout and retries it", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "delay", ms: 60_000 }, times: 1 }]);
    const response = await transport({ timeoutMs: 200 }).get(request);
    expect(response.body).toBe('{"data":[1]}');
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: "timeout after 200 ms", willRetry: true });
  });

  it("retries a connection reset and a truncated body", async () => {
    server.setFaults([
      { key: KEY, fault: { kind: "reset" }, times: 1 },
      { key: KEY, fault: { kind: "truncate" }, times: 1 },
    ]);
    await transport().get(request);
    expect(server.requestsFor(KEY)).toBe(3);
    expect(attempts.slice(0, 2).every((a) => a.outcome.startsWith("network:"))).toBe(true);
  });

  it("refuses a body over maxBodyBytes without retrying", async () => {
    server.setFaults([{ key: KEY, fault: { kind: "body", body: `{"data":"${"x".repeat(5000)}"}` } }]);
    await expect(transport({ maxBodyBytes: 1000 }).get(request)).rejects.toThrow(/exceeds the 1000-byte limit/);
    expect(server.requestsFor(KEY)).toBe(1);
  });

  it("makes no request once the run deadline has passed, and skips a retry that would cross it", async () => {
    const now = 1_000;
    await expect(transport({ deadlineAt: 1_000, now: () => now }).get(request)).rejects.toThrow(/run time budget exhausted/);
    expect(server.requestCount()).toBe(0);

    server.setFaults([{ key: KEY, fault: { kind: "status", status: 503 } }]);
    await expect(transport({ deadlineAt: 1_100, now: () => now, baseDelayMs: 500 }).get(request)).rejects.toThrow("HTTP 503 after 1 attempt(s)");
    expect(slept).toEqual([]);
  });

  it("takes its base URL from OPENROUTER_BASE_URL when none is given", async () => {
    process.env.OPENROUTER_BASE_URL = server.url;
    try {
      await createRemoteTransport({ sleep: async () => {} }).get(request);
      expect(server.requestsFor(KEY)).toBe(1);
    } finally {
      delete process.env.OPENROUTER_BASE_URL;
    }
  });
});
