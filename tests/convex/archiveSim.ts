/**
 * Test support for archive suites: simulated snapshot runs that go through the real archiver
 * (hash, store when new, batch-record) with fabricated `snapshot_at`, fast enough to simulate
 * months of hourly runs.
 */
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { createConvexArchiver } from "../../convex/lib/archiver";
import type { TestConvex } from "./setup";

export type SimulatedRun = { snapshot_at: number; bodies: Record<string, string> };

const PATHS: Record<string, string> = { models: "/api/frontend/models", endpoints: "/api/frontend/stats/endpoint" };

/** Request key "models" or "endpoints?variant=…" → the request the archiver expects. */
function requestOf(key: string) {
  const [type, query = ""] = key.split("?");
  return { path: PATHS[type], params: Object.fromEntries(new URLSearchParams(query)) };
}

/** Archives each run's bodies as a remote run would, `perAction` runs to an action. Returns run ids in order. */
export async function simulateArchivedRuns(t: TestConvex, runs: SimulatedRun[], perAction = 200): Promise<Id<"snapshot_runs">[]> {
  const ids: Id<"snapshot_runs">[] = [];
  for (let start = 0; start < runs.length; start += perAction) {
    const slice = runs.slice(start, start + perAction);
    const sliceIds: Id<"snapshot_runs">[] = await t.action(async (ctx) => {
      const out: Id<"snapshot_runs">[] = [];
      for (const run of slice) {
        const { run_id } = await ctx.runMutation(internal.snapshot_runs.start, {
          snapshot_at: run.snapshot_at,
          started_at: run.snapshot_at,
          config: { output: "convex", source: "remote", maxConcurrency: 1 },
          lease_ms: 1,
        });
        const archiver = createConvexArchiver(ctx, { run_id, snapshot_at: run.snapshot_at });
        for (const [key, body] of Object.entries(run.bodies)) {
          const request = requestOf(key);
          await archiver.archive({ key, request, body });
        }
        await archiver.flush();
        await ctx.runMutation(internal.snapshot_runs.complete, { run_id, status: "ok", ok: true, health: "healthy", ended_at: run.snapshot_at });
        out.push(run_id);
      }
      return out;
    });
    ids.push(...sliceIds);
  }
  return ids;
}
