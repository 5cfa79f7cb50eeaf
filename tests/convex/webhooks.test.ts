/**
 * Webhooks end to end on convex-test with transaction limits. Two real snapshots (the 2026 base
 * recording, then the next day's) run with subscriptions in place; a loopback receiver checks each
 * POST's signature with node:crypto and records the batches. What each subscriber should get is
 * worked out here from the `or_changes` rows themselves, with the filter and the rewrite folding
 * written again in this file, never by the module's code. A hand-made run checks the edges the
 * golden runs do not reach: folding a broad rewrite, cutting batches by count and by size, resuming
 * at the batch that failed, a lease held or lapsed, a subscription cancelled while its delivery is
 * pending.
 *
 * Scheduled functions run on real timers in this file. A POST in flight does not survive fake
 * timers: advancing them fires the HTTP client's own timers and the fetch fails. So the first
 * attempts run as the run scheduled them, and each retry (due minutes later) is started by calling
 * `webhooks:deliver` as its scheduled job would; the job itself is checked in `_scheduled_functions`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import type { ChangeRow } from "../../convex/history/validators";
import { allRows, setupTest, withFakeOpenRouter, type TestConvex } from "./setup";
import { GOLDEN_2026_PATHS, loadRecording, type RawRecording } from "../support/recording";
import { closedPort, startWebhookReceiver, type ReceivedPost, type WebhookReceiver } from "../support/webhookReceiver";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 6, 24, 12);

type Filter = { since?: number; until?: number; entity?: "model" | "endpoint"; tag?: ChangeRow["tags"][number]; model?: string; provider?: string; min_percent?: number };
type Report = { run_id: Id<"snapshot_runs">; snapshot_at: number; status: string; ok: boolean; health: string; events: number };

const secretOf = (name: string) => `secret-of-${name}-`.padEnd(44, "0");

/** Subscribers that answer 200, and what each asks for. */
const HEALTHY: Record<string, Filter> = {
  all: {},
  price: { tag: "price", min_percent: 10 },
  anthropic: { provider: "anthropic" },
  scout: { model: "meta-llama/llama-4-scout" },
  models: { entity: "model", since: T0 + DAY },
};
/** Answers 500 to its first POST, then 200. */
const FLAKY: Filter = { entity: "endpoint", since: T0 + DAY };
/** Always answers 500. */
const DOWN: Filter = { tag: "deprecation" };
/** On a port nothing listens on. */
const REFUSED: Filter = { tag: "availability", since: T0 + DAY };

/** The change rows a subscriber with `filter` should get of a run, by the feed's rules, written out here. */
function expectedEvents(rows: readonly Doc<"or_changes">[], run_id: string, filter: Filter): Doc<"or_changes">[] {
  const ofRun = rows.filter((row) => row.run_id === run_id);
  const passes = (row: Doc<"or_changes">) =>
    (filter.since === undefined || row.snapshot_at >= filter.since) &&
    (filter.until === undefined || row.snapshot_at <= filter.until) &&
    (filter.entity === undefined || row.entity === filter.entity) &&
    (filter.model === undefined || row.model_slug === filter.model) &&
    (filter.provider === undefined || row.provider_slug === filter.provider) &&
    (filter.tag === undefined || row.tags.includes(filter.tag)) &&
    (filter.min_percent === undefined || (row.max_abs_percent !== null && row.max_abs_percent >= filter.min_percent));
  // Without a model or provider filter, an `updated` row whose every path is one of its run's rewrites (of its entity kind) is told by the rewrite row.
  const rewritten = new Set(ofRun.filter((row) => row.event === "rewrite").map((row) => `${row.entity} ${row.key}`));
  const folded = (row: Doc<"or_changes">) =>
    filter.model === undefined &&
    filter.provider === undefined &&
    row.event === "updated" &&
    row.fields.length > 0 &&
    row.fields.every((field) => rewritten.has(`${row.entity} ${field.path}`));
  return ofRun.filter((row) => passes(row) && !folded(row));
}

/** The change row as a webhook posts it: without its revert. */
function posted({ revert: _revert, ...item }: Doc<"or_changes">) {
  return item;
}

const sortedIds = (items: readonly { _id: string }[]) => items.map((item) => item._id).sort();
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

