/**
 * What Convex would bill for one run, counted at the embedded runtime rather than from the
 * module's own statistics. Bench only, never shipped.
 *
 * Owns: the meter. It hooks convex-test's per-transaction tracker (the one that enforces the real
 * transaction limits), so every document a transaction reads or writes is seen with its size,
 * and credits it to the function that made it: the action's `ctx.runQuery` / `runMutation` /
 * `runAction` calls are wrapped (`meteredCtx`), and each runs in its own async context naming the
 * function. Counted per run:
 * - function calls: the action itself plus every call it makes;
 * - documents and bytes read and written, raw and rounded up to 1 KiB per document (how database
 *   bandwidth is billed); a delete counts as one document written;
 * - file storage bytes added (`ctx.storage.store` from the action).
 * Index-range scans that return nothing cost no document and are not counted.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { getFunctionName, type FunctionReference } from "convex/server";
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";
import type { ActionCtx } from "../convex/_generated/server";

const KIB = 1024;

export type FunctionCost = { calls: number; docsRead: number; bytesRead: number; kibRead: number; docsWritten: number; bytesWritten: number; kibWritten: number };
/** The largest single transaction seen: documents and bytes it read and wrote (Convex allows 32,000 / 16 MiB read and 16,000 / 16 MiB written). */
export type TransactionPeak = { docsRead: number; bytesRead: number; docsWritten: number; bytesWritten: number };
export type RunCost = FunctionCost & { fileBytesAdded: number; byFunction: Record<string, FunctionCost>; largestTransaction: TransactionPeak };

const zero = (): FunctionCost => ({ calls: 0, docsRead: 0, bytesRead: 0, kibRead: 0, docsWritten: 0, bytesWritten: 0, kibWritten: 0 });
const current = new AsyncLocalStorage<string>();
let active: RunCost | null = null;

function charge(kind: "read" | "write", bytes: number) {
  if (!active) return;
  const name = current.getStore() ?? "(outside a call)";
  const kib = Math.max(1, Math.ceil(bytes / KIB));
  for (const tally of [active, (active.byFunction[name] ??= zero())]) {
    if (kind === "read") {
      tally.docsRead++;
      tally.bytesRead += bytes;
      tally.kibRead += kib;
    } else {
      tally.docsWritten++;
      tally.bytesWritten += bytes;
      tally.kibWritten += kib;
    }
  }
}

/** Each transaction's own tally, kept on its tracker, and the largest of each kind so far. */
const perTransaction = new WeakMap<object, TransactionPeak>();
function chargeTransaction(tracker: object, kind: "read" | "write", bytes: number) {
  if (!active) return;
  const tally = perTransaction.get(tracker) ?? { docsRead: 0, bytesRead: 0, docsWritten: 0, bytesWritten: 0 };
  perTransaction.set(tracker, tally);
  if (kind === "read") {
    tally.docsRead++;
    tally.bytesRead += bytes;
  } else {
    tally.docsWritten++;
    tally.bytesWritten += bytes;
  }
  const peak = active.largestTransaction;
  for (const key of ["docsRead", "bytesRead", "docsWritten", "bytesWritten"] as const) peak[key] = Math.max(peak[key], tally[key]);
}

let installed = false;
/** Hooks the tracker once per process. Its own bookkeeping (and the limits it enforces) is unchanged. */
function install() {
  if (installed) return;
  installed = true;
  const proto = TransactionMetricsTracker.prototype as unknown as Record<string, (this: unknown, ...args: number[]) => unknown>;
  const trackRead = proto.trackRead;
  const trackWrite = proto.trackWrite;
  proto.trackRead = function (this: unknown, size: number) {
    charge("read", size);
    chargeTransaction(this as object, "read", size);
    return trackRead.call(this, size);
  };
  proto.trackWrite = function (this: unknown, size: number) {
    charge("write", size);
    chargeTransaction(this as object, "write", size);
    return trackWrite.call(this, size);
  };
}

/** Meters everything `body` does through the ctx it is given; returns its result and the cost. */
export async function metered<T>(ctx: ActionCtx, body: (ctx: ActionCtx) => Promise<T>): Promise<{ result: T; cost: RunCost }> {
  install();
  if (active) throw new Error("convexCost: one metered run at a time");
  const cost: RunCost = { ...zero(), fileBytesAdded: 0, byFunction: {}, largestTransaction: { docsRead: 0, bytesRead: 0, docsWritten: 0, bytesWritten: 0 } };
  active = cost;
  cost.calls = 1; // the action itself
  (cost.byFunction["(the action)"] = zero()).calls = 1;
  const call = (kind: "runQuery" | "runMutation" | "runAction") =>
    ((reference: FunctionReference<"query" | "mutation" | "action", "public" | "internal">, args: Record<string, unknown>) => {
      const name = getFunctionName(reference);
      cost.calls++;
      (cost.byFunction[name] ??= zero()).calls++;
      return current.run(name, () => (ctx[kind] as (r: unknown, a: unknown) => Promise<unknown>)(reference, args));
    }) as never;
  const storage = {
    ...ctx.storage,
    get: (id: Parameters<ActionCtx["storage"]["get"]>[0]) => ctx.storage.get(id),
    getUrl: (id: Parameters<ActionCtx["storage"]["getUrl"]>[0]) => ctx.storage.getUrl(id),
    delete: (id: Parameters<ActionCtx["storage"]["delete"]>[0]) => ctx.storage.delete(id),
    store: async (blob: Blob) => {
      cost.fileBytesAdded += blob.size;
      return ctx.storage.store(blob);
    },
  } as ActionCtx["storage"];
  const meteredCtx = { ...ctx, runQuery: call("runQuery"), runMutation: call("runMutation"), runAction: call("runAction"), storage } as ActionCtx;
  try {
    return { result: await body(meteredCtx), cost };
  } finally {
    active = null;
  }
}

/** Per month at one run an hour. */
export const RUNS_PER_MONTH = 24 * 30;
