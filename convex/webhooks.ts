/**
 * `webhooks`: subscriptions to the change history, and their deliveries. After a run that wrote
 * change rows, `runSnapshot` schedules `deliverRun`, which schedules one `deliver` per active
 * subscription; each POSTs the run's change rows that match its filter, signed, in batches, and
 * retries on its own (see convex/history/webhookDeliveries.ts for the steps,
 * src/history/webhookPayload.ts for the body and the retry schedule, src/history/webhookSignature.ts
 * for what is signed). Every function here is internal: subscriptions are managed from the CLI or
 * the dashboard, and nothing public returns a secret.
 *
 *   npx convex run webhooks:subscribe '{"url":"https://example.com/hooks/openrouter","secret":"<32 or more characters>","filter":{"tag":"price","min_percent":10}}'
 *   npx convex run webhooks:list
 *   npx convex run webhooks:deliveries '{"subscription_id":"<id>"}'
 *   npx convex run webhooks:unsubscribe '{"subscription_id":"<id>"}'
 *   npx convex run webhooks:deliverRun '{"run_id":"<id>"}'   # by hand: resumes what is pending; nothing delivered is posted twice
 *
 * Must not touch: the change rows and the snapshot runs (read only).
 */
import { doc } from "convex-helpers/validators";
import { ConvexError, v } from "convex/values";
import { internal } from "./_generated/api";
import { internalAction, internalMutation, internalQuery } from "./_generated/server";
import schema from "./schema";
import { checkedLimit } from "./lib/queryLimits";
import { vChangeItem, vFeedFilter } from "./history/validators";
import {
  attemptDelivery,
  checkSubscription,
  claimAttempt as claimAttemptHandler,
  MAX_ACTIVE_SUBSCRIPTIONS,
  readDeliveryTarget,
  readMatchingPage,
  recordAttempt as recordAttemptHandler,
  vAttemptOutcome,
} from "./history/webhookDeliveries";

const vSubscriptionView = v.object({
  _id: v.id("webhook_subscriptions"),
  url: v.string(),
  filter: vFeedFilter,
  active: v.boolean(),
  created_at: v.number(),
  unsubscribed_at: v.union(v.number(), v.null()),
});

const vDeliveryKey = { subscription_id: v.id("webhook_subscriptions"), run_id: v.id("snapshot_runs") };
const vRunPage = { run_id: v.id("snapshot_runs"), filter: vFeedFilter, cursor: v.union(v.string(), v.null()) };

/**
 * Subscribes `url` to the change rows that pass `filter` (the feed's filter: since, until, entity,
 * tag, model, provider, min_percent; none: every change, broad rewrites as one row each). Each POST
 * is signed with `secret` (HMAC-SHA256; at least 32 characters). At most 100 are active at once.
 *
 * @example npx convex run webhooks:subscribe '{"url":"https://example.com/hooks/openrouter","secret":"…","filter":{"provider":"openai"}}'
 * @throws ConvexError naming `url`, `secret` or `filter` when one is not acceptable
 */
export const subscribe = internalMutation({
  args: { url: v.string(), secret: v.string(), filter: v.optional(vFeedFilter) },
  returns: v.object({ subscription_id: v.id("webhook_subscriptions") }),
  handler: async (ctx, args) => {
    const { url, secret, filter } = checkSubscription(args);
    const active = await ctx.db
      .query("webhook_subscriptions")
      .withIndex("by_active", (q) => q.eq("active", true))
      .take(MAX_ACTIVE_SUBSCRIPTIONS);
    if (active.length >= MAX_ACTIVE_SUBSCRIPTIONS) throw new ConvexError(`there are already ${MAX_ACTIVE_SUBSCRIPTIONS} active subscriptions: unsubscribe one first`);
    const subscription_id = await ctx.db.insert("webhook_subscriptions", { url, secret, filter, active: true, created_at: Date.now(), unsubscribed_at: null });
    return { subscription_id };
  },
});

/**
 * Makes a subscription inactive: no new delivery starts, and a pending one is given up at its next
 * attempt. The row is kept (not deleted) so that its deliveries still say where they went; to
 * subscribe again, subscribe anew. Returns false when it was already inactive.
 *
 * @example npx convex run webhooks:unsubscribe '{"subscription_id":"<id>"}'
 */
export const unsubscribe = internalMutation({
  args: { subscription_id: v.id("webhook_subscriptions") },
  returns: v.object({ unsubscribed: v.boolean() }),
  handler: async (ctx, { subscription_id }) => {
    const subscription = await ctx.db.get("webhook_subscriptions", subscription_id);
    if (subscription === null) throw new ConvexError(`subscription_id: no subscription ${subscription_id}`);
    if (!subscription.active) return { unsubscribed: false };
    await ctx.db.patch("webhook_subscriptions", subscription_id, { active: false, unsubscribed_at: Date.now() });
    return { unsubscribed: true };
  },
});

