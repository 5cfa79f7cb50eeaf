/**
 * The archival decorator: every body the inner transport actually received is handed to
 * `archive` before anyone parses it, and so is every 404 (as an empty body with `status: 404`):
 * on an endpoint list a 404 means "no endpoints now", which a replay must see again. Any other
 * failed request archives nothing. Leaving the decorator off is how tests and dry runs turn
 * archival off.
 */
import { TransportError, type RawResponse, type Transport } from "./transport";

export function withArchival(inner: Transport, archive: (response: RawResponse) => Promise<void>): Transport {
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
  };
}
