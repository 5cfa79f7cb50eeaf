// @vitest-environment node
/**
 * The models list read as a stream, end to end over the loopback fake: the remote transport hands
 * the body over as it arrives and caps its total; the source parses it entry by entry (never
 * through `get`), reads a body cut short again from the start, skips and reports an entry over the
 * per-entry cap, and names a body that is not `{ data: [...] }`; archival keeps exactly the bytes
 * received, even when the parse stopped early. Expected entries come from `JSON.parse` of the raw
 * recording.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRemoteTransport } from "../../src/sources/remoteTransport";
import { sourcesOver, MAX_ENTRY_CHARS, SourceError } from "../../src/sources/catalogueSources";
import { withArchival } from "../../src/sources/archivingTransport";
import { createRecordingTransport, TransportError, type RawResponse, type Transport } from "../../src/sources/transport";
import { createValidator } from "../../src/pipeline/validator";
import { sha256Hex } from "../../src/lib/canonicalJson";
import { startFakeOpenRouter, type FakeOpenRouter } from "../support/fakeOpenRouter";
import { cloneRecording, GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

const recording = loadRecording(GOLDEN_2026_PATHS.base);
const MODELS_KEY = modelsKeyOf(recording);
const models = { path: MODELS_KEY, params: {} };
let server: FakeOpenRouter | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

function remote(options: Parameters<typeof createRemoteTransport>[0] = {}) {
  return createRemoteTransport({ baseUrl: server!.url, sleep: async () => {}, ...options });
}

/** A transport whose whole-body `get` must not be used for the models list. */
function streamOnly(inner: Transport): Transport {
  return {
    name: inner.name,
    get: async (request) => {
      if (request.path === MODELS_KEY) throw new Error("the models list was read whole");
      return inner.get(request);
    },
    stream: inner.stream!.bind(inner),
  };
}

describe("the streamed models list", () => {
  it("arrives in chunks, is parsed entry by entry to the same entries, and is archived byte for byte", async () => {
    server = await startFakeOpenRouter({ recording });
    const { chunks } = await remote().stream!(models);
    let pieces = 0;
    const received: Uint8Array[] = [];
    for await (const chunk of chunks) {
      pieces++;
      received.push(chunk);
    }
    const body = new TextDecoder().decode(Buffer.concat(received));
    expect(JSON.parse(body)).toEqual(recording[MODELS_KEY]);
    expect(pieces).toBeGreaterThan(1);

    const archived: RawResponse[] = [];
    const transport = streamOnly(withArchival(remote(), async (response) => void archived.push(response)));
    const entries = await sourcesOver(transport, createValidator(), { paths: "v1" }).models();
    const raw: any[] = recording[MODELS_KEY].data;
    expect(entries.map((entry) => entry.slug)).toEqual(raw.map((entry) => entry.slug));
    expect(archived).toHaveLength(1);
    expect(await sha256Hex(archived[0]!.bytes!)).toBe(await sha256Hex(new TextEncoder().encode(body)));
  });

  it("abandons a stream whose headers hang at the timeout and retries it; parsing time does not count against it", async () => {
    server = await startFakeOpenRouter({ recording });
    server.setFaults([{ key: MODELS_KEY, fault: { kind: "delay", ms: 60_000 }, times: 1 }]);
    const outcomes: string[] = [];
    const transport = remote({ timeoutMs: 300, onAttempt: (event) => void outcomes.push(event.outcome) });
    const { chunks } = await transport.stream!(models);
    expect(outcomes).toEqual(["timeout after 300 ms", "ok"]);
    // A reader slower than the timeout between chunks is not cut off: only the network's silence is.
    let read = 0;
    let pauses = 0;
    for await (const chunk of chunks) {
      read += chunk.byteLength;
      // A few pauses: the fake server, as any, drops a connection left unread for seconds.
      if (pauses++ < 3) await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(read).toBe(Buffer.byteLength(JSON.stringify(recording[MODELS_KEY])));
  });

  it("refuses a body past maxStreamedBodyBytes, naming the limit", async () => {
    server = await startFakeOpenRouter({ recording });
    await expect(sourcesOver(remote({ maxStreamedBodyBytes: 100_000 }), createValidator(), { paths: "v1" }).models()).rejects.toThrow(/exceeds the 100000-byte limit/);
    // Too large is not cut short: it is not read again.
    expect(server.requestsFor(MODELS_KEY)).toBe(1);
  });

  it("reads a body cut short again from the start, and archives only the whole one", async () => {
    server = await startFakeOpenRouter({ recording });
    server.setFaults([{ key: MODELS_KEY, fault: { kind: "truncate", bytes: 50_000 }, times: 1 }]);
    const archived: RawResponse[] = [];
    const entries = await sourcesOver(withArchival(remote(), async (response) => void archived.push(response)), createValidator(), { paths: "v1" }).models();
    expect(entries).toHaveLength(recording[MODELS_KEY].data.length);
    expect(server.requestsFor(MODELS_KEY)).toBe(2);
    expect(archived).toHaveLength(1);
    expect(JSON.parse(new TextDecoder().decode(archived[0]!.bytes!))).toEqual(recording[MODELS_KEY]);
  });

  it("names a body that is not {data: [...]}, and archives all of it though the parse stopped at its first character", async () => {
    server = await startFakeOpenRouter({ recording });
    server.setFaults([{ key: MODELS_KEY, fault: { kind: "html" } }]);
    const archived: RawResponse[] = [];
    const sources = sourcesOver(withArchival(remote(), async (response) => void archived.push(response)), createValidator(), { paths: "v1" });
    const failure = await sources.models().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceError);
    expect((failure as Error).message).toMatch(/^\/api\/frontend\/v1\/catalog\/models: body is not JSON \(\d+ bytes read, starts "<!DOCTYPE html>/);
    expect(archived).toHaveLength(1);
    expect(new TextDecoder().decode(archived[0]!.bytes!)).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\s*$/);

    server.setFaults([{ key: MODELS_KEY, fault: { kind: "wrong-shape" } }]);
    await expect(sources.models()).rejects.toThrow(/expected \{"data": \[\.\.\.\]\}, but the object has no "data"/);
  });

  it("skips an entry over the per-entry cap, reports it as too large with no key, and keeps the rest", async () => {
    const edited = cloneRecording(recording);
    const entries: any[] = edited[MODELS_KEY].data;
    entries[3].description = "x".repeat(MAX_ENTRY_CHARS);
    const validator = createValidator();
    const parsed = await sourcesOver(streamOnly(createRecordingTransport(edited)), validator, { paths: "v1" }).models();
    expect(parsed.map((entry) => entry.slug)).toEqual(entries.filter((_, index) => index !== 3).map((entry) => entry.slug));
    expect(validator.issues()).toEqual([
      expect.objectContaining({ source: "models", index: 3, item_key: null, kind: "too_large", summary: expect.stringMatching(/^entry of \d+ characters exceeds the 4194304-character cap/) }),
    ]);
    expect(validator.checked("models")).toBe(entries.length);
  });

  it("a transport without streams is read whole, as before", async () => {
    const inner = createRecordingTransport(recording);
    const whole: Transport = { name: "whole", get: (request) => inner.get(request) };
    const parsed = await sourcesOver(whole, createValidator(), { paths: "v1" }).models();
    expect(parsed).toHaveLength(recording[MODELS_KEY].data.length);
    await expect(sourcesOver(createRecordingTransport({}), createValidator(), { paths: "v1" }).models()).rejects.toBeInstanceOf(TransportError);
  });
});