/**
 * The active subscriptions (and with `include_inactive`, the 100 most recently made inactive), without their secrets.
 *
 * @example npx convex run webhooks:list '{"include_inactive":true}'
 */
export const list = internalQuery({
  args: { include_inactive: v.optional(v.boolean()) },
  returns: v.array(vSubscriptionView),
  handler: async (ctx, { include_inactive = false }) => {
    const byActive = (active: boolean) =>
      ctx.db
        .query("webhook_subscriptions")
        .withIndex("by_active", (q) => q.eq("active", active))
        .order("desc")
        .take(MAX_ACTIVE_SUBSCRIPTIONS);
    const rows = [...(await byActive(true)), ...(include_inactive ? await byActive(false) : [])];
    return rows.map(({ _id, url, filter, active, created_at, unsubscribed_at }) => ({ _id, url, filter, active, created_at, unsubscribed_at }));
  },
});

/**
 * A subscription's most recent deliveries, newest first (`limit`: 20 by default, at most 100):
 * status, attempts, the last answer's status and error, and when the next attempt runs.
 *
 * @example npx convex run webhooks:deliveries '{"subscription_id":"<id>","limit":5}'
 */
export const deliveries = internalQuery({
  args: { subscription_id: v.id("webhook_subscriptions"), limit: v.optional(v.number()) },
  returns: v.array(doc(schema, "webhook_deliveries")),
  handler: async (ctx, { subscription_id, limit }) =>
    ctx.db
      .query("webhook_deliveries")
      .withIndex("by_subscription_id_and_created_at", (q) => q.eq("subscription_id", subscription_id))
      .order("desc")
      .take(checkedLimit("limit", limit, { fallback: 20, max: 100 })),
});

/**
 * Scheduled by `runSnapshot` after a run that wrote change rows: starts one `deliver` per active
 * subscription, each on its own. Returns how many. Safe to run again for a run: a delivery that
 * is done is not repeated, one that is pending resumes where it stopped.
 */
export const deliverRun = internalMutation({
  args: { run_id: v.id("snapshot_runs") },
  returns: v.number(),
  handler: async (ctx, { run_id }) => {
    const subscriptions = await ctx.db
      .query("webhook_subscriptions")
      .withIndex("by_active", (q) => q.eq("active", true))
      .take(MAX_ACTIVE_SUBSCRIPTIONS);
    for (const { _id } of subscriptions) await ctx.scheduler.runAfter(0, internal.webhooks.deliver, { subscription_id: _id, run_id });
    return subscriptions.length;
  },
});

/** One attempt at one delivery (subscription, run): scheduled by `deliverRun`, by a failed attempt (a retry), or by a claim's lease. */
export const deliver = internalAction({
  args: vDeliveryKey,
  returns: v.union(vAttemptOutcome, v.null()),
  handler: async (ctx, args) => attemptDelivery(ctx, args),
});

/** The delivery's filter, the run's snapshot time, and whether anything is left to do. */
export const deliveryTarget = internalQuery({
  args: vDeliveryKey,
  returns: v.object({
    active: v.boolean(),
    filter: vFeedFilter,
    snapshot_at: v.union(v.number(), v.null()),
    status: v.union(v.literal("pending"), v.literal("delivered"), v.literal("failed"), v.null()),
  }),
  handler: async (ctx, args) => readDeliveryTarget(ctx, args),
});

/** A page of the run's change rows: the JSON size of each that `filter` delivers (to plan the batches). */
export const matchingSizes = internalQuery({
  args: vRunPage,
  returns: v.object({ sizes: v.array(v.number()), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, args) => {
    const { events, continueCursor, isDone } = await readMatchingPage(ctx, args);
    return { sizes: events.map((event) => JSON.stringify(event).length), continueCursor, isDone };
  },
});

/** A page of the run's change rows: those that `filter` delivers. */
export const matchingEvents = internalQuery({
  args: vRunPage,
  returns: v.object({ events: v.array(vChangeItem), continueCursor: v.string(), isDone: v.boolean() }),
  handler: async (ctx, args) => readMatchingPage(ctx, args),
});

/** Starts an attempt (see `claimAttempt` in history/webhookDeliveries.ts). */
export const claimAttempt = internalMutation({
  args: { ...vDeliveryKey, snapshot_at: v.number(), events: v.number(), batches: v.number() },
  returns: v.union(
    v.null(),
    v.object({ delivery_id: v.id("webhook_deliveries"), lease: v.number(), batches_delivered: v.number(), url: v.string(), secret: v.string() }),
  ),
  handler: async (ctx, args) => claimAttemptHandler(ctx, args),
});

/** Ends an attempt and schedules what follows (see `recordAttempt` in history/webhookDeliveries.ts). */
export const recordAttempt = internalMutation({
  args: { delivery_id: v.id("webhook_deliveries"), lease: v.number(), batches_delivered: v.number(), outcome: vAttemptOutcome },
  returns: v.null(),
  handler: async (ctx, args) => recordAttemptHandler(ctx, args),
});
