/**
 * The archival decorator: every body the inner transport actually received is handed to
 * `archive` before anyone parses it. A request that failed archives nothing. Leaving the
 * decorator off is how tests and dry runs turn archival off.
 */
import type { RawResponse, Transport } from "./transport";

export function withArchival(inner: Transport, archive: (response: RawResponse) => Promise<void>): Transport {
  return {
    name: inner.name,
    async get(request) {
      const response = await inner.get(request);
      await archive(response);
      // Parsing needs only the text: let the received bytes go now.
      return { key: response.key, request: response.request, body: response.body };
    },
  };
}
