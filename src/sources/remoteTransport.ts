/**
 * The remote transport: HTTP GET against OpenRouter's frontend API (or anything serving the same
 * paths, such as the loopback fake in tests).
 *
 * Owns: per-request timeout (AbortSignal), retry with exponential backoff and jitter on network
 * errors, 408, 429 and 5xx, `Retry-After` up to a cap, and a maximum number of attempts. Every
 * attempt is reported through `onAttempt`, so a run can record it. `get` reads a body whole (under
 * `maxBodyBytes`); `stream` hands it over as it arrives (under `maxStreamedBodyBytes`), for the
 * models list. Web-standard only.
 */
import { concatBytes } from "../lib/bytes";
import { requestKey, type SourceRequest } from "./requestKey";
import { TransportError, type Transport } from "./transport";

export const DEFAULT_BASE_URL = "https://openrouter.ai";

export type RetryConfig = {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is baseDelayMs × 2^(n-1), with ±50% jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this many ms. */
  retryAfterCapMs: number;
  /** Bodies read whole (endpoint lists) larger than this are refused: a Convex action has 64 MiB in all. */
  maxBodyBytes: number;
  /**
   * Bodies read as a stream (the models list, parsed entry by entry, never held whole) larger than
   * this are refused: a sane total, a hundred times today's catalogue (about 2.5 MB), whose
   * compressed archive (about an eighth) still fits an action's memory.
   */
  maxStreamedBodyBytes: number;
};

export const DEFAULT_RETRY: RetryConfig = {
  timeoutMs: 20_000,
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  retryAfterCapMs: 30_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxStreamedBodyBytes: 256 * 1024 * 1024,
};

export type AttemptEvent = {
  key: string;
  attempt: number;
  /** "ok", or why the attempt failed ("HTTP 429", "timeout after 20000 ms", "network: …"). */
  outcome: string;
  willRetry: boolean;
  delayMs: number;
};

export type RemoteTransportOptions = Partial<RetryConfig> & {
  /** Defaults to the OPENROUTER_BASE_URL environment variable, then to OpenRouter. */
  baseUrl?: string;
  /**
   * Epoch ms by which every request must be over: attempts are cut short and retries skipped so
   * that a slow upstream cannot push a run past the action's time limit.
   */
  deadlineAt?: number;
  now?: () => number;
  onAttempt?: (event: AttemptEvent) => void;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

export function createRemoteTransport(options: RemoteTransportOptions = {}): Transport {
  const config: RetryConfig = { ...DEFAULT_RETRY, ...stripUndefined(options) };
  const environment = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const baseUrl = (options.baseUrl || environment?.OPENROUTER_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  const deadlineAt = options.deadlineAt ?? Number.POSITIVE_INFINITY;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  function backoffMs(retry: number): number {
    const exponential = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** (retry - 1));
    return Math.round(exponential * (0.5 + random()));
  }

  /**
   * Attempts a request until a 200, retrying as configured. With `readWhole`, the body is read in
   * the attempt (a body cut short is retried like a failed request); without it, the response is
   * returned unread, for the caller to stream.
   */
  async function attempt(
    request: SourceRequest,
    limit: number,
    readWhole: boolean,
  ): Promise<{ key: string; response: Response; bytes: Uint8Array | null; attempt: number; abort: AbortController | null }> {
    const key = requestKey(request);
    const url = `${baseUrl}${key}`;
    let lastFailure = "no attempt made";
    for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
      const remainingMs = deadlineAt - now();
      if (remainingMs <= 0) throw new TransportError(key, `run time budget exhausted before attempt ${attempt} (${lastFailure})`, attempt - 1);
      const attemptTimeoutMs = Math.min(config.timeoutMs, remainingMs);
      let failure: string;
      let retryable: boolean;
      let serverDelayMs: number | null = null;
      let status: number | null = null;
      let abort: AbortController | null = null;
      try {
        // A body read whole must arrive within the attempt's timeout. A streamed body is read while
        // it is parsed, which may take longer: only its headers must arrive within the timeout, and
        // then each chunk within the timeout of the one before (`streamWithLimit`).
        abort = readWhole ? null : new AbortController();
        const headersTimer = abort ? setTimeout(() => abort!.abort(new DOMException(`timeout after ${attemptTimeoutMs} ms`, "TimeoutError")), attemptTimeoutMs) : null;
        const response = await doFetch(url, {
          signal: abort ? abort.signal : AbortSignal.timeout(attemptTimeoutMs),
          headers: { accept: "application/json" },
        }).finally(() => {
          if (headersTimer !== null) clearTimeout(headersTimer);
        });
        if (response.ok) {
          const declared = Number(response.headers.get("content-length"));
          if (Number.isFinite(declared) && declared > limit) {
            await response.body?.cancel();
            throw new TransportError(key, `body of ${declared} bytes exceeds the ${limit}-byte limit`, attempt);
          }
          const bytes = readWhole ? await readBytesWithLimit(response, limit, key, attempt) : null;
          options.onAttempt?.({ key, attempt, outcome: "ok", willRetry: false, delayMs: 0 });
          return { key, response, bytes, attempt, abort };
        }
        await response.body?.cancel();
        failure = `HTTP ${response.status}`;
        status = response.status;
        retryable = RETRYABLE_STATUS(response.status);
        serverDelayMs = parseRetryAfterMs(response.headers.get("retry-after"));
      } catch (error) {
        if (error instanceof TransportError) throw error;
        failure = describeFetchError(error, attemptTimeoutMs);
        retryable = true;
      }
      lastFailure = failure;
      const wantedDelayMs = serverDelayMs !== null ? Math.min(serverDelayMs, config.retryAfterCapMs) : backoffMs(attempt);
      const willRetry = retryable && attempt < config.maxAttempts && now() + wantedDelayMs < deadlineAt;
      const delayMs = willRetry ? wantedDelayMs : 0;
      options.onAttempt?.({ key, attempt, outcome: failure, willRetry, delayMs });
      if (!willRetry) throw new TransportError(key, `${failure} after ${attempt} attempt(s)`, attempt, status);
      await sleep(delayMs);
    }
    throw new TransportError(key, `${lastFailure} after ${config.maxAttempts} attempt(s)`, config.maxAttempts);
  }

  return {
    name: "remote",
    async get(request) {
      const { key, bytes } = await attempt(request, config.maxBodyBytes, true);
      return { key, request, body: new TextDecoder().decode(bytes!), bytes: bytes! };
    },
    async stream(request) {
      const { key, response, attempt: attempts, abort } = await attempt(request, config.maxStreamedBodyBytes, false);
      return { key, request, chunks: streamWithLimit(response, { limit: config.maxStreamedBodyBytes, key, attempt: attempts, idleTimeoutMs: config.timeoutMs, abort: abort! }) };
    },
  };
}