/** Runs what is scheduled and due, on real timers: retries (minutes away) and lease checks stay pending. */
async function settle(t: TestConvex): Promise<void> {
  await t.finishAllScheduledFunctions(() => undefined);
}

async function deliveryOf(t: TestConvex, subscription_id: Id<"webhook_subscriptions">, run_id: Id<"snapshot_runs">) {
  return t.run((ctx) =>
    ctx.db
      .query("webhook_deliveries")
      .withIndex("by_subscription_id_and_run_id", (q) => q.eq("subscription_id", subscription_id).eq("run_id", run_id))
      .unique(),
  );
}

async function pendingDeliverJobs(t: TestConvex) {
  const jobs = await t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
  return jobs.filter((job) => job.name.startsWith("webhooks") && job.state.kind === "pending");
}

describe("webhooks over two real snapshots", () => {
  const base: RawRecording = loadRecording(GOLDEN_2026_PATHS.base);
  const nextDay: RawRecording = loadRecording(GOLDEN_2026_PATHS.nextDay);
  let t: TestConvex;
  let receiver: WebhookReceiver;
  const ids: Record<string, Id<"webhook_subscriptions">> = {};
  const reports: Report[] = [];
  let runsAsRecorded: Doc<"snapshot_runs">[] = [];
  let changes: Doc<"or_changes">[] = [];
  const postsTo = (name: string): ReceivedPost[] => receiver.posts.filter((post) => post.path === `/${name}`);

  beforeAll(async () => {
    const names = [...Object.keys(HEALTHY), "flaky", "down", "cancelled"];
    receiver = await startWebhookReceiver(Object.fromEntries(names.map((name) => [`/${name}`, secretOf(name)])), (path, nth) =>
      path === "/down" || (path === "/flaky" && nth === 1) ? 500 : 200,
    );
    t = setupTest();
    const subscribe = async (name: string, url: string, filter: Filter) => {
      ids[name] = (await t.mutation(internal.webhooks.subscribe, { url, secret: secretOf(name), filter })).subscription_id;
    };
    for (const [name, filter] of Object.entries(HEALTHY)) await subscribe(name, `${receiver.url}/${name}`, filter);
    await subscribe("flaky", `${receiver.url}/flaky`, FLAKY);
    await subscribe("down", `${receiver.url}/down`, DOWN);
    await subscribe("refused", `http://127.0.0.1:${await closedPort()}/hook`, REFUSED);
    await subscribe("cancelled", `${receiver.url}/cancelled`, {});
    await t.mutation(internal.webhooks.unsubscribe, { subscription_id: ids.cancelled });

    let recording = base;
    await withFakeOpenRouter({ recording: () => recording }, async () => {
      reports.push(await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 }));
      await settle(t);
      recording = nextDay;
      reports.push(await t.action(internal.snapshots_v2.runDemo, { snapshot_at: T0 + DAY }));
      // The run records as they stand when the runs return, before any delivery has run.
      runsAsRecorded = await allRows(t, "snapshot_runs");
      await settle(t);
    });
    changes = await allRows(t, "or_changes");
  });

  afterAll(() => receiver?.close());

  it("the runs are healthy and their reports count the change rows they wrote, subscribers or not", () => {
    for (const report of reports) {
      expect(report).toMatchObject({ status: "ok", ok: true, health: "healthy" });
      expect(report.events).toBe(changes.filter((row) => row.run_id === report.run_id).length);
    }
    // Something for every subscriber to be tested on: the base adds the whole catalogue, the next day changes a little.
    const [first, second] = reports;
    expect(expectedEvents(changes, first.run_id, HEALTHY.all).length).toBeGreaterThan(200);
    for (const name of ["all", "price", "anthropic", "scout", "models"]) expect(expectedEvents(changes, second.run_id, HEALTHY[name]).length, name).toBeGreaterThan(0);
  });

  it("each healthy subscriber gets exactly the change rows of each run that match its filter, signed, in batches of at most 100, each once", async () => {
    for (const [name, filter] of Object.entries(HEALTHY)) {
      const posts = postsTo(name);
      expect(posts.every((post) => post.signatureValid && post.answered === 200 && post.headers["content-type"] === "application/json")).toBe(true);
      for (const run of reports) {
        const expected = expectedEvents(changes, run.run_id, filter);
        const batches = posts.filter((post) => post.body.run_id === run.run_id);
        const row = await deliveryOf(t, ids[name], run.run_id);
        if (expected.length === 0) {
          // No matching event: no POST and no delivery row.
          expect(batches, `${name} ${run.snapshot_at}`).toEqual([]);
          expect(row).toBeNull();
          continue;
        }
        const count = Math.ceil(expected.length / 100);
        expect(
          batches.map((post) => post.body.batch),
          name,
        ).toEqual(range(count).map((index) => ({ index, count })));
        expect(batches.every((post) => post.body.snapshot_at === run.snapshot_at && post.body.events.length <= 100)).toBe(true);
        const events = batches.flatMap((post) => post.body.events);
        expect(sortedIds(events), `${name} ${run.snapshot_at}`).toEqual(sortedIds(expected));
        // Each event is the stored change row, without its revert.
        const stored = new Map(expected.map((row) => [row._id as string, posted(row)]));
        for (const event of events) expect(event).toEqual(stored.get(event._id));
        expect(row).toMatchObject({
          status: "delivered",
          attempts: 1,
          events: expected.length,
          batches: count,
          batches_delivered: count,
          last_status: 200,
          last_error: null,
          next_attempt_at: null,
          leased_until: null,
          next_job: null,
        });
        expect(batches.map((post) => post.deliveryId)).toEqual(range(count).map((index) => `${row!._id}:${index}`));
      }
    }
    // The cancelled subscription was never posted to.
    expect(postsTo("cancelled")).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("webhook_deliveries").collect()).then((rows) => rows.filter((row) => row.subscription_id === ids.cancelled))).toEqual([]);
  });

  it("a subscriber that fails once is retried a minute later (here: by hand) and ends delivered after 2 attempts", async () => {
    const run = reports[1];
    const expected = expectedEvents(changes, run.run_id, FLAKY);
    expect(expectedEvents(changes, reports[0].run_id, FLAKY)).toEqual([]);
    const pending = (await deliveryOf(t, ids.flaky, run.run_id))!;
    expect(pending).toMatchObject({ status: "pending", attempts: 1, batches_delivered: 0, last_status: 500, last_error: "batch 1 of 1: HTTP 500 Internal Server Error" });
    expect(pending.next_attempt_at! - pending.last_attempt_at!).toBeGreaterThanOrEqual(1 * MINUTE);
    expect(pending.next_attempt_at! - pending.last_attempt_at!).toBeLessThan(1 * MINUTE + 10_000);
    const retry = (await pendingDeliverJobs(t)).find((job) => job._id === pending.next_job)!;
    expect(retry).toMatchObject({ name: "webhooks:deliver", args: [{ subscription_id: ids.flaky, run_id: run.run_id }], scheduledTime: pending.next_attempt_at });

    expect(await t.action(internal.webhooks.deliver, { subscription_id: ids.flaky, run_id: run.run_id })).toEqual({ kind: "delivered", status: 200 });
    const row = (await deliveryOf(t, ids.flaky, run.run_id))!;
    expect(row).toMatchObject({ status: "delivered", attempts: 2, batches_delivered: 1, last_status: 200, next_attempt_at: null, next_job: null, leased_until: null });
    expect(row.delivered_at).not.toBeNull();
    // The same batch twice, under the same delivery id: a 500, then a 200.
    const posts = postsTo("flaky");
    expect(posts.map((post) => [post.deliveryId, post.answered])).toEqual([
      [`${row._id}:0`, 500],
      [`${row._id}:0`, 200],
    ]);
    expect(posts.every((post) => post.signatureValid)).toBe(true);
    expect(sortedIds(posts[1].body.events)).toEqual(sortedIds(expected));
    // The retry the first attempt scheduled was cancelled when this one started.
    expect((await t.run((ctx) => ctx.db.system.get(pending.next_job!)))?.state.kind).toBe("canceled");
  });

  it("a subscriber answering 500 and one on a closed port end failed after 5 attempts, 1 min, 5 min, 30 min and 2 h apart, and the runs stay as recorded", async () => {
    const run = reports[1];
    for (const [name, filter, status, error] of [
      ["down", DOWN, 500, /^batch 1 of 1: HTTP 500 Internal Server Error$/],
      ["refused", REFUSED, null, /^batch 1 of 1: .*(ECONNREFUSED|fetch failed)/],
    ] as const) {
      // The base run had no matching event: only the next day's run is delivered.
      expect(expectedEvents(changes, reports[0].run_id, filter)).toEqual([]);
      expect(await deliveryOf(t, ids[name], reports[0].run_id)).toBeNull();
      expect(expectedEvents(changes, run.run_id, filter).length).toBeGreaterThan(0);
      const delays = [1, 5, 30, 120].map((minutes) => minutes * MINUTE);
      for (let attempt = 1; attempt <= 5; attempt++) {
        // The first attempt ran as scheduled by the run; each later one is started as its retry job would.
        if (attempt > 1) expect(await t.action(internal.webhooks.deliver, { subscription_id: ids[name], run_id: run.run_id })).toMatchObject({ kind: "failed", status });
        const row = (await deliveryOf(t, ids[name], run.run_id))!;
        expect(row, `${name} attempt ${attempt}`).toMatchObject({ attempts: attempt, batches_delivered: 0, last_status: status, leased_until: null });
        expect(row.last_error).toMatch(error);
        if (attempt < 5) {
          expect(row.status).toBe("pending");
          expect(row.next_attempt_at! - row.last_attempt_at!).toBeGreaterThanOrEqual(delays[attempt - 1]);
          expect(row.next_attempt_at! - row.last_attempt_at!).toBeLessThan(delays[attempt - 1] + 10_000);
          expect((await pendingDeliverJobs(t)).filter((job) => job._id === row.next_job)).toHaveLength(1);
        } else {
          expect(row).toMatchObject({ status: "failed", next_attempt_at: null, next_job: null });
        }
      }
      // Given up: another call posts nothing.
      expect(await t.action(internal.webhooks.deliver, { subscription_id: ids[name], run_id: run.run_id })).toBeNull();
    }
    const row = (await deliveryOf(t, ids.down, run.run_id))!;
    expect(postsTo("down").map((post) => [post.deliveryId, post.answered, post.signatureValid])).toEqual(range(5).map(() => [`${row._id}:0`, 500, true]));
    // Nothing is left scheduled for any delivery, and no run record was touched by them.
    expect(await pendingDeliverJobs(t)).toEqual([]);
    expect(await allRows(t, "snapshot_runs")).toEqual(runsAsRecorded);
  });
});

