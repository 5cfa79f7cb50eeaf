/**
 * ShadowCatalogue: the two entity tables as a history backfill rebuilds them in memory, one
 * archived run after another, so that each run's writes can be turned into the change rows
 * `entities.applyBatch` would have written for them.
 *
 * Owns: what a stored row holds that a change event depends on (its content, as canonical JSON;
 * its content hash; whether it is available and why not), the same transitions the entity-row
 * helpers make (`upsertEntityRow`, `markRowUnavailable`, `relistUnavailableModel` in
 * convex/lib/entityRows.ts: a write replaces the content and clears or keeps the mark, a mark
 * sets it once, a relisting only rewrites an unavailable model's reason), and a compact gzip'd
 * encoding of it all, so a backfill that continues in another action picks up where it stopped.
 * Must not touch: Convex, I/O, deciding what changed (the change tracker does, through
 * `EntityState`), the bookkeeping times of a row (no event reads them).
 *
 * Each row's content is kept as one string, its canonical JSON: a 2026-shaped catalogue at k = 1 is
 * about 1.7 MB of it (k = 10: 16 MB, some 22 MB held with the maps and hashes), far less than the
 * objects it encodes. The checkpoint is a few MB (2.2 MB at k = 10).
 *
 * Usage: `const shadow = new ShadowCatalogue(); shadow.write("model", slug, { json, content_hash, available: true }, at);`
 * then `const file = new Blob(ShadowCatalogue.encode(shadow))`, and in another action
 * `ShadowCatalogue.decode(new Uint8Array(await file.arrayBuffer()))`.
 */
import { Gunzip, Gzip } from "fflate";
import type { EndpointFacts, EntityState } from "../pipeline/changeTracker";
import { LISTED_WITHOUT_ENDPOINT, type StoredEntityRow } from "./changeEvents";
import type { EntityKind } from "./entityDiff";

/** A stored row as far as history needs it. */
export type ShadowRow = {
  /** The content, as canonical JSON (bookkeeping excluded). */
  json: string;
  content_hash: string;
  /** When it was marked unavailable; null while available. */
  unavailable_at: number | null;
  unavailable_reason?: string;
};

/** An endpoint's row also keeps its model's slug, which the removal plan needs of every available endpoint. */
export type ShadowEndpointRow = ShadowRow & { model_slug: string };

/** A write as `applyBatch` receives it, its value already canonical JSON; `model_slug` for endpoints. */
export type ShadowWrite = { json: string; content_hash: string; available: boolean; model_slug?: string };

const FORMAT = "shadow-catalogue/1";
/** The first line: the format, and how many rows follow (a state cut short is refused). */
type Header = { format?: string; models?: number; endpoints?: number };
/** Text encoded and compressed at a time while encoding, and compressed bytes decompressed at a time while decoding. */
const CHUNK_CHARS = 256 * 1024;
const CHUNK_BYTES = 64 * 1024;
const [TAB, NEWLINE, M, E] = [9, 10, 109, 101];

export class ShadowCatalogue implements EntityState {
  readonly models = new Map<string, ShadowRow>();
  readonly endpoints = new Map<string, ShadowEndpointRow>();

  model(slug: string): ShadowRow | undefined {
    return this.models.get(slug);
  }
  endpoint(key: string): ShadowEndpointRow | undefined {
    return this.endpoints.get(key);
  }
  *availableModels(): Iterable<string> {
    for (const [slug, row] of this.models) if (row.unavailable_at === null) yield slug;
  }
  *availableEndpoints(): Iterable<EndpointFacts> {
    for (const [key, row] of this.endpoints) {
      if (row.unavailable_at !== null) continue;
      const [model_permaslug, variant, endpoint_id] = JSON.parse(key) as [string, string, string];
      yield { model_permaslug, variant, endpoint_id, model_slug: row.model_slug };
    }
  }

  /** The row under `key`, or undefined. */
  row(entity: EntityKind, key: string): ShadowRow | ShadowEndpointRow | undefined {
    return entity === "model" ? this.models.get(key) : this.endpoints.get(key);
  }

  /**
   * The row as `applyBatch` reads it (content plus the bookkeeping an event depends on), or null.
   *
   * @example shadow.stored("model", "a/b") // → { slug: "a/b", name: "B", …, content_hash: "…", unavailable_at: null }
   */
  stored<Kind extends EntityKind>(entity: Kind, key: string): (StoredEntityRow<Kind> & Record<string, unknown>) | null {
    const row = this.row(entity, key);
    if (!row) return null;
    const content = JSON.parse(row.json) as Record<string, unknown>;
    return {
      ...content,
      content_hash: row.content_hash,
      unavailable_at: row.unavailable_at,
      ...(row.unavailable_reason !== undefined ? { unavailable_reason: row.unavailable_reason } : {}),
    } as StoredEntityRow<Kind> & Record<string, unknown>;
  }

  /**
   * Lands a write as `upsertEntityRow` does: a new row is marked unavailable at `at` when it is
   * written unavailable (a model listed with no endpoint); an existing one takes the content and
   * keeps the time it was first marked. False when hash and availability already match (nothing written).
   */
  write(entity: EntityKind, key: string, write: ShadowWrite, at: number): boolean {
    const existing = this.row(entity, key);
    if (existing && existing.content_hash === write.content_hash && (existing.unavailable_at === null) === write.available) return false;
    const row: ShadowRow = {
      json: write.json,
      content_hash: write.content_hash,
      unavailable_at: write.available ? null : (existing?.unavailable_at ?? at),
      ...(write.available ? {} : { unavailable_reason: LISTED_WITHOUT_ENDPOINT }),
    };
    if (entity === "model") this.models.set(key, row);
    else this.endpoints.set(key, { ...row, model_slug: write.model_slug ?? (existing as ShadowEndpointRow | undefined)?.model_slug ?? "" });
    return true;
  }

