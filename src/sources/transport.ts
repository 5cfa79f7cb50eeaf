/**
 * Transports: where raw response bodies come from. Sources parse and validate; transports only
 * fetch text, whole (`get`) or as a stream of bytes (`stream`, for the models list). Swapping the transport is how one `Sources` implementation serves live HTTP,
 * recordings, and archives of earlier runs.
 *
 * Owns: the `Transport` interface, the in-memory recording transport, `TransportError`, and
 * `RunAbortedError` (a failure no single request can absorb: the whole run must stop).
 * Web-standard only: Convex imports this file.
 */
import { requestKey, type SourceRequest } from "./requestKey";

/**
 * A raw response body exactly as received, before any parsing. `bytes` are the body's bytes as
 * they came off the wire, when the transport has them: archival hashes and compresses those
 * instead of encoding the text again.
 */
export type RawResponse = {
  key: string;
  request: SourceRequest;
  body: string;
  bytes?: Uint8Array;
  /** HTTP status when it was not 200: only a 404 is ever archived (see `withArchival`). */
  status?: number;
};

/**
 * A 200 response whose body is read as it arrives: `chunks` yields the body's bytes once, in
 * order. A failure while reading (the connection dropped, the body passed its size cap) is thrown
 * from the iteration as a `TransportError`.
 */
export type StreamedResponse = { key: string; request: SourceRequest; chunks: AsyncIterable<Uint8Array> };

export interface Transport {
  /** Human-readable name for reports: "remote", "fixtures", "archive". */
  readonly name: string;
  get(request: SourceRequest): Promise<RawResponse>;
  /** The body as a stream, for large bodies (the models list); transports without it are read whole. Fails as `get` does before the body. */
  stream?(request: SourceRequest): Promise<StreamedResponse>;
  /**
   * The body this run already received for the request, again, from the run's own copy (its
   * archive), never from upstream: a large body can then be read twice instead of held. Absent
   * where the run keeps no copy.
   */
  reread?(request: SourceRequest): Promise<StreamedResponse>;
}

/** Bytes served per chunk by transports that hold the whole body already: small enough that parsing never needs it whole. */
export const SERVED_CHUNK_BYTES = 64 * 1024;

/** A body held whole, served in chunks, as a network would deliver it. */
export async function* chunked(bytes: Uint8Array, size = SERVED_CHUNK_BYTES): AsyncIterable<Uint8Array> {
  for (let start = 0; start < bytes.byteLength; start += size) yield bytes.subarray(start, start + size);
}

/**
 * A failure that must stop the run instead of failing one request: e.g. a replay whose archived
 * body vanished mid-run (the rest of the replay would show that variant's rows as unchanged, and a
 * replay must be whole or nothing). `standard` rethrows it.
 */
export class RunAbortedError extends Error {}

/**
 * A request that produced no usable body. `key` names the request; `status` is the HTTP status
 * when the server answered with one. A 404 on an endpoint list means "this variant has no
 * endpoints now" (see `catalogueSources`), so transports must report it with `status: 404`.
 */
export class TransportError extends Error {
  constructor(
    readonly key: string,
    message: string,
    readonly attempts = 1,
    readonly status: number | null = null,
  ) {
    super(`${key}: ${message}`);
    this.name = "TransportError";
  }
}

/** A recording: request key → response body (parsed JSON, or the raw text). */
export type Recording = Record<string, unknown>;

/**
 * Serves a recording held in memory. A key the recording lacks answers 404, as the live API (and
 * the loopback fake) answer a request they have nothing for.
 *
 * @example createRecordingTransport({ "/api/frontend/models": { data: [] } })
 */
export function createRecordingTransport(recording: Recording, name = "fixtures"): Transport {
  return {
    name,
    async get(request) {
      const key = requestKey(request);
      if (!Object.prototype.hasOwnProperty.call(recording, key)) {
        throw new TransportError(key, "HTTP 404 (not in the recording)", 1, 404);
      }
      const value = recording[key];
      return { key, request, body: typeof value === "string" ? value : JSON.stringify(value) };
    },
    async stream(request) {
      return servedInChunks(await this.get(request));
    },
  };
}

/** A body read whole, served in chunks as a stream would deliver it. */
export function servedInChunks({ key, request, body }: RawResponse): StreamedResponse {
  return { key, request, chunks: chunked(new TextEncoder().encode(body)) };
}

/** The body as a stream: the transport's own where it has one, else read whole and served in chunks. */
export async function openStream(transport: Transport, request: SourceRequest): Promise<StreamedResponse> {
  return transport.stream ? transport.stream(request) : servedInChunks(await transport.get(request));
}
