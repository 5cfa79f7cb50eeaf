/**
 * Webhook deliveries, as `(ctx, args)` helpers that the registrations in `convex/webhooks.ts`
 * delegate to.
 *
 * Owns: checking a subscription's arguments; reading a run's change rows that match a filter, a
 * page at a time, with broad rewrites folded as the feed folds them; the delivery row's life
 * (claimed by an attempt under a lease, then delivered, retried later, or given up); and the
 * attempt itself, which posts the batches from where the last one stopped. Must not touch: the
 * change rows (read only), the snapshot run (it only schedules `webhooks:deliverRun`), what a body
 * holds or how it is signed (src/history/webhookPayload.ts, webhookSignature.ts).
 *
 * How one delivery (subscription, run) goes:
 * 1. `deliverRun` schedules one `deliver` per active subscription: each runs on its own, so a slow
 *    or dead subscriber holds back no other, and never the snapshot.
 * 2. An attempt sizes the matching events (`planBatches`) and claims the delivery row (created on
 *    the first attempt; a run with no matching event gets no row). The claim holds a lease longer
 *    than an action can live and schedules a check at its end, so an attempt that dies mid-way is
 *    counted as failed and retried, and two attempts never overlap.
 * 3. It posts batch after batch from `batches_delivered`, and stops at the first that fails. After
 *    `ATTEMPT_BUDGET_MS` it stops between batches and continues in a new action (not a new attempt).
 * 4. `recordAttempt` ends it: delivered; or pending with the next attempt scheduled after
 *    `RETRY_DELAYS_MS`; or failed after `MAX_ATTEMPTS`. Each attempt leaves its status and error.
 */
