/**
 * standard: the model/endpoint pipeline. Fetch models, consolidate variants, fetch every
 * variant's endpoint list with bounded concurrency, and hand every entity and every error to the
 * outputs. Where the run keeps a copy of what it received (`sources.canReread`), the models list
 * is folded in two reads (plan, then build one model at a time), so it is never held whole. The models list's validation issues go out before its models, so a writer knows which
 * stored models an invalid entry protects before it decides about them.
 *
 * Owns: the order of work and its counts. Knows nothing of databases and writes nothing itself:
 * writers decide what to do with each `PipelineResult`. A failed endpoint fetch becomes an error
 * result carrying its params, and the other variants go on; a variant that has no endpoints now
 * (a 404, or an empty list) is counted, and its stored endpoints are then absent. A
 * `RunAbortedError` from a fetch stops the whole run. Aliases have no
 * variants, so they are never requested. A failed models list throws: with no models there is
 * nothing a writer could safely do.
 */
import { mapWithConcurrency } from "../lib/mapWithConcurrency";
import { consolidateVariants, variantRequests } from "./consolidateVariants";
import type { ProcessContext } from "./processContext";
import type { ValidationIssue } from "./validator";
import { RunAbortedError } from "../sources/transport";

export type StandardCounts = {
  models: number;
  variants: number;
  /** Variants whose list answered 404 or was empty: no endpoints now. */
  empty_variants: number;
  endpoints: number;
  /** Validation issues plus failed endpoint fetches. */
  errors: number;
  parse_errors: number;
  fetch_errors: number;
  /** Items validated per source (valid or not), and the issues among them: the shares health weighs. */
  checked: { models: number; endpoints: number };
  invalid: { models: number; endpoints: number };
};

export const STANDARD_PIPELINE = "standard";

/**
 * @example
 * const ctx = createProcessContext({ config, sources, outputs: [new DryRunWriter()] });
 * await ctx.outputs.init(); const counts = await standard(ctx); await ctx.outputs.finish();
 */
export async function standard(ctx: ProcessContext): Promise<StandardCounts> {
  const { config, sources, validator, outputs, metrics } = ctx;
  metrics.emit({ t: "pipeline_started", name: STANDARD_PIPELINE, ts: Date.now() });

  // Once the models are out, only the endpoint lists to fetch are kept of the models list.
  const { models, requests, modelIssues } = sources.canReread ? await foldModels(ctx) : await modelsHeld(ctx);

  let endpoints = 0;
  let emptyVariants = 0;
  let fetchErrors = 0;
  await mapWithConcurrency(requests, config.maxConcurrency, async (request) => {
    let list;
    try {
      list = await sources.endpoints(request);
    } catch (error) {
      if (error instanceof RunAbortedError) throw error;
      fetchErrors++;
      const message = error instanceof Error ? error.message : String(error);
      metrics.emit({ t: "error", source: "endpoints", message });
      await outputs.write({ kind: "error", source: "endpoints", message, params: request });
      return;
    }
    endpoints += list.length;
    if (list.length === 0) emptyVariants++;
    for (const endpoint of list) await outputs.write({ kind: "endpoint", value: endpoint });
  });

  const issues = validator.issues();
  await writeIssues(ctx, issues.slice(modelIssues));

  const bySource = (source: string) => issues.filter((issue) => issue.source === source).length;
  const counts: StandardCounts = {
    models,
    variants: requests.length,
    empty_variants: emptyVariants,
    endpoints,
    errors: issues.length + fetchErrors,
    parse_errors: issues.length,
    fetch_errors: fetchErrors,
    checked: { models: validator.checked("models"), endpoints: validator.checked("endpoints") },
    invalid: { models: bySource("models"), endpoints: bySource("endpoints") },
  };
  const { checked: _checked, invalid: _invalid, ...totals } = counts;
  metrics.emit({ t: "pipeline_finished", name: STANDARD_PIPELINE, ts: Date.now(), counts: totals });
  return counts;
}

type ModelsOut = { models: number; requests: { permaslug: string; variant: string }[]; modelIssues: number };

/** The models list read twice (upstream, then the run's own copy), so that it is never held whole. */
async function foldModels(ctx: ProcessContext): Promise<ModelsOut> {
  const { sources, validator, outputs } = ctx;
  const plan = await sources.planModels();
  const modelIssues = validator.issues().length;
  await writeIssues(ctx, validator.issues().slice(0, modelIssues));
  let models = 0;
  await sources.eachModel(plan, async (model) => {
    models++;
    await outputs.write({ kind: "model", value: model });
  });
  return { models, requests: plan.requests(), modelIssues };
}

/** The models list read once and held, where the run keeps no copy of it. */
async function modelsHeld(ctx: ProcessContext): Promise<ModelsOut> {
  const { sources, validator, outputs } = ctx;
  const consolidated = consolidateVariants(await sources.models());
  const modelIssues = validator.issues().length;
  await writeIssues(ctx, validator.issues().slice(0, modelIssues));
  for (const model of consolidated) await outputs.write({ kind: "model", value: model });
  return { models: consolidated.length, requests: variantRequests(consolidated), modelIssues };
}

async function writeIssues({ outputs, metrics }: ProcessContext, issues: readonly ValidationIssue[]): Promise<void> {
  for (const issue of issues) {
    const where = issue.item_key ? `item ${issue.index} (${issue.item_key})` : `item ${issue.index}`;
    const params = Object.keys(issue.params).length > 0 ? ` ${JSON.stringify(issue.params)}` : "";
    const message = `${issue.source}${params} ${where}: ${issue.summary}`;
    metrics.emit({ t: "error", source: issue.source, message });
    await outputs.write({ kind: "error", source: issue.source, message, params: issue.params, item_key: issue.item_key, sha256: issue.sha256, issue: issue.kind });
  }
}
