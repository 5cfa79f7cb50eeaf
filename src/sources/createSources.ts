/**
 * createSources: the typed entry point to OpenRouter's catalogue, built from a config.
 *
 * Owns: choosing a transport from config (`remote`, `fixtures` from a file or an object, or one
 * passed in: `archive` replay, or a decorated remote one) and returning `sourcesOver` it. Reads
 * recording files, so it is for Node and tests: Convex code calls `sourcesOver` directly.
 */
import { readFileSync } from "node:fs";
import { createValidator, type Validator } from "../pipeline/validator";
import { sourcesOver } from "./catalogueSources";
import { createRemoteTransport, type RemoteTransportOptions } from "./remoteTransport";
import { createRecordingTransport, type Recording, type Transport } from "./transport";

export type SourcesConfig =
  | ({ sources: "remote" } & RemoteTransportOptions)
  | { sources: "fixtures"; path: string }
  | { sources: "fixtures"; recording: Recording }
  /** Any other transport: `archive` replay, or a decorated remote one. */
  | { sources: "archive" | "custom"; transport: Transport };

function transportFor(config: SourcesConfig): Transport {
  switch (config.sources) {
    case "remote":
      return createRemoteTransport(config);
    case "fixtures":
      return createRecordingTransport("recording" in config ? config.recording : readRecordingFile(config.path));
    case "archive":
    case "custom":
      return config.transport;
  }
}

/** Reads a recording file: an object mapping request keys to bodies. */
export function readRecordingFile(path: string): Recording {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`recording ${path}: expected an object mapping request keys to bodies`);
  }
  return parsed as Recording;
}

/**
 * @example
 * const sources = createSources({ sources: "fixtures", path: "tests/golden/recording-2025-05-20.json" });
 * const entries = await sources.models();
 * const endpoints = await sources.endpoints({ permaslug: "liquid/lfm-7b", variant: "standard" });
 */
export function createSources(config: SourcesConfig, validator: Validator = createValidator()) {
  return sourcesOver(transportFor(config), validator);
}

export type Sources = ReturnType<typeof createSources>;
