/**
 * createSources: the typed entry point to OpenRouter's catalogue, built from a config.
 *
 * Owns: choosing a transport from config (`remote`, `fixtures` from a file or an object, or one
 * passed in: `archive` replay, or a decorated remote one) and the upstream path family, and
 * returning `sourcesOver` them. A recording is served under the family its keys use, so the
 * May 2025 recording and 2026-shaped ones both run. Reads recording files, so it is for Node and
 * tests: Convex code calls `sourcesOver` directly.
 */
import { readFileSync } from "node:fs";
import { createValidator, type Validator } from "../pipeline/validator";
import { sourcesOver, type SourcesOptions } from "./catalogueSources";
import { createRemoteTransport, type RemoteTransportOptions } from "./remoteTransport";
import { UPSTREAM_PATHS, upstreamPathsOfRecording, type UpstreamPaths } from "./requestKey";
import { createRecordingTransport, type Recording, type Transport } from "./transport";

/** `paths` picks the upstream path family; fixtures default to the family their keys use. */
export type SourcesConfig = { paths?: UpstreamPaths } & (
  | ({ sources: "remote" } & RemoteTransportOptions)
  | { sources: "fixtures"; path: string }
  | { sources: "fixtures"; recording: Recording }
  /** Any other transport: `archive` replay, or a decorated remote one. */
  | { sources: "archive" | "custom"; transport: Transport }
);

function transportFor(config: SourcesConfig): { transport: Transport; paths?: UpstreamPaths } {
  switch (config.sources) {
    case "remote":
      return { transport: createRemoteTransport(config), paths: config.paths };
    case "fixtures": {
      const recording = "recording" in config ? config.recording : readRecordingFile(config.path);
      return { transport: createRecordingTransport(recording), paths: config.paths ?? upstreamPathsOfRecording(recording) ?? undefined };
    }
    case "archive":
    case "custom":
      return { transport: config.transport, paths: config.paths };
  }
}

/** Reads a recording file: an object mapping request keys to bodies, keyed by either path family. */
export function readRecordingFile(path: string): Recording {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`recording ${path}: expected an object mapping request keys to bodies`);
  }
  if (upstreamPathsOfRecording(parsed as Recording) === null) {
    const expected = Object.entries(UPSTREAM_PATHS).map(([name, family]) => `${family.models} (${name})`);
    throw new Error(`recording ${path}: no models-list key; expected ${expected.join(" or ")}`);
  }
  return parsed as Recording;
}

/**
 * @example
 * const sources = createSources({ sources: "fixtures", path: "tests/golden/recording-2026-base.json" });
 * const entries = await sources.models();
 * const endpoints = await sources.endpoints({ permaslug: "liquid/lfm-7b", variant: "standard" });
 */
export function createSources(config: SourcesConfig, validator: Validator = createValidator(), options: Omit<SourcesOptions, "paths"> = {}) {
  const { transport, paths } = transportFor(config);
  return sourcesOver(transport, validator, { ...options, paths });
}

export type Sources = ReturnType<typeof createSources>;