function asTransportError(error: unknown, key: string, attempt: number, timeoutMs: number): TransportError {
  return error instanceof TransportError ? error : new TransportError(key, `${describeFetchError(error, timeoutMs)} while reading the body after ${attempt} attempt(s)`, attempt);
}

/**
 * A body's chunks as they arrive, refused past `limit` bytes; a chunk that does not come within
 * `idleTimeoutMs` of the one before aborts the request. A read that fails is a `TransportError`.
 */
async function* streamWithLimit(
  response: Response,
  { limit, key, attempt, idleTimeoutMs, abort }: { limit: number; key: string; attempt: number; idleTimeoutMs: number; abort: AbortController },
): AsyncIterable<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  let received = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      const idle = setTimeout(() => abort.abort(new DOMException(`timeout after ${idleTimeoutMs} ms`, "TimeoutError")), idleTimeoutMs);
      try {
        next = await reader.read();
      } catch (error) {
        throw asTransportError(error, key, attempt, idleTimeoutMs);
      } finally {
        clearTimeout(idle);
      }
      if (next.done) return;
      received += next.value.byteLength;
      // 413: the body is too large, and reading it again would not make it smaller.
      if (received > limit) throw new TransportError(key, `body exceeds the ${limit}-byte limit`, attempt, 413);
      yield next.value;
    }
  } finally {
    // Stopped early (an error here or in the consumer) or done: let the connection go.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Reads a body's bytes but stops at `limit`, so one huge response cannot exhaust memory. The
 * chunks are joined once and decoded once: appending decoded chunks to a string builds a rope
 * that is flattened into a second full copy when parsed.
 */
async function readBytesWithLimit(response: Response, limit: number, key: string, attempt: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      await reader.cancel();
      throw new TransportError(key, `body exceeds the ${limit}-byte limit`, attempt);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `timeout after ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `network: ${error instanceof Error ? error.message : String(error)}${cause}`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
