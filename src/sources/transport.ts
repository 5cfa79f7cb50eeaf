/**
 * Transports: where raw response bodies come from. Sources parse and validate; transports only
 * fetch text. Swapping the transport is how one `Sources` implementation serves live HTTP,
 * recordings, and archives of earlier runs.
 *
 * Owns: the `Transport` interface, the in-memory recording transport, and `TransportError`.
 * Web-standard only: Convex imports this file.
 */
import { requestKey, type SourceRequest } from "./requestKey";

/**
 * A raw response body exactly as received, before any parsing. `bytes` are the body's bytes as
 * they came off the wire, when the transport has them: archival hashes and compresses those
 * instead of encoding the text again.
 */
export type RawResponse = { key: string; request: SourceRequest; body: string; bytes?: Uint8Array };

export interface Transport {
  /** Human-readable name for reports: "remote", "fixtures", "archive". */
  readonly name: string;
  get(request: SourceRequest): Promise<RawResponse>;
}

/** A request that produced no usable body. `key` names the request. */
export class TransportError extends Error {
  constructor(
    readonly key: string,
    message: string,
    readonly attempts = 1,
  ) {
    super(`${key}: ${message}`);
    this.name = "TransportError";
  }
}

/** A recording: request key → response body (parsed JSON, or the raw text). */
export type Recording = Record<string, unknown>;

/**
 * Serves a recording held in memory. A key the recording lacks is a failed request, as a 404
 * would be live.
 *
 * @example createRecordingTransport({ "/api/frontend/models": { data: [] } })
 */
export function createRecordingTransport(recording: Recording, name = "fixtures"): Transport {
  return {
    name,
    async get(request) {
      const key = requestKey(request);
      if (!Object.prototype.hasOwnProperty.call(recording, key)) {
        throw new TransportError(key, "not in the recording");
      }
      const value = recording[key];
      return { key, request, body: typeof value === "string" ? value : JSON.stringify(value) };
    },
  };
}
