/**
 * Catalogue sources over a transport: raw bodies in, validated entities out.
 *
 * Owns: `models()` and `endpoints()`, over the paths of one upstream family (`v1` by default). The
 * models list is read as a stream where the transport offers one, entry by entry, each parsed and
 * pruned as it arrives; endpoint lists (a few KB each) are read whole. A
 * body that is not `{ data: [...] }` is a failed request (`SourceError`); a bad item inside a good
 * body is a validation issue and the rest goes on; a primary key repeated within one response is
 * reported and the first record wins. A 404 on an endpoint list means "this variant has no
 * endpoints now" and yields an empty list; any other failure throws, so the variant keeps its
 * last known state. Every raw item, valid or not, is shown to the field census (the drift
 * ledger's input) before validation. Web-standard only: Convex imports this file.
 * `createSources` (Node and tests) builds the same object from a config.
 */
import { OversizedItem, type Validator } from "../pipeline/validator";
import { createDataArraySplitter, DataArrayError } from "./dataArraySplitter";
import { EndpointRecordSchema, ModelEntrySchema, toEndpoint, type OrEndpoint, type OrModelEntry, type VariantRequest } from "../openrouter/schemas";
import { DEFAULT_UPSTREAM_PATHS, pathFamily, type SourceRequest, type UpstreamPaths } from "./requestKey";
import type { FieldCensus } from "../drift/fieldCensus";
import { TransportError, type StreamedResponse, type Transport } from "./transport";
import { canonicalJson, encodedEntity } from "../lib/canonicalJson";
import { MAX_ENTITY_BYTES } from "../openrouter/convexSafe";

/** A body that arrived but cannot be used as a whole (not JSON, or not `{ data: [...] }`). */
export class SourceError extends TransportError {}

const PREVIEW_CHARS = 80;

/**
 * The per-entry cap of the streamed models list: an entry is about 5 KB today, and pruned to far
 * less; one of 4 Mi characters would be a thousand times that. The body as a whole is capped by
 * the transport (`maxStreamedBodyBytes`).
 */
export const MAX_ENTRY_CHARS = 4 * 1024 * 1024;

/** Reads of a streamed body that fails part way (each read's request is itself retried by the transport). */
const STREAM_ATTEMPTS = 3;

/**
 * Each models-list entry embeds a full copy of one endpoint record (provider info, data policy,
 * the model again…), of which the pipeline needs only `id` and `variant` (to fetch its list) and
 * the model it serves (an alias's target): that endpoint is fetched and validated from its own
 * list. Pruning it while parsing keeps the parsed list several times smaller, which is what
 * bounds an action's memory on a large catalogue. A bad entry's fingerprint is therefore taken
 * over the entry with its endpoint pruned. Only a catalogue entry's own `endpoint` is pruned (its
 * holder has a `slug` and a `permaslug`), never a key of that name deeper in a record.
 */
