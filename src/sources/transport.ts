/**
 * Transports: where raw response bodies come from. Sources parse and validate; transports only
 * fetch text. Swapping the transport is how one `Sources` implementation serves live HTTP,
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

export interface Transport {
  /** Human-readable name for reports: "remote", "fixtures", "archive". */
  readonly name: string;
  get(request: SourceRequest): Promise<RawResponse>;
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
  };
}
