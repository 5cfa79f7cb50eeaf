/**
 * The v1-style baseline, bench only: the pipeline this module replaces, modelled on the same
 * embedded runtime, fake server and data as v2. Endpoint lists are fetched one at a time, and
 * every entity gets its own upsert mutation that rewrites `snapshot_at`, changed or not.
 */
import { makeFunctionReference } from "convex/server";
import type { GenericActionCtx, GenericDataModel } from "convex/server";
import { consolidateVariants, variantRequests } from "../src/pipeline/consolidateVariants";
import { createValidator } from "../src/pipeline/validator";
import { endpointKey } from "../src/openrouter/schemas";
import { sourcesOver } from "../src/sources/catalogueSources";
import { createRemoteTransport } from "../src/sources/remoteTransport";
import type { UpstreamPaths } from "../src/sources/requestKey";

const upsert = makeFunctionReference<"mutation">("bench_v1:upsert");
const keys = makeFunctionReference<"query">("bench_v1:keys");

export async function runBaseline(ctx: GenericActionCtx<GenericDataModel>, options: { snapshot_at: number; baseUrl: string; paths: UpstreamPaths }) {
  const sources = sourcesOver(createRemoteTransport({ baseUrl: options.baseUrl, maxBodyBytes: 64 * 1024 * 1024 }), createValidator(), { paths: options.paths });
  const models = consolidateVariants(await sources.models());
  const modelIds = new Map<string, string>(await ctx.runQuery(keys, { table: "v1_models" }));
  const endpointIds = new Map<string, string>(await ctx.runQuery(keys, { table: "v1_endpoints" }));
  let mutations = 0;
  for (const model of models) {
    await ctx.runMutation(upsert, { table: "v1_models", id: modelIds.get(model.slug), key: model.slug, content: model, snapshot_at: options.snapshot_at });
    mutations++;
  }
  for (const request of variantRequests(models)) {
    let endpoints;
    try {
      endpoints = await sources.endpoints(request);
    } catch {
      continue;
    }
    for (const endpoint of endpoints) {
      const key = endpointKey(endpoint);
      await ctx.runMutation(upsert, { table: "v1_endpoints", id: endpointIds.get(key), key, content: endpoint, snapshot_at: options.snapshot_at });
      mutations++;
    }
  }
  return { mutations, models: models.length };
}