function pruneEmbeddedEndpoint(this: unknown, key: string, value: unknown): unknown {
  if (key !== "endpoint" || value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const holder = this as { slug?: unknown; permaslug?: unknown } | null;
  if (holder === null || typeof holder !== "object" || typeof holder.slug !== "string" || !("permaslug" in holder)) return value;
  const { id, variant, model_variant_slug, model } = value as { id?: unknown; variant?: unknown; model_variant_slug?: unknown; model?: { slug?: unknown } | null };
  const model_slug = model !== null && typeof model === "object" ? model.slug : undefined;
  // Absent stays absent: an `undefined` value is not a JSON value, and would fail validation.
  return Object.fromEntries(Object.entries({ id, variant, model_variant_slug, model_slug }).filter(([, item]) => item !== undefined));
}

/**
 * The UTF-8 size of `text` when it could exceed one row's limit, else 0: UTF-8 takes at most 3
 * bytes per UTF-16 unit, so most texts are cleared without encoding them.
 */
function utf8SizeIfNearLimit(text: string): number {
  return text.length * 3 <= MAX_ENTITY_BYTES ? 0 : new TextEncoder().encode(text).byteLength;
}

function parseDataArray(key: string, body: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body, reviver);
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

export type SourcesOptions = {
  /** Which upstream path family to request; default `v1`. */
  paths?: UpstreamPaths;
  /** Sees every raw item, for the drift ledger. */
  census?: FieldCensus;
};

/**
 * @example
 * const sources = sourcesOver(createRemoteTransport(), createValidator(), { paths: "v1" });
 * const entries = await sources.models();
 */
export function sourcesOver(transport: Transport, validator: Validator, options: SourcesOptions = {}) {
  const paths = pathFamily(options.paths);
  const census = options.census;
  /** A record Convex could not store as one document is reported, never written. */
  async function reportIfTooLarge(
    entity: object,
    raw: unknown,
    at: { source: string; params: Record<string, string>; index: number },
    { keepEncoding }: { keepEncoding: boolean },
  ): Promise<boolean> {
    // An endpoint's encoding is kept for the writer's fingerprint, so it is serialised once; a
    // models entry is folded into its model first, so its encoding would only be held in vain.
    const bytes = keepEncoding ? encodedEntity(entity).byteLength : utf8SizeIfNearLimit(canonicalJson(entity));
    if (bytes <= MAX_ENTITY_BYTES) return false;
    await validator.report(raw, { ...at, summary: `record of ${bytes} bytes exceeds the ${MAX_ENTITY_BYTES}-byte limit for one stored row`, kind: "too_large" });
    return true;
  }

  async function fetchData(request: SourceRequest, reviver?: (this: unknown, key: string, value: unknown) => unknown): Promise<unknown[]> {
    // Only the text is kept: any received bytes go with the response object.
    const { key, body } = await transport.get(request);
    return parseDataArray(key, body, reviver);
  }

  /**
   * The `data` items of a body read as a stream, each parsed (and pruned by `reviver`) as soon as
   * its text is whole: neither the body's text nor its whole parse ever exists. An item longer than
   * `MAX_ENTRY_CHARS` is never read: an `OversizedItem` stands in its place.
   */
  async function streamData(request: SourceRequest, reviver?: (this: unknown, key: string, value: unknown) => unknown): Promise<unknown[]> {
    if (!transport.stream) return fetchData(request, reviver);
    // A body cut short while it streams is read again from the start, as a body read whole would
    // be retried; the request itself was retried by the transport already.
    for (let attempt = 1; ; attempt++) {
      const response = await transport.stream(request);
      try {
        return await parseStreamed(response, reviver);
      } catch (error) {
        const cutShort = error instanceof TransportError && !(error instanceof SourceError) && error.status === null;
        if (!cutShort || attempt >= STREAM_ATTEMPTS) throw error;
      }
    }
  }

  async function parseStreamed({ key, chunks }: StreamedResponse, reviver?: (this: unknown, key: string, value: unknown) => unknown): Promise<unknown[]> {
    const items: unknown[] = [];
    const splitter = createDataArraySplitter({
      maxElementChars: MAX_ENTRY_CHARS,
      onElement: (text, index) => {
        try {
          items.push(JSON.parse(text, reviver));
        } catch {
          throw new SourceError(key, `item ${index} of data is not JSON (${text.length} characters, starts ${JSON.stringify(text.slice(0, PREVIEW_CHARS))})`);
        }
      },
      onOversized: (_index, characters) => items.push(new OversizedItem(characters, MAX_ENTRY_CHARS)),
    });
    const decoder = new TextDecoder();
    let received = 0;
    let start = "";
    try {
      for await (const chunk of chunks) {
        const text = decoder.decode(chunk, { stream: true });
        if (start.length < PREVIEW_CHARS) start += text.slice(0, PREVIEW_CHARS - start.length);
        received += chunk.byteLength;
        splitter.push(text);
      }
      splitter.push(decoder.decode());
      splitter.end();
    } catch (error) {
      if (!(error instanceof DataArrayError)) throw error;
      // The same words as a body read whole, where they apply.
      const notJson = received > 0 && !/^\s*\{/.test(start);
      throw new SourceError(key, notJson ? `body is not JSON (${received} bytes read, starts ${JSON.stringify(start.replace(/\s+/g, " "))})` : error.message);
    }
    return items;
  }

  return {
    transport: transport.name,
    validator,
    paths: options.paths ?? DEFAULT_UPSTREAM_PATHS,
    /** Every entry of the models list, validated. One entry per (slug, variant). */
    async models() {
      const request = { path: paths.models, params: {} };
      const at = { source: "models", params: {} };
      const items = await streamData(request, pruneEmbeddedEndpoint);
      if (census) for (const item of items) if (!(item instanceof OversizedItem)) census.record("model", item);
      const entries = await validator.validate(ModelEntrySchema, items, at);
      // A slug repeats once per variant; the same (slug, variant) twice is a duplicate key. An
      // entry with no endpoint now names no variant: a retired model keeps one such entry per
      // former variant ("Claude 2", "Claude 2 (self-moderated)"), told apart by name.
      const seen = new Set<string>();
      const unique: OrModelEntry[] = [];
      for (const { value: entry, index, raw } of entries) {
        const key = JSON.stringify([entry.slug, entry.variant ?? null, entry.variant === null ? entry.name : null]);
        if (seen.has(key)) {
          const variant = entry.variant ?? "no active variant";
          await validator.report(raw, { ...at, index, summary: `duplicate entry for slug ${entry.slug} (${variant}); the first one is kept`, kind: "duplicate" });
          continue;
        }
        seen.add(key);
        if (await reportIfTooLarge(entry, raw, { ...at, index }, { keepEncoding: false })) continue;
        unique.push(entry);
      }
      return unique;
    },
    /** Every endpoint of one model variant, validated and keyed by the request; [] when it has none now (404). */
    async endpoints(variant: VariantRequest) {
      const params = { permaslug: variant.permaslug, variant: variant.variant };
      const at = { source: "endpoints", params };
      let items: unknown[];
      try {
        items = await fetchData({ path: paths.endpoints, params });
      } catch (error) {
        if (error instanceof TransportError && error.status === 404) return [];
        throw error;
      }
      if (census) for (const item of items) census.record("endpoint", item);
      const records = await validator.validate(EndpointRecordSchema, items, at);
      // One row per (variant, endpoint id): a second record under the same id in one list is
      // reported, and the first one wins, so the row cannot flap between the two.
      const seen = new Set<string>();
      const endpoints: OrEndpoint[] = [];
      for (const { value: record, index, raw } of records) {
        if (seen.has(record.id)) {
          await validator.report(raw, { ...at, index, summary: `duplicate endpoint id ${record.id} in one response; the first one is kept`, kind: "duplicate" });
          continue;
        }
        seen.add(record.id);
        const endpoint = toEndpoint(record, variant);
        if (await reportIfTooLarge(endpoint, raw, { ...at, index }, { keepEncoding: true })) continue;
        endpoints.push(endpoint);
      }
      return endpoints;
    },
  };
}


/** The same type as `Sources` (`ReturnType<typeof createSources>`), named here for Convex-side code. */
export type CatalogueSources = ReturnType<typeof sourcesOver>;
