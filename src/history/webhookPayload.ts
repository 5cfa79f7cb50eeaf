/**
 * webhookPayload: what a webhook delivery posts, cut into how many POSTs, sent how, and retried when.
 *
 * Owns: the JSON body of one POST, cutting a run's matching events into batches, one signed POST
 * with its timeout (told apart as delivered, or failed with why), and the retry schedule. Must not
 * touch: Convex (the delivery action reads, records and schedules), which events match (`feed.ts`),
 * how the signature is made (`webhookSignature.ts`).
 *
 * One delivery is a run's events that match one subscription's filter, posted in order in batches
 * of at most `MAX_EVENTS_PER_POST` events and about `MAX_BODY_CHARS` of JSON (an event larger than
 * that goes alone). Each POST's body, `Content-Type: application/json`:
 *
 *     { "run_id": "…", "snapshot_at": 1785412800000, "batch": { "index": 0, "count": 3 }, "events": [ … ] }
 *
 * `snapshot_at` is in ms; `batch.index` counts from 0 to `batch.count - 1`. Each event is a change row
 * exactly as `changes:feed` returns it (`_id`, `_creationTime`, `snapshot_at`, `run_id`, `entity`,
 * `key`, `model_slug`, `provider_slug`, `event`, `reason`, `fields`, `tags`, `rates`,
 * `max_abs_percent`, and `count` on a `rewrite`), so `_id` identifies an event across deliveries.
 *
 * A POST is delivered when it is answered 2xx within `POST_TIMEOUT_MS`. Anything else (another
 * status, a redirect, a network error, the timeout) fails the attempt; the next attempt resumes at
 * the batch that failed, after `RETRY_DELAYS_MS`, and after `MAX_ATTEMPTS` failed attempts the
 * delivery is given up. A retried batch carries the same delivery id, so a receiver that saw it
 * answered too late can drop the copy.
 */
import { chunkByBudget } from "../lib/chunkByBudget";
import { signedHeaders } from "./webhookSignature";

/** Events in one POST at most. */
export const MAX_EVENTS_PER_POST = 100;

/** JSON characters of events in one POST, about (a single larger event goes alone): many receivers refuse bodies above a few MB. */
export const MAX_BODY_CHARS = 1_000_000;

/** How long one POST may take, headers and answer, before it counts as failed. */
export const POST_TIMEOUT_MS = 10_000;

/** The wait before each retry after a failed attempt: 1 min, 5 min, 30 min, 2 h. */
export const RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000, 2 * 60 * 60_000];

/** Attempts of one delivery before it is given up: the first and one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

const USER_AGENT = "openrouter-snapshots-webhooks/1";

/** One POST's body: which run, which batch of how many, and its events. */
export type WebhookBody<Event> = { run_id: string; snapshot_at: number; batch: { index: number; count: number }; events: readonly Event[] };

/**
 * The exact body text of one POST (keys in the documented order); the signature covers these bytes.
 *
 * @example webhookBody({ run_id: "r1", snapshot_at: 1785412800000, batch: { index: 0, count: 1 }, events: [] })
 * // → '{"run_id":"r1","snapshot_at":1785412800000,"batch":{"index":0,"count":1},"events":[]}'
 */
export function webhookBody<Event>({ run_id, snapshot_at, batch, events }: WebhookBody<Event>): string {
  return JSON.stringify({ run_id, snapshot_at, batch: { index: batch.index, count: batch.count }, events });
}

/**
 * How many events each batch takes, in order, given each matching event's JSON size: at most
 * `MAX_EVENTS_PER_POST` and about `MAX_BODY_CHARS` each. The same sizes always give the same plan,
 * so an attempt that resumes at batch `i` posts the same events as the one that failed there.
 *
 * @example planBatches([10, 10, 10], { maxEvents: 2 }) // → [2, 1]
 */
export function planBatches(sizes: readonly number[], budget: { maxEvents?: number; maxChars?: number } = {}): number[] {
  const indexes = sizes.map((_, index) => index);
  return chunkByBudget(indexes, { maxItems: budget.maxEvents ?? MAX_EVENTS_PER_POST, maxBytes: budget.maxChars ?? MAX_BODY_CHARS }, (index) => sizes[index]).map(
    (batch) => batch.length,
  );
}

/**
 * The events cut into the plan's batches, in order, as they stream in: batch `i` holds the next
 * `plan[i]` events. Events beyond the plan (it cannot happen for a finished run, whose rows do not
 * change) come as one more batch rather than being lost.
 *
 * @example for await (const batch of cutBatches(events, [100, 40])) post(batch)
 */
export async function* cutBatches<Event>(events: AsyncIterable<Event>, plan: readonly number[]): AsyncGenerator<Event[]> {
  let batch: Event[] = [];
  let index = 0;
  for await (const event of events) {
    batch.push(event);
    if (index < plan.length && batch.length >= plan[index]) {
      yield batch;
      batch = [];
      index += 1;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The wait before the next attempt after `attempts` attempts failed, or null when the delivery is given up.
 *
 * @example retryDelayMs(1) // → 60_000; retryDelayMs(MAX_ATTEMPTS) // → null
 */
export function retryDelayMs(attempts: number): number | null {
  return attempts >= 1 && attempts < MAX_ATTEMPTS ? RETRY_DELAYS_MS[attempts - 1] : null;
}

/** What one POST came to: delivered (2xx), or failed with the status (null: no answer) and why. */
export type PostOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * Signs and POSTs one body, waiting at most `timeoutMs` for the whole answer. Never throws: a
 * network error or the timeout is a failed outcome with its message.
 *
 * @example const outcome = await postWebhook({ url, secret, deliveryId: "d1:0", body }); if (!outcome.ok) console.warn(outcome.error);
 */
export async function postWebhook(post: {
  url: string;
  secret: string;
  deliveryId: string;
  body: string;
  timeoutMs?: number;
  at?: number;
  fetch?: typeof fetch;
}): Promise<PostOutcome> {
  const timeoutMs = post.timeoutMs ?? POST_TIMEOUT_MS;
  const doFetch = post.fetch ?? ((input, init) => fetch(input, init));
  try {
    const headers = { "Content-Type": "application/json", "User-Agent": USER_AGENT, ...(await signedHeaders(post.secret, post)) };
    // Never followed: a redirect would send the signed body on to wherever it points.
    const response = await doFetch(post.url, { method: "POST", headers, body: post.body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    // The answer's body is not read: a receiver only says yes or no.
    await response.body?.cancel().catch(() => undefined);
    if (response.redirected || (response.status >= 300 && response.status < 400) || response.type === "opaqueredirect") {
      const location = response.headers.get("location");
      return { ok: false, status: response.status, error: `redirected${location ? ` to ${location}` : ""}; subscribe with the URL that answers` };
    }
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TimeoutError" || name === "AbortError") return { ok: false, status: null, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, status: null, error: describeError(error) };
  }
}

/** A fetch failure's message with its cause (undici puts "ECONNREFUSED …" there), cut to a readable length. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`.slice(0, 500);
}
