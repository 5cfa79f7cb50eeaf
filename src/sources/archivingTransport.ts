/**
 * The archival decorator: every body the inner transport actually received is handed to
 * `archive` before anyone parses it, and so is every 404 (as an empty body with `status: 404`):
 * on an endpoint list a 404 means "no endpoints now", which a replay must see again. Any other
 * failed request archives nothing. A streamed body (the models list) is archived when it has been
 * read to its end. Leaving the decorator off is how tests and dry runs turn archival off.
 */
import { concatBytes } from "../lib/bytes";
import type { SourceRequest } from "./requestKey";
import { TransportError, type RawResponse, type StreamedResponse, type Transport } from "./transport";

/** A streamed body's archive: fed each chunk as it passes (the next is read once it is taken), closed once the body was read to its end. */
export type StreamArchive = { push(chunk: Uint8Array): void | Promise<void>; end(): Promise<void> };

/**
 * Where bodies are archived: whole (`archive`), or, when it can, as they stream in (`begin`). A
 * sink that can read an archived body back (`reread`) lets the run read it again instead of
 * holding it.
 */
export type ArchiveSink = {
  archive(response: RawResponse): Promise<void>;
  begin?(request: SourceRequest): StreamArchive;
  reread?(request: SourceRequest): Promise<StreamedResponse>;
};

export function withArchival(inner: Transport, sink: ArchiveSink | ArchiveSink["archive"]): Transport {
  const { archive, begin, reread } = typeof sink === "function" ? { archive: sink, begin: undefined, reread: undefined } : sink;
  return {
    name: inner.name,
    async get(request) {
      let response: RawResponse;
      try {
        response = await inner.get(request);
      } catch (error) {
        if (error instanceof TransportError && error.status === 404) await archive({ key: error.key, request, body: "", status: 404 });
        throw error;
      }
      await archive(response);
      // Parsing needs only the text: let the received bytes go now.
      return { key: response.key, request: response.request, body: response.body };
    },
    ...(inner.stream ? { stream: (request) => archivedStream(inner, request, archive, begin) } : {}),
    ...(reread ? { reread: (request) => reread(request) } : {}),
  };
}

/**
 * A streamed body, archived once it has been read to its end: chunk by chunk into the sink's
 * stream archive when it has one (the body is then never held whole), else kept as they pass
 * (bytes, never text) and handed over whole. A reader that stops early (the body is not what it
 * should be) does not stop the archive: the rest is read and archived too, so a replay meets the
 * same body. A stream that fails (the connection dropped) archives nothing.
 */
async function archivedStream(
  inner: Transport,
  request: SourceRequest,
  archive: ArchiveSink["archive"],
  begin: ArchiveSink["begin"],
): Promise<StreamedResponse> {
  let response: StreamedResponse;
  try {
    response = await inner.stream!(request);
  } catch (error) {
    if (error instanceof TransportError && error.status === 404) await archive({ key: error.key, request, body: "", status: 404 });
    throw error;
  }
  const { key } = response;
  const source = response.chunks[Symbol.asyncIterator]();
  const kept: Uint8Array[] = [];
  const streamed = begin?.(request);
  const keep = async (chunk: Uint8Array) => {
    if (streamed) await streamed.push(chunk);
    else kept.push(chunk);
  };
  async function* teed(): AsyncIterable<Uint8Array> {
    let state: "reading" | "read" | "failed" = "reading";
    const next = async () => {
      try {
        return await source.next();
      } catch (error) {
        state = "failed";
        throw error;
      }
    };
    try {
      for (let chunk = await next(); !chunk.done; chunk = await next()) {
        await keep(chunk.value);
        yield chunk.value;
      }
      state = "read";
    } finally {
      // Stopped early by the reader: read the rest for the archive (a failure then archives nothing).
      if (state === "reading") {
        try {
          for (let chunk = await next(); !chunk.done; chunk = await next()) await keep(chunk.value);
          state = "read";
        } catch {
          // The reader's own error is the one that counts.
        }
      }
      const bytes = concatBytes(kept.splice(0));
      if (state === "read") await (streamed ? streamed.end() : archive({ key, request, body: "", bytes }));
    }
  }
  return { key, request, chunks: teed() };
}
