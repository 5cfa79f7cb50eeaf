/**
 * Sources: the typed entry point to OpenRouter's catalogue, over a swappable transport.
 *
 * Owns: turning raw bodies into validated entities (`models()`, `endpoints()`), and choosing a
 * transport from config (`remote`, `fixtures`, or one passed in, e.g. `archive` or an archiving
 * decorator). A body that is not `{ data: [...] }` is a failed request (`SourceError`); a bad item
 * inside a good body is a validation issue and the rest goes on. Web-standard only: Convex
 * imports this file. Reading a recording by path works in Node only (`process.getBuiltinModule`),
 * without an import that a Convex bundle would follow.
 */
import { createValidator, type Validator } from "../pipeline/validator";
import { EndpointRecordSchema, ModelEntrySchema, toEndpoint, type VariantRequest } from "../openrouter/schemas";
import { ENDPOINTS_PATH, MODELS_PATH, type SourceRequest } from "./requestKey";
import { createRemoteTransport, type RemoteTransportOptions } from "./remoteTransport";
import { createRecordingTransport, TransportError, type Recording, type Transport } from "./transport";

export type SourcesConfig =
  | ({ sources: "remote" } & RemoteTransportOptions)
  | { sources: "fixtures"; path: string }
  | { sources: "fixtures"; recording: Recording }
  /** Any other transport: `archive` replay, or a decorated remote one. */
  | { sources: "archive" | "custom"; transport: Transport };

/** A body that arrived but cannot be used as a whole (not JSON, or not `{ data: [...] }`). */
export class SourceError extends TransportError {}

const PREVIEW_CHARS = 80;

function parseDataArray(key: string, body: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const preview = body.slice(0, PREVIEW_CHARS).replace(/\s+/g, " ");
    throw new SourceError(key, `body is not JSON (${body.length} bytes, starts ${JSON.stringify(preview)})`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    const shape = parsed === null || typeof parsed !== "object" ? typeof parsed : `keys ${JSON.stringify(Object.keys(parsed).slice(0, 5))}`;
    throw new SourceError(key, `expected {"data": [...]}, got ${shape}`);
  }
  return data;
}

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

/** Node only: reads a recording file without importing `node:fs` (Convex bundles must not). */
export function readRecordingFile(path: string): Recording {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!getBuiltin) throw new Error(`sources: 'fixtures' with a path needs Node; pass { recording } instead (path ${path})`);
  const fs = getBuiltin("node:fs") as { readFileSync(path: string, encoding: "utf8"): string };
  const parsed: unknown = JSON.parse(fs.readFileSync(path, "utf8"));
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
  const transport = transportFor(config);

  async function fetchData(request: SourceRequest): Promise<unknown[]> {
    const response = await transport.get(request);
    return parseDataArray(response.key, response.body);
  }

  return {
    transport: transport.name,
    validator,
    /** Every entry of the models list, validated. One entry per (slug, variant). */
    async models() {
      const request = { path: MODELS_PATH, params: {} };
      return validator.validate(ModelEntrySchema, await fetchData(request), { source: "models", params: {} });
    },
    /** Every endpoint of one model variant, validated and keyed by the request. */
    async endpoints(variant: VariantRequest) {
      const params = { permaslug: variant.permaslug, variant: variant.variant };
      const records = await validator.validate(EndpointRecordSchema, await fetchData({ path: ENDPOINTS_PATH, params }), {
        source: "endpoints",
        params,
      });
      // One row per (variant, endpoint id): a second record under the same id in one list is
      // reported, and the first one wins, so the row cannot flap between the two.
      const seen = new Set<string>();
      const endpoints = [];
      for (const [index, record] of records.entries()) {
        if (seen.has(record.id)) {
          await validator.report(record, { source: "endpoints", params, index, summary: `duplicate endpoint id ${record.id} in one response` });
          continue;
        }
        seen.add(record.id);
        endpoints.push(toEndpoint(record, variant));
      }
      return endpoints;
    },
  };
}

export type Sources = ReturnType<typeof createSources>;
