/**
 * The process context: everything one pipeline run needs, wired once.
 *
 * Owns: the run's config, and the fan-out of results to every output handler. Handlers can be
 * given as objects, or as a config string ("dry-run", "convex,dry-run") that names them through
 * a factory map.
 */
import type { CatalogueSources as Sources } from "../sources/catalogueSources";
import type { Validator } from "./validator";
import type { MetricsSink, OutputHandler, PipelineResult } from "./types";

export type ProcessConfig = {
  run_id: string;
  /** The hour this snapshot stands for, epoch ms. */
  snapshot_at: number;
  maxConcurrency: number;
};

export type Outputs = {
  handlers: OutputHandler[];
  init(): Promise<void>;
  write(result: PipelineResult): Promise<void>;
  finish(): Promise<void>;
};

export type ProcessContext = {
  config: ProcessConfig;
  sources: Sources;
  validator: Validator;
  outputs: Outputs;
  metrics: MetricsSink;
};

export type OutputFactories = Record<string, () => OutputHandler>;

export const noopMetricsSink: MetricsSink = { emit() {}, async flush() {} };

/** Resolves "a,b" through the factories; an unknown name is an error that lists the known ones. */
export function resolveOutputs(spec: string | OutputHandler[], factories: OutputFactories = {}): OutputHandler[] {
  if (typeof spec !== "string") return spec;
  const names = spec.split(",").map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new Error("outputs: no handler named");
  return names.map((name) => {
    const factory = factories[name];
    if (!factory) throw new Error(`outputs: unknown handler "${name}" (known: ${Object.keys(factories).join(", ") || "none"})`);
    return factory();
  });
}

/** Fans each call out to every handler, in order. */
export function fanOut(handlers: OutputHandler[]): Outputs {
  return {
    handlers,
    async init() {
      for (const handler of handlers) await handler.init?.();
    },
    async write(result) {
      for (const handler of handlers) await handler.write(result);
    },
    async finish() {
      for (const handler of handlers) await handler.finish?.();
    },
  };
}

export function createProcessContext(options: {
  config: ProcessConfig;
  sources: Sources;
  outputs: string | OutputHandler[];
  factories?: OutputFactories;
  metrics?: MetricsSink;
}): ProcessContext {
  return {
    config: options.config,
    sources: options.sources,
    validator: options.sources.validator,
    outputs: fanOut(resolveOutputs(options.outputs, options.factories)),
    metrics: options.metrics ?? noopMetricsSink,
  };
}