import { ConvexError, v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { ActionCtx, MutationCtx, QueryCtx } from "../_generated/server";
import { checkFilter, foldRewrites, foldsRewrites, matchesFilter, type FeedFilter } from "../../src/history/feed";
import { cutBatches, MAX_ATTEMPTS, planBatches, postWebhook, retryDelayMs, webhookBody } from "../../src/history/webhookPayload";
import { itemOf, readRunRewrites, type ChangeItem } from "./historyReads";

/** Change rows of a run read by one query: rows are a few KB, and a query may read 16 MiB. */
export const RUN_ROWS_PER_PAGE = 100;

/** At most this many subscriptions are active at once: `deliverRun` schedules them all in one mutation. */
export const MAX_ACTIVE_SUBSCRIPTIONS = 100;

/** A secret shorter than this is refused: 32 characters is what `openssl rand -hex 16` gives. */
export const MIN_SECRET_LENGTH = 32;

/** An attempt posts for this long, then continues in a new action: an action may run 10 minutes. */
export const ATTEMPT_BUDGET_MS = 4 * 60_000;

/** How long a claim holds a delivery: longer than any action can run, so it never lapses under a live attempt. */
export const LEASE_MS = 11 * 60_000;

/** How an attempt ended, as `recordAttempt` records it. */
export const vAttemptOutcome = v.union(
  /** `status`: the last POST's; null when this attempt had nothing left to post. */
  v.object({ kind: v.literal("delivered"), status: v.union(v.number(), v.null()) }),
  v.object({ kind: v.literal("failed"), status: v.union(v.number(), v.null()), error: v.string() }),
  /** The time budget ran out between batches: continue now, in a new action. */
  v.object({ kind: v.literal("paused") }),
);
export type AttemptOutcome = Infer<typeof vAttemptOutcome>;

/**
 * A subscription's arguments checked, each error naming the argument; returns them as stored.
 *
 * @example checkSubscription({ url: "https://example.com/hooks/or", secret: "…32 characters or more…", filter: { tag: "price" } })
 * @throws ConvexError naming `url`, `secret` or `filter`
 */
export function checkSubscription(args: { url: string; secret: string; filter?: FeedFilter }): { url: string; secret: string; filter: FeedFilter } {
  let parsed: URL;
  try {
    parsed = new URL(args.url);
  } catch {
    throw new ConvexError(`url must be an absolute http(s) URL, got ${JSON.stringify(args.url.slice(0, 200))}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new ConvexError(`url must be http or https, got ${parsed.protocol.slice(0, -1)}`);
  // fetch refuses a URL with credentials: every POST would fail.
  if (parsed.username !== "" || parsed.password !== "") throw new ConvexError("url must not carry a user or password; the signature authenticates the POST");
  if (args.secret.trim().length < MIN_SECRET_LENGTH) {
    throw new ConvexError(`secret must be at least ${MIN_SECRET_LENGTH} characters (not counting surrounding spaces), got ${args.secret.trim().length}`);
  }
  const filter = args.filter ?? {};
  try {
    checkFilter(filter);
  } catch (error) {
    throw new ConvexError(`filter.${error instanceof Error ? error.message : String(error)}`);
  }
  return { url: parsed.href, secret: args.secret, filter };
}

/** A page of a run's change rows, as the events a filter delivers of it (possibly none while not done). */
export type MatchingPage = { events: ChangeItem[]; continueCursor: string; isDone: boolean };

/**
 * One page of a run's change rows (in index order), and those of them that `filter` delivers, as
 * the feed would show them. Only rows written by the run itself count (created by its end): a
 * removal a person accepts later is dated the run's snapshot too, but arriving after the plan it
 * would shift every batch of a delivery under way, so it is not posted (the feed and queries have it).
 */
export async function readMatchingPage(
  ctx: QueryCtx,
  { run_id, filter, cursor }: { run_id: Id<"snapshot_runs">; filter: FeedFilter; cursor: string | null },
): Promise<MatchingPage> {
  const page = await ctx.db
    .query("or_changes")
    .withIndex("by_run_id_and_event", (q) => q.eq("run_id", run_id))
    .paginate({ cursor, numItems: RUN_ROWS_PER_PAGE });
  const ended_at = (await ctx.db.get("snapshot_runs", run_id))?.ended_at ?? Infinity;
  let rows = page.page.filter((row) => row._creationTime <= ended_at && matchesFilter(row, filter));
  if (foldsRewrites(filter) && rows.some((row) => row.event === "updated")) {
    const rewrites = await readRunRewrites(ctx, run_id);
    rows = foldRewrites(rows, new Map([[run_id as string, rewrites]]));
  }
  return { events: rows.map(itemOf), continueCursor: page.continueCursor, isDone: page.isDone };
}

/** The delivery row of (subscription, run), or null. */
export function findDelivery(ctx: QueryCtx, subscription_id: Id<"webhook_subscriptions">, run_id: Id<"snapshot_runs">) {
  return ctx.db
    .query("webhook_deliveries")
    .withIndex("by_subscription_id_and_run_id", (q) => q.eq("subscription_id", subscription_id).eq("run_id", run_id))
    .unique();
}

/** What an attempt needs to know before it reads the run: the filter, the run's time, and whether anything is left to do. */
export async function readDeliveryTarget(ctx: QueryCtx, { subscription_id, run_id }: { subscription_id: Id<"webhook_subscriptions">; run_id: Id<"snapshot_runs"> }) {
  const subscription = await ctx.db.get("webhook_subscriptions", subscription_id);
  const run = await ctx.db.get("snapshot_runs", run_id);
  const delivery = await findDelivery(ctx, subscription_id, run_id);
  return {
    active: subscription?.active ?? false,
    filter: subscription?.filter ?? {},
    snapshot_at: run?.snapshot_at ?? null,
    status: delivery?.status ?? null,
  };
}

/**
 * Starts an attempt: creates the delivery row on the first one, and leases it. Null when there is
 * nothing to do: no matching event, already delivered or given up, another attempt in flight, or the
 * subscription cancelled (a pending delivery is then given up). An earlier attempt that held a
 * lapsed lease never finished: it counts as failed.
 */
export async function claimAttempt(
  ctx: MutationCtx,
  args: { subscription_id: Id<"webhook_subscriptions">; run_id: Id<"snapshot_runs">; snapshot_at: number; events: number; batches: number },
): Promise<{ delivery_id: Id<"webhook_deliveries">; lease: number; batches_delivered: number; url: string; secret: string } | null> {
  const now = Date.now();
  const subscription = await ctx.db.get("webhook_subscriptions", args.subscription_id);
  const existing = await findDelivery(ctx, args.subscription_id, args.run_id);
  if (!subscription?.active) {
    if (existing?.status === "pending") await giveUp(ctx, existing, existing.attempts, "the subscription was cancelled");
    return null;
  }
  if (existing === null && args.events === 0) return null;
  const row =
    existing ??
    (await ctx.db.get(
      "webhook_deliveries",
      await ctx.db.insert("webhook_deliveries", {
        subscription_id: args.subscription_id,
        run_id: args.run_id,
        snapshot_at: args.snapshot_at,
        events: args.events,
        batches: args.batches,
        batches_delivered: 0,
        status: "pending",
        attempts: 0,
        last_status: null,
        last_error: null,
        last_attempt_at: null,
        next_attempt_at: null,
        delivered_at: null,
        created_at: now,
        leased_until: null,
        next_job: null,
      }),
    ))!;
  if (row.status !== "pending" || (row.leased_until !== null && row.leased_until > now)) return null;
  let { attempts, last_error } = row;
  if (row.leased_until !== null) {
    attempts += 1;
    last_error = `attempt ${attempts} stopped without recording an outcome (the action died or timed out)`;
    if (attempts >= MAX_ATTEMPTS) {
      await giveUp(ctx, row, attempts, last_error);
      return null;
    }
  }
  await cancelIfPending(ctx, row.next_job);
  const lease = now + LEASE_MS;
  const next_job = await ctx.scheduler.runAt(lease, internal.webhooks.deliver, { subscription_id: args.subscription_id, run_id: args.run_id });
  await ctx.db.patch("webhook_deliveries", row._id, {
    events: args.events,
    batches: args.batches,
    attempts,
    last_error,
    last_attempt_at: now,
    next_attempt_at: null,
    leased_until: lease,
    next_job,
  });
  return { delivery_id: row._id, lease, batches_delivered: row.batches_delivered, url: subscription.url, secret: subscription.secret };
}

/**
 * Ends an attempt (or pauses it) and schedules what comes next. Does nothing when the attempt's
 * lease is no longer the row's: a later attempt took the delivery over.
 */
export async function recordAttempt(
  ctx: MutationCtx,
  { delivery_id, lease, batches_delivered, outcome }: { delivery_id: Id<"webhook_deliveries">; lease: number; batches_delivered: number; outcome: AttemptOutcome },
): Promise<null> {
  const row = await ctx.db.get("webhook_deliveries", delivery_id);
  if (row === null || row.status !== "pending" || row.leased_until !== lease) return null;
  await cancelIfPending(ctx, row.next_job);
  const now = Date.now();
  const next = { subscription_id: row.subscription_id, run_id: row.run_id };
  const released = { batches_delivered, leased_until: null, next_job: null, next_attempt_at: null };
  if (outcome.kind === "paused") {
    await ctx.db.patch("webhook_deliveries", row._id, { ...released, next_attempt_at: now, next_job: await ctx.scheduler.runAfter(0, internal.webhooks.deliver, next) });
  } else if (outcome.kind === "delivered") {
    await ctx.db.patch("webhook_deliveries", row._id, {
      ...released,
      status: "delivered",
      attempts: row.attempts + 1,
      last_status: outcome.status ?? row.last_status,
      delivered_at: now,
    });
  } else {
    const attempts = row.attempts + 1;
    const delay = retryDelayMs(attempts);
    const failure = { ...released, attempts, last_status: outcome.status, last_error: outcome.error };
    if (delay === null) await ctx.db.patch("webhook_deliveries", row._id, { ...failure, status: "failed" });
    else
      await ctx.db.patch("webhook_deliveries", row._id, {
        ...failure,
        next_attempt_at: now + delay,
        next_job: await ctx.scheduler.runAfter(delay, internal.webhooks.deliver, next),
      });
  }
  return null;
}

/**
 * One attempt at delivering a run's matching events to a subscription (see the file's steps).
 * Returns what it came to, for logs and tests; null when there was nothing to do.
 */
export async function attemptDelivery(
  ctx: ActionCtx,
  { subscription_id, run_id }: { subscription_id: Id<"webhook_subscriptions">; run_id: Id<"snapshot_runs"> },
): Promise<AttemptOutcome | null> {
  const target = await ctx.runQuery(internal.webhooks.deliveryTarget, { subscription_id, run_id });
  if (target.snapshot_at === null || (target.status !== null && target.status !== "pending")) return null;
  const { filter, snapshot_at } = target;
  const claimArgs = { subscription_id, run_id, snapshot_at };
  if (!target.active) {
    await ctx.runMutation(internal.webhooks.claimAttempt, { ...claimArgs, events: 0, batches: 0 });
    return null;
  }

  // The plan first: every batch's events are known before the first POST, so `batch.count` is too.
  const sizes: number[] = [];
  for (let cursor: string | null = null, isDone = false; !isDone;) {
    const page: { sizes: number[]; continueCursor: string; isDone: boolean } = await ctx.runQuery(internal.webhooks.matchingSizes, { run_id, filter, cursor });
    sizes.push(...page.sizes);
    ({ continueCursor: cursor, isDone } = page);
  }
  const plan = planBatches(sizes);
  const claim = await ctx.runMutation(internal.webhooks.claimAttempt, { ...claimArgs, events: sizes.length, batches: plan.length });
  if (claim === null) return null;

  const started = Date.now();
  let delivered = claim.batches_delivered;
  let outcome: AttemptOutcome = { kind: "delivered", status: null };
  let index = 0;
  for await (const events of cutBatches(matchingEvents(ctx, run_id, filter), plan)) {
    const batch = index++;
    // Batches already delivered are read past, not posted again.
    if (batch < delivered) continue;
    if (Date.now() - started > ATTEMPT_BUDGET_MS) {
      outcome = { kind: "paused" };
      break;
    }
    const body = webhookBody({ run_id, snapshot_at, batch: { index: batch, count: plan.length }, events });
    const posted = await postWebhook({ url: claim.url, secret: claim.secret, deliveryId: `${claim.delivery_id}:${batch}`, body });
    if (!posted.ok) {
      outcome = { kind: "failed", status: posted.status, error: `batch ${batch + 1} of ${plan.length}: ${posted.error}` };
      break;
    }
    outcome = { kind: "delivered", status: posted.status };
    delivered = batch + 1;
  }
  await ctx.runMutation(internal.webhooks.recordAttempt, { delivery_id: claim.delivery_id, lease: claim.lease, batches_delivered: delivered, outcome });
  if (outcome.kind === "failed") console.warn(`webhook ${subscription_id}, run ${run_id}: ${outcome.error}`);
  return outcome;
}

/** The run's change rows that `filter` delivers, in index order, read a page per query. */
async function* matchingEvents(ctx: ActionCtx, run_id: Id<"snapshot_runs">, filter: FeedFilter): AsyncGenerator<ChangeItem> {
  for (let cursor: string | null = null, isDone = false; !isDone;) {
    const page: MatchingPage = await ctx.runQuery(internal.webhooks.matchingEvents, { run_id, filter, cursor });
    ({ continueCursor: cursor, isDone } = page);
    yield* page.events;
  }
}

/** Gives a pending delivery up, cancelling what was scheduled for it. */
async function giveUp(ctx: MutationCtx, row: Doc<"webhook_deliveries">, attempts: number, error: string): Promise<void> {
  await cancelIfPending(ctx, row.next_job);
  await ctx.db.patch("webhook_deliveries", row._id, { status: "failed", attempts, last_error: error, next_attempt_at: null, leased_until: null, next_job: null });
}

/** Cancels a scheduled job that has not started: one running is the caller itself, and cancelling it would cancel what it schedules. */
async function cancelIfPending(ctx: MutationCtx, job: Id<"_scheduled_functions"> | null): Promise<void> {
  if (job === null) return;
  const scheduled = await ctx.db.system.get("_scheduled_functions", job);
  if (scheduled?.state.kind === "pending") await ctx.scheduler.cancel(job);
}