  /** Marks an available row unavailable, as `markRowUnavailable` does; false when there is none or it already is. */
  mark(entity: EntityKind, key: string, at: number, reason: string): boolean {
    const existing = this.row(entity, key);
    if (!existing || existing.unavailable_at !== null) return false;
    existing.unavailable_at = at;
    existing.unavailable_reason = reason;
    return true;
  }

  /**
   * Keeps an unavailable model's reason in step with the models list, as `relistUnavailableModel`
   * does: `listed`, it says "listed with no endpoint now", whatever made it unavailable; otherwise
   * one that said so is marked `gone`. False when there was nothing to do.
   */
  relist(slug: string, listed: boolean, gone: string): boolean {
    const existing = this.models.get(slug);
    if (!existing || existing.unavailable_at === null) return false;
    if ((existing.unavailable_reason === LISTED_WITHOUT_ENDPOINT) === listed) return false;
    existing.unavailable_reason = listed ? LISTED_WITHOUT_ENDPOINT : gone;
    return true;
  }

  /**
   * The whole state as gzip'd lines (a header, then one line per row), in pieces: what a backfill
   * stores between actions. Never one string of the whole state.
   *
   * @example const file = new Blob(ShadowCatalogue.encode(shadow));
   */
  static encode(shadow: ShadowCatalogue): Uint8Array[] {
    const out: Uint8Array[] = [];
    const gzip = new Gzip({ level: 6 }, (chunk) => out.push(chunk));
    const encoder = new TextEncoder();
    let pending = "";
    const add = (line: string) => {
      pending += line;
      if (pending.length >= CHUNK_CHARS) {
        gzip.push(encoder.encode(pending));
        pending = "";
      }
    };
    add(`${JSON.stringify({ format: FORMAT, models: shadow.models.size, endpoints: shadow.endpoints.size })}\n`);
    // The content is canonical JSON (no raw tab or newline in it), so it ends its line as it is.
    for (const [key, row] of shadow.models) add(`m\t${JSON.stringify([key, row.content_hash, row.unavailable_at, row.unavailable_reason ?? null])}\t${row.json}\n`);
    for (const [key, row] of shadow.endpoints) {
      add(`e\t${JSON.stringify([key, row.content_hash, row.unavailable_at, row.unavailable_reason ?? null, row.model_slug])}\t${row.json}\n`);
    }
    gzip.push(encoder.encode(pending), true);
    return out;
  }

  /**
   * The state `encode` wrote, read a piece at a time.
   *
   * @throws when the bytes are not such a state, or it is cut short
   */
  static decode(gzipped: Uint8Array): ShadowCatalogue {
    const shadow = new ShadowCatalogue();
    const decoder = new TextDecoder();
    let header: Header | null = null;
    // Lines are cut from the bytes and each part decoded on its own: a string sliced out of a larger
    // one would keep all of it alive (and a chunk holding one non-Latin-1 character is two bytes a character).
    const readLine = (line: Uint8Array) => {
      if (header === null) {
        const text = decoder.decode(line);
        header = JSON.parse(text) as Header;
        if (header.format !== FORMAT) throw new Error(`ShadowCatalogue.decode: not a ${FORMAT} state (header ${text.slice(0, 80)})`);
        return;
      }
      const kind = line[0];
      const split = line.indexOf(TAB, 2);
      if ((kind !== M && kind !== E) || line[1] !== TAB || split < 0) throw new Error(`ShadowCatalogue.decode: bad line ${decoder.decode(line.subarray(0, 80))}`);
      const [key, content_hash, unavailable_at, reason, model_slug] = JSON.parse(decoder.decode(line.subarray(2, split))) as [
        string,
        string,
        number | null,
        string | null,
        string?,
      ];
      const row: ShadowRow = { json: decoder.decode(line.subarray(split + 1)), content_hash, unavailable_at, ...(reason !== null ? { unavailable_reason: reason } : {}) };
      if (kind === M) shadow.models.set(key, row);
      else shadow.endpoints.set(key, { ...row, model_slug: model_slug ?? "" });
    };
    let partial: Uint8Array = new Uint8Array(0);
    const gunzip = new Gunzip((chunk) => {
      let bytes = chunk;
      if (partial.byteLength > 0) {
        bytes = new Uint8Array(partial.byteLength + chunk.byteLength);
        bytes.set(partial);
        bytes.set(chunk, partial.byteLength);
      }
      let from = 0;
      for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, from)) {
        readLine(bytes.subarray(from, end));
        from = end + 1;
      }
      partial = bytes.slice(from);
    });
    for (let offset = 0; offset < gzipped.byteLength; offset += CHUNK_BYTES) {
      gunzip.push(gzipped.subarray(offset, offset + CHUNK_BYTES), offset + CHUNK_BYTES >= gzipped.byteLength);
    }
    const read = header as Header | null;
    if (read === null || partial.byteLength > 0 || shadow.models.size !== read.models || shadow.endpoints.size !== read.endpoints) {
      throw new Error(
        `ShadowCatalogue.decode: the state is cut short (${shadow.models.size} of ${read?.models ?? "?"} models, ${shadow.endpoints.size} of ${read?.endpoints ?? "?"} endpoints)`,
      );
    }
    return shadow;
  }
}