describe("webhooks over a hand-made run", () => {
  const T = Date.UTC(2026, 7, 1);
  let t: TestConvex;
  let receiver: WebhookReceiver;
  let run_id: Id<"snapshot_runs">;
  const ids: Record<string, Id<"webhook_subscriptions">> = {};

  beforeAll(async () => {
    // "/resume" fails its second POST only; "/gone" always fails.
    receiver = await startWebhookReceiver({ "/resume": secretOf("resume"), "/gone": secretOf("gone"), "/nothing": secretOf("nothing") }, (path, nth) =>
      path === "/gone" || (path === "/resume" && nth === 2) ? 500 : 200,
    );
    t = setupTest();
    run_id = await t.run((ctx) =>
      ctx.db.insert("snapshot_runs", { snapshot_at: T, started_at: T, status: "ok", config: { output: "convex", source: "remote", maxConcurrency: 1 } }),
    );
    const row = (over: Partial<ChangeRow>): ChangeRow => ({
      snapshot_at: T,
      run_id,
      entity: "endpoint",
      key: "",
      model_slug: "acme/widget",
      provider_slug: "acme",
      event: "updated",
      reason: null,
      fields: [],
      tags: [],
      rates: [],
      max_abs_percent: null,
      revert: "{}",
      ...over,
    });
    const versionOnly = { path: "pricing_version_id", before: "v1", after: "v2", tag: "metadata" as const };
    // 120 models added; the run's rewrite of pricing_version_id on endpoints; 150 endpoints that changed only that
    // (folded into the rewrite); 100 that also changed a price (kept); 2 models whose descriptions of 300 000
    // characters each were replaced (about 600 000 characters of JSON each).
    await t.run(async (ctx) => {
      for (const i of range(120))
        await ctx.db.insert(
          "or_changes",
          row({ entity: "model", key: `acme/m-${i}`, model_slug: `acme/m-${i}`, provider_slug: null, event: "added", tags: ["availability"] }),
        );
      await ctx.db.insert("or_changes", row({ key: "pricing_version_id", model_slug: null, provider_slug: null, event: "rewrite", tags: ["metadata"], count: 250 }));
      for (const i of range(150)) await ctx.db.insert("or_changes", row({ key: `["acme/widget","standard","folded-${i}"]`, fields: [versionOnly], tags: ["metadata"] }));
      for (const i of range(100)) {
        await ctx.db.insert(
          "or_changes",
          row({
            key: `["acme/widget","standard","kept-${i}"]`,
            fields: [versionOnly, { path: "pricing.prompt", before: 1e-6, after: 2e-6, tag: "price" }],
            tags: ["metadata", "price"],
            rates: [{ path: "pricing.prompt", before: 1e-6, after: 2e-6, percent: 100 }],
            max_abs_percent: 100,
          }),
        );
      }
    });
    for (const i of range(2)) {
      await t.run((ctx) =>
        ctx.db.insert(
          "or_changes",
          row({
            entity: "model",
            key: `acme/big-${i}`,
            model_slug: `acme/big-${i}`,
            provider_slug: null,
            fields: [{ path: "description", before: "a".repeat(300_000), after: "b".repeat(300_000), tag: "metadata" }],
            tags: ["metadata"],
          }),
        ),
      );
    }
    const subscribe = async (name: string, filter: Filter) => {
      ids[name] = (await t.mutation(internal.webhooks.subscribe, { url: `${receiver.url}/${name}`, secret: secretOf(name), filter })).subscription_id;
    };
    await subscribe("resume", {});
    await subscribe("gone", { entity: "model" });
    await subscribe("nothing", { provider: "nobody" });
    expect(await t.mutation(internal.webhooks.deliverRun, { run_id })).toBe(3);
    await settle(t);
  });

  afterAll(() => receiver?.close());

  it("folds the rewrite, cuts batches by count and by size, and resumes at the batch that failed", async () => {
    const rows = await allRows(t, "or_changes");
    const expected = expectedEvents(rows, run_id, {});
    // 120 added, the rewrite, 100 kept updates, 2 large ones: the 150 version-only updates are told by the rewrite.
    expect(expected).toHaveLength(223);
    const pending = (await deliveryOf(t, ids.resume, run_id))!;
    expect(pending).toMatchObject({
      status: "pending",
      attempts: 1,
      events: 223,
      batches: 4,
      batches_delivered: 1,
      last_error: "batch 2 of 4: HTTP 500 Internal Server Error",
    });

    expect(await t.action(internal.webhooks.deliver, { subscription_id: ids.resume, run_id })).toEqual({ kind: "delivered", status: 200 });
    expect(await deliveryOf(t, ids.resume, run_id)).toMatchObject({ status: "delivered", attempts: 2, batches_delivered: 4 });
    const posts = receiver.posts.filter((post) => post.path === "/resume");
    expect(posts.every((post) => post.signatureValid)).toBe(true);
    // Batch 0 once, batch 1 failed then again, then 2 and 3: nothing delivered is posted twice.
    expect(posts.map((post) => [post.body.batch.index, post.answered])).toEqual([
      [0, 200],
      [1, 500],
      [1, 200],
      [2, 200],
      [3, 200],
    ]);
    // The retried batch is the same body, byte for byte.
    expect(posts[2].raw).toBe(posts[1].raw);
    const delivered = posts.filter((post) => post.answered === 200);
    // 100 by count; 20 added + the rewrite + 79 updates; 21 updates and the first large one (about 610 000 characters);
    // the second large one would pass 1 000 000, so it goes alone.
    expect(delivered.map((post) => post.body.events.length)).toEqual([100, 100, 22, 1]);
    expect(sortedIds(delivered.flatMap((post) => post.body.events))).toEqual(sortedIds(expected));
    expect(delivered[3].body.events[0].key).toBe("acme/big-1");
  });

  it("a subscriber whose filter matches nothing in the run gets no POST and no delivery row", async () => {
    expect(receiver.posts.filter((post) => post.path === "/nothing")).toEqual([]);
    expect(await deliveryOf(t, ids.nothing, run_id)).toBeNull();
  });

  it("a held lease keeps a second attempt out; a lapsed one counts as a failed attempt; cancelling gives a pending delivery up", async () => {
    const postsToGone = () => receiver.posts.filter((post) => post.path === "/gone").length;
    const first = (await deliveryOf(t, ids.gone, run_id))!;
    expect(first).toMatchObject({ status: "pending", attempts: 1, last_status: 500 });
    expect(postsToGone()).toBe(1);

    await t.run((ctx) => ctx.db.patch(first._id, { leased_until: Date.now() + 5 * MINUTE }));
    expect(await t.action(internal.webhooks.deliver, { subscription_id: ids.gone, run_id })).toBeNull();
    expect(postsToGone()).toBe(1);

    // An attempt that died holding the lease: the next one counts it, then fails its own.
    await t.run((ctx) => ctx.db.patch(first._id, { leased_until: Date.now() - 1 }));
    expect(await t.action(internal.webhooks.deliver, { subscription_id: ids.gone, run_id })).toMatchObject({ kind: "failed", status: 500 });
    expect(postsToGone()).toBe(2);
    expect(await deliveryOf(t, ids.gone, run_id)).toMatchObject({ status: "pending", attempts: 3, last_status: 500 });

    expect(await t.mutation(internal.webhooks.unsubscribe, { subscription_id: ids.gone })).toEqual({ unsubscribed: true });
    expect(await t.mutation(internal.webhooks.unsubscribe, { subscription_id: ids.gone })).toEqual({ unsubscribed: false });
    expect(await t.action(internal.webhooks.deliver, { subscription_id: ids.gone, run_id })).toBeNull();
    expect(await deliveryOf(t, ids.gone, run_id)).toMatchObject({ status: "failed", attempts: 3, last_error: "the subscription was cancelled", next_job: null });
    expect(postsToGone()).toBe(2);
    expect(await pendingDeliverJobs(t)).toEqual([]);
  });

  it("subscribe refuses bad arguments by name; list never shows a secret; deliveries are newest first and bounded", async () => {
    const subscribe = (args: { url?: string; secret?: string; filter?: Filter }) =>
      t.mutation(internal.webhooks.subscribe, { url: "https://example.com/hook", secret: secretOf("x"), ...args });
    await expect(subscribe({ url: "not a url" })).rejects.toThrow(/url must be an absolute http\(s\) URL, got "not a url"/);
    await expect(subscribe({ url: "/hooks/relative" })).rejects.toThrow(/url must be an absolute http\(s\) URL/);
    await expect(subscribe({ url: "ftp://example.com/hook" })).rejects.toThrow(/url must be http or https, got ftp/);
    await expect(subscribe({ url: "https://user:pw@example.com/hook" })).rejects.toThrow(/url must not carry a user or password/);
    const short = await subscribe({ secret: "too-short" }).then(String, (error: Error) => error.message);
    expect(short).toMatch(/secret must be at least 32 characters/);
    expect(short).not.toContain("too-short");
    await expect(subscribe({ secret: `  ${"x".repeat(31)}  ` })).rejects.toThrow(/secret must be at least 32 characters.*got 31/);
    await expect(subscribe({ filter: { min_percent: -1 } })).rejects.toThrow(/filter\.min_percent must be at least 0, got -1/);
    await expect(subscribe({ filter: { since: 2, until: 1 } })).rejects.toThrow(/filter\.since \(2\) is after until \(1\)/);

    const active = await t.query(internal.webhooks.list, {});
    expect(active.map((row) => row._id).sort()).toEqual([ids.resume, ids.nothing].sort());
    const everyone = await t.query(internal.webhooks.list, { include_inactive: true });
    expect(everyone.find((row) => row._id === ids.gone)).toMatchObject({ active: false, url: `${receiver.url}/gone`, filter: { entity: "model" } });
    expect(everyone.every((row) => !("secret" in row))).toBe(true);
    expect(JSON.stringify(everyone)).not.toContain("secret-of-");

    expect(await t.query(internal.webhooks.deliveries, { subscription_id: ids.resume })).toEqual([await deliveryOf(t, ids.resume, run_id)]);
    await expect(t.query(internal.webhooks.deliveries, { subscription_id: ids.resume, limit: 0 })).rejects.toThrow(/limit must be a positive integer, got 0/);
  });
});
