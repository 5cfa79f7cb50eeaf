/**
 * Catalogue sources over a transport: raw bodies in, validated entities out.
 *
 * Owns: `models()` and `endpoints()`, over the paths of one upstream family (`v1` by default). The
 * models list is read as a stream where the transport offers one, entry by entry, each parsed and
 * pruned as it arrives; endpoint lists (a few KB each) are read whole. Where the transport keeps a
 * copy of what it received (`reread`), the list can be folded in two reads instead of held
 * (`planModels`, then `eachModel`), and entities can be read back (`recall`) without reporting
 * or counting anything again. A
 * body that is not `{ data: [...] }` is a failed request (`SourceError`); a bad item inside a good
 * body is a validation issue and the rest goes on; a primary key repeated within one response is
 * reported and the first record wins. A 404 on an endpoint list means "this variant has no
 * endpoints now" and yields an empty list; any other failure throws, so the variant keeps its
 * last known state. Every raw item, valid or not, is shown to the field census (the drift
 * ledger's input) before validation. Web-standard only: Convex imports this file.
 * `createSources` (Node and tests) builds the same object from a config.
 */
import { createValidator, OversizedItem, type Validator } from "../pipeline/validator";
import { createModelPlan, type ModelPlan } from "../pipeline/consolidateVariants";
import { createDataArraySplitter, DataArrayError } from "./dataArraySplitter";
import { EndpointRecordSchema, ModelEntrySchema, toEndpoint, type OrEndpoint, type OrModel, type OrModelEntry, type VariantRequest } from "../openrouter/schemas";
import { DEFAULT_UPSTREAM_PATHS, pathFamily, type SourceRequest, type UpstreamPaths } from "./requestKey";
import type { FieldCensus } from "../drift/fieldCensus";
import { openStream, TransportError, type StreamedResponse, type Transport } from "./transport";
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
  const { id, variant, model_variant_slug, model } = value as {
    id?: unknown;
    variant?: unknown;
    model_variant_slug?: unknown;
    model?: { slug?: unknown } | null;
  };
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
    { keepEncoding, into = validator }: { keepEncoding: boolean; into?: Validator },
  ): Promise<boolean> {
    // An endpoint's encoding is kept for the writer's fingerprint, so it is serialised once; a
    // models entry is folded into its model first, so its encoding would only be held in vain.
    const bytes = keepEncoding ? encodedEntity(entity).byteLength : utf8SizeIfNearLimit(canonicalJson(entity));
    if (bytes <= MAX_ENTITY_BYTES) return false;
    await into.report(raw, {
      ...at,
      summary: `record of ${bytes} bytes exceeds the ${MAX_ENTITY_BYTES}-byte limit for one stored row`,
      kind: "too_large",
    });
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
    return readStreamed(request, (response) => parseStreamed(response, reviver));
  }

  /**
   * `read` over the body as a stream. A body cut short while it streams is read again from the
   * start (a fresh `read`), as a body read whole would be retried; the request itself was retried
   * by the transport already.
   */
  async function readStreamed<T>(request: SourceRequest, read: (response: StreamedResponse) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const response = await openStream(transport, request);
      try {
        return await read(response);
      } catch (error) {
        const cutShort = error instanceof TransportError && !(error instanceof SourceError) && error.status === null;
        if (!cutShort || attempt >= STREAM_ATTEMPTS) throw error;
      }
    }
  }

  async function parseStreamed(response: StreamedResponse, reviver?: (this: unknown, key: string, value: unknown) => unknown): Promise<unknown[]> {
    const items: unknown[] = [];
    await eachStreamedItem(response, (item) => void items.push(item), reviver);
    return items;
  }

  /**
   * Hands each `data` item of a streamed body to `onItem` as soon as its text is whole (parsed and
   * pruned by `reviver`), waiting for it before reading on; an item longer than `MAX_ENTRY_CHARS`
   * is never read, and an `OversizedItem` stands in its place.
   */
  async function eachStreamedItem(
    { key, chunks }: StreamedResponse,
    onItem: (item: unknown, index: number) => void | Promise<void>,
    reviver?: (this: unknown, key: string, value: unknown) => unknown,
  ): Promise<void> {
    let ready: unknown[] = [];
    let handed = 0;
    const splitter = createDataArraySplitter({
      maxElementChars: MAX_ENTRY_CHARS,
      onElement: (text, index) => {
        try {
          ready.push(JSON.parse(text, reviver));
        } catch {
          throw new SourceError(key, `item ${index} of data is not JSON (${text.length} characters, starts ${JSON.stringify(text.slice(0, PREVIEW_CHARS))})`);
        }
      },
      onOversized: (_index, characters) => ready.push(new OversizedItem(characters, MAX_ENTRY_CHARS)),
    });
    const handOver = async () => {
      const batch = ready;
      ready = [];
      for (const item of batch) await onItem(item, handed++);
    };
    const decoder = new TextDecoder();
    let received = 0;
    let start = "";
    try {
      for await (const chunk of chunks) {
        const text = decoder.decode(chunk, { stream: true });
        if (start.length < PREVIEW_CHARS) start += text.slice(0, PREVIEW_CHARS - start.length);
        received += chunk.byteLength;
        splitter.push(text);
        await handOver();
      }
      splitter.push(decoder.decode());
      splitter.end();
      await handOver();
    } catch (error) {
      if (!(error instanceof DataArrayError)) throw error;
      // The same words as a body read whole, where they apply.
      const notJson = received > 0 && !/^\s*\{/.test(start);
      throw new SourceError(key, notJson ? `body is not JSON (${received} bytes read, starts ${JSON.stringify(start.replace(/\s+/g, " "))})` : error.message);
    }
  }

  const modelsRequest = { path: paths.models, params: {} };
  const modelsAt = { source: "models", params: {} };

  /**
   * The models list's entries one at a time, as `models()` yields them (validated, the first of a
   * repeated (slug, variant) kept, one too large for a row left out), each with its position in
   * the list. Issues go to `into`; each raw item is shown to `census` when given.
   */
  async function eachModelEntry(
    feed: ItemFeed,
    into: Validator,
    census: FieldCensus | null,
    visit: (entry: OrModelEntry, position: number) => void | Promise<void>,
  ): Promise<void> {
    const seen = new Set<string>();
    await feed(async (item, index) => {
      if (census && !(item instanceof OversizedItem)) census.record("model", item);
      const valid = await into.validateItem(ModelEntrySchema, item, {
        ...modelsAt,
        index,
      });
      if (!valid) return;
      const entry = valid.value;
      const key = modelEntryKey(entry);
      if (seen.has(key)) {
        const variant = entry.variant ?? "no active variant";
        await into.report(item, {
          ...modelsAt,
          index,
          summary: `duplicate entry for slug ${entry.slug} (${variant}); the first one is kept`,
          kind: "duplicate",
        });
        return;
      }
      seen.add(key);
      if (await reportIfTooLarge(entry, item, { ...modelsAt, index }, { keepEncoding: false, into })) return;
      await visit(entry, index);
    });
  }

  /** The items of a streamed models list, pruned as they are parsed. */
  function streamedEntries(response: StreamedResponse): ItemFeed {
    return (onItem) => eachStreamedItem(response, onItem, pruneEmbeddedEndpoint);
  }

  /** The models list again, from this run's own copy of it. */
  function rereadModels(): Promise<StreamedResponse> {
    if (!transport.reread) throw new Error(`the ${transport.name} transport keeps no copy of what it received: the models list cannot be read again`);
    return transport.reread(modelsRequest);
  }

  /** Folds a read of the models list (this run's copy) into the planned models, handed to `visit` one at a time. */
  async function buildModels(plan: ModelPlan, census: FieldCensus | null, visit: (model: OrModel) => void | Promise<void>): Promise<void> {
    await eachModelEntry(streamedEntries(await rereadModels()), createValidator(), census, async (entry, position) => {
      const model = plan.build(entry, position);
      if (model) await visit(model);
    });
  }

  /** The endpoints of one list's items, validated (issues to `into`), the first record of a repeated id kept. */
  async function endpointsOf(items: unknown[], variant: VariantRequest, into: Validator): Promise<OrEndpoint[]> {
    const params = { permaslug: variant.permaslug, variant: variant.variant };
    const at = { source: "endpoints", params };
    const records = await into.validate(EndpointRecordSchema, items, at);
    // One row per (variant, endpoint id): a second record under the same id in one list is
    // reported, and the first one wins, so the row cannot flap between the two.
    const seen = new Set<string>();
    const endpoints: OrEndpoint[] = [];
    for (const { value: record, index, raw } of records) {
      if (seen.has(record.id)) {
        await into.report(raw, {
          ...at,
          index,
          summary: `duplicate endpoint id ${record.id} in one response; the first one is kept`,
          kind: "duplicate",
        });
        continue;
      }
      seen.add(record.id);
      const endpoint = toEndpoint(record, variant);
      if (await reportIfTooLarge(endpoint, raw, { ...at, index }, { keepEncoding: true, into })) continue;
      endpoints.push(endpoint);
    }
    return endpoints;
  }

  return {
    transport: transport.name,
    validator,
    paths: options.paths ?? DEFAULT_UPSTREAM_PATHS,
    /** Every entry of the models list, validated. One entry per (slug, variant). */
    async models() {
      const items = await streamData(modelsRequest, pruneEmbeddedEndpoint);
      const entries: OrModelEntry[] = [];
      const held: ItemFeed = async (onItem) => {
        for (let index = 0; index < items.length; index++) await onItem(items[index], index);
      };
      await eachModelEntry(held, validator, census ?? null, (entry) => void entries.push(entry));
      return entries;
    },
    /**
     * Whether the transport keeps a copy of what it received (`transport.reread`): then the models
     * list can be folded in two reads (`planModels`, `eachModel`) instead of being held, and
     * changed entities can be read back (`recall`) instead of being kept.
     */
    canReread: transport.reread !== undefined,
    /**
     * First read of the models list (from upstream): plans the fold into models, keeping only each
     * entry's few small fields. Its issues are kept once the list was read to its end; a list cut
     * short is read again from the start, as `models()` does. The census waits for `eachModel`.
     */
    async planModels(): Promise<ModelPlan> {
      return readStreamed(modelsRequest, async (response) => {
        const read = createValidator();
        const plan = createModelPlan();
        await eachModelEntry(streamedEntries(response), read, null, (entry, position) => plan.add(entry, position));
        validator.absorb(read);
        return plan;
      });
    },
    /** Second read, from this run's copy: each planned model, one at a time; the census sees every raw entry here. */
    async eachModel(plan: ModelPlan, visit: (model: OrModel) => void | Promise<void>): Promise<void> {
      await buildModels(plan, census ?? null, visit);
    },
    /** Every endpoint of one model variant, validated and keyed by the request; [] when it has none now (404). */
    async endpoints(variant: VariantRequest) {
      let items: unknown[];
      try {
        items = await fetchData({
          path: paths.endpoints,
          params: { permaslug: variant.permaslug, variant: variant.variant },
        });
      } catch (error) {
        if (error instanceof TransportError && error.status === 404) return [];
        throw error;
      }
      if (census) for (const item of items) census.record("endpoint", item);
      return endpointsOf(items, variant, validator);
    },
    /**
     * Entities this run received, read back from its own copy of the bodies, exactly as they were
     * built the first time (no issue is reported again, no field counted again). For a writer that
     * kept only fingerprints. Needs `canReread`.
     */
    recall: {
      /** The models of these slugs, one at a time (two reads of the list: plan, then build). */
      async models(slugs: { has(slug: string): boolean }, visit: (model: OrModel) => void | Promise<void>): Promise<void> {
        const plan = createModelPlan();
        await eachModelEntry(streamedEntries(await rereadModels()), createValidator(), null, (entry, position) => {
          if (slugs.has(entry.slug)) plan.add(entry, position);
        });
        await buildModels(plan, null, visit);
      },
      /** The endpoints of one variant's list, as received. */
      async endpoints(variant: VariantRequest): Promise<OrEndpoint[]> {
        if (!transport.reread) throw new Error(`the ${transport.name} transport keeps no copy of what it received: endpoint lists cannot be read again`);
        const params = {
          permaslug: variant.permaslug,
          variant: variant.variant,
        };
        const response = await transport.reread({
          path: paths.endpoints,
          params,
        });
        const body = await textOf(response);
        return endpointsOf(parseDataArray(response.key, body), variant, createValidator());
      },
    },
  };
}

/** A streamed body read to its end, as text. */
async function textOf({ chunks }: StreamedResponse): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Hands each item of a response, with its position, to `onItem`, waiting for it before the next. */
type ItemFeed = (onItem: (item: unknown, index: number) => Promise<void>) => Promise<void>;

/** A models entry's identity within one list: its slug and variant; an entry with no endpoint now names no variant, and is told apart by name. */
function modelEntryKey(entry: OrModelEntry): string {
  return JSON.stringify([entry.slug, entry.variant ?? null, entry.variant === null ? entry.name : null]);
}

/** Entities a run received, read back from its own copy of the bodies (`sources.recall`). */
export type EntityRecall = CatalogueSources["recall"];

/** The same type as `Sources` (`ReturnType<typeof createSources>`), named here for Convex-side code. */
export type CatalogueSources = ReturnType<typeof sourcesOver>;
