/**
 * diffEntity: what changed between two stored values of one entity, field by field, for the
 * change history.
 *
 * Owns: the field-level diff of two `OrModel`s or two `OrEndpoint`s (plain JSON-like values, as
 * stored): the changed paths with before and after, one semantic tag per change, and every rate
 * that moved with its percentage. Must not touch: I/O, Convex, what a rate means (units live in
 * docs/data-model.md); `decide` alone says whether an entity changed, this only says how.
 *
 * Rules:
 * - Paths are dotted keys from the entity root (`data_policy.training`); array positions are `[i]`
 *   (`pricing.overrides[0].prompt`); a key that would be ambiguous dotted is written `["key"]`.
 *   Objects are walked key by key, arrays of objects by index; any other unequal value is one
 *   change of the whole value. Absent, `undefined` and `null` are one value, written `null`.
 * - Set-like arrays (`SET_FIELDS`, and arrays of strings under `features` or `reasoning_config`)
 *   are compared as sets of names (non-string items named by their canonical JSON): a reorder is
 *   no change, an absent list is an empty one, and a change is names `added` and `removed`. A
 *   model's `variants` are a set keyed `"<permaslug> [<variant>]"`; a variant on both sides is
 *   walked as `variants[<name>].<field>`.
 * - Rate cards (`RATE_CARD_FIELDS`) are compared with every decimal text read as its number
 *   (`parseRates`), so a re-spelt rate is no change. `rates` lists every number in them that
 *   changed, appeared or went (`before`/`after` null when absent or not a number on that side).
 * - Bookkeeping keys of a stored row (`BOOKKEEPING_KEYS`) are ignored.
 *
 * Tags (`TAGS`, the one table): each change takes the tag of its path, looked up from the most
 * specific pattern (`variants[].context_length`) to its top-level key, then `TAG_PREFIXES`, else
 * `metadata`. A change inside a rate card is `price` only when a rate moved inside it; otherwise
 * (a `unitLabel`, a `sku_label`) it is `metadata`, as `pricing_version_id` always is.
 */
import { canonicalJson } from "../lib/canonicalJson";
import { compareText } from "../lib/compareText";
import type { ConvexJson } from "../openrouter/convexSafe";
import { parseRates, rateNumber } from "../openrouter/rateCard";

export type ChangeTag = "price" | "context" | "limits" | "capabilities" | "data_policy" | "deprecation" | "availability" | "metadata";

/** One change: a value (null stands for absent), or a set-like array's names added and removed. */
export type FieldChange = { path: string; before: ConvexJson | null; after: ConvexJson | null } | { path: string; added: string[]; removed: string[] };

/** One rate that changed, appeared or went; `percent` is null when either side is null or before is 0. */
export type RateChange = { path: string; before: number | null; after: number | null; percent: number | null };

export type EntityDiff = { fields: FieldChange[]; tags: ChangeTag[]; rates: RateChange[] };

/** A change with the tag of its own path (`diffEntityTagged`). */
export type TaggedFieldChange = FieldChange & { tag: ChangeTag };

export type EntityKind = "model" | "endpoint";

/**
 * The tag of each path pattern: a top-level key, or a nested pattern with `[]` for any position.
 * Rate cards are `price` only when a rate changed within the change (else `metadata`).
 */
const TAGS: Record<ChangeTag, readonly string[]> = {
  price: ["pricing", "pricing_json", "tiers", "variable_pricings"],
  context: ["context_length", "max_prompt_tokens", "max_completion_tokens", "output_tokens", "max_tokens_per_image", "max_prompt_images", "variants[].context_length"],
  limits: ["limit_rpm", "limit_rpd", "limit_rpm_cf", "capacity_tpm"],
  capabilities: [
    "supported_parameters",
    "excluded_parameters",
    "allowed_passthrough_parameters",
    "supported_image_parameters",
    "supported_video_parameters",
    "features",
    "reasoning_config",
    "can_abort",
    "input_modalities",
    "output_modalities",
    "quantization",
    "moderation_required",
    "is_trainable_text",
    "is_trainable_image",
    "supported_tts_voices",
    "default_parameters",
  ],
  data_policy: ["data_policy"],
  deprecation: ["deprecation_date"],
  // `variants` itself is the set of variants (added, removed); a kept variant's other fields are metadata.
  availability: ["is_disabled", "is_hidden", "is_deranked", "is_byok_only", "hidden", "is_private", "variants"],
  metadata: ["pricing_version_id", "variants[]"],
};

/** Tags of top-level keys by prefix, after `TAGS`. */
const TAG_PREFIXES: readonly (readonly [string, ChangeTag])[] = [
  ["supports_", "capabilities"],
  ["has_", "capabilities"],
];

const TAG_OF_PATTERN = new Map<string, ChangeTag>(Object.entries(TAGS).flatMap(([tag, patterns]) => patterns.map((pattern) => [pattern, tag as ChangeTag] as const)));

/** The price-bearing trees of an endpoint (docs/data-model.md, "The rate card"). */
const RATE_CARD_FIELDS = new Set(["pricing", "pricing_json", "tiers", "variable_pricings"]);

/** Arrays compared as sets of names wherever they sit. */
const SET_FIELDS = new Set([
  "supported_parameters",
  "excluded_parameters",
  "allowed_passthrough_parameters",
  "supported_image_parameters",
  "supported_video_parameters",
  "input_modalities",
  "output_modalities",
  "required_attestation_types",
  "supported_tts_voices",
  "default_stops",
]);

/** Top-level keys under which any array of strings is a set. */
const STRING_SET_TREES = new Set(["features", "reasoning_config"]);

/** Keys of a stored row that are bookkeeping, not entity content. */
export const BOOKKEEPING_KEYS = new Set([
  "_id",
  "_creationTime",
  "content_hash",
  "first_seen_at",
  "changed_at",
  "unavailable_at",
  "unavailable_reason",
  "returned_at",
  "as_of",
  "listed",
]);

type Json = ConvexJson | undefined;
type JsonObject = { [key: string]: ConvexJson };

/** Where the walk is: the path as written, and its pattern (`[]` for any position) for tagging. */
type Place = { path: string; pattern: string[]; top: string };

/**
 * The field-level diff of two stored values of one entity, `before` the stored row and `after`
 * the new value. Identical values (up to set order, rate spelling and bookkeeping) give empty lists.
 *
 * @example diffEntity("endpoint", { pricing: { prompt: 1e-6 }, pricing_version_id: "a" }, { pricing: { prompt: 1.5e-6 }, pricing_version_id: "b" })
 * // → { fields: [{ path: "pricing.prompt", before: 1e-6, after: 1.5e-6 }, { path: "pricing_version_id", before: "a", after: "b" }],
 * //     tags: ["metadata", "price"], rates: [{ path: "pricing.prompt", before: 1e-6, after: 1.5e-6, percent: 50 }] }
 */
export function diffEntity(kind: EntityKind, before: object, after: object): EntityDiff {
  const { fields, tags, rates } = diffEntityTagged(kind, before, after);
  return { fields: fields.map(({ tag: _tag, ...change }) => change as FieldChange), tags, rates };
}

/**
 * `diffEntity` with each change's own tag, for the change table: a broad rewrite is tagged by its path.
 *
 * @example diffEntityTagged("model", { context_length: 8 }, { context_length: 16 }).fields // → [{ path: "context_length", before: 8, after: 16, tag: "context" }]
 */
export function diffEntityTagged(kind: EntityKind, before: object, after: object): { fields: TaggedFieldChange[]; tags: ChangeTag[]; rates: RateChange[] } {
  const was = before as JsonObject;
  const now = after as JsonObject;
  const changes: { change: FieldChange; place: Place }[] = [];
  const emit = (change: FieldChange, place: Place) => changes.push({ change, place });
  let rates: RateChange[] = [];

  for (const key of unionOfKeys(was, now)) {
    if (BOOKKEEPING_KEYS.has(key)) continue;
    const place: Place = { path: keySegment(key, true), pattern: [key], top: key };
    if (RATE_CARD_FIELDS.has(key)) {
      const [b, a] = [parseRates(was[key] ?? null), parseRates(now[key] ?? null)];
      walk(b, a, place, emit);
      rates = rates.concat(rateChanges(b, a, place.path));
    } else if (kind === "model" && key === "variants") diffVariants(was[key], now[key], place, emit);
    else walk(was[key], now[key], place, emit);
  }

  rates.sort((x, y) => compareText(x.path, y.path));
  const fields = changes.map(({ change, place }) => ({ change, tag: tagOf(place, rates) }));
  fields.sort((x, y) => compareText(x.change.path, y.change.path));
  return { fields: fields.map(({ change, tag }) => ({ ...change, tag })), tags: [...new Set(fields.map(({ tag }) => tag))].sort(compareText), rates };
}

/**
 * Every rate of an entity's rate cards by path (`pricing.prompt`, `pricing_json["text-input"]`), as a number.
 *
 * @example ratesOfEntity({ pricing: { prompt: "0.000001" } }) // → Map { "pricing.prompt" => 1e-6 }
 */
export function ratesOfEntity(value: object): Map<string, number> {
  const content = value as JsonObject;
  const rates = new Map<string, number>();
  for (const key of Object.keys(content).sort(compareText)) if (RATE_CARD_FIELDS.has(key)) ratesOf(parseRates(content[key] ?? null), keySegment(key, true), rates);
  return rates;
}

/** Walks two values at one place and emits each difference. */
function walk(before: Json, after: Json, place: Place, emit: (change: FieldChange, place: Place) => void): void {
  if (isSetLike(before, after, place)) {
    const change = diffNames(before, after);
    // Only how often a name is listed changed: a change all the same, of the whole value.
    if (change === "counts") emit({ path: place.path, before: before ?? null, after: after ?? null }, place);
    else if (change) emit({ path: place.path, ...change }, place);
    return;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of unionOfKeys(before, after)) walk(before[key], after[key], child(place, key), emit);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.every(isObject) && after.every(isObject)) {
    for (let index = 0; index < Math.max(before.length, after.length); index++) walk(before[index], after[index], child(place, index), emit);
    return;
  }
  if (!sameValue(before, after)) emit({ path: place.path, before: before ?? null, after: after ?? null }, place);
}

/** A model's variants: a set keyed by permaslug and variant, and the fields of each variant kept. */
function diffVariants(before: Json, after: Json, place: Place, emit: (change: FieldChange, place: Place) => void): void {
  const [was, now] = [variantsByName(before), variantsByName(after)];
  if (!was || !now) {
    if (!sameValue(before, after)) emit({ path: place.path, before: before ?? null, after: after ?? null }, place);
    return;
  }
  const added = [...now.keys()].filter((name) => !was.has(name)).sort(compareText);
  const removed = [...was.keys()].filter((name) => !now.has(name)).sort(compareText);
  if (added.length > 0 || removed.length > 0) emit({ path: place.path, added, removed }, place);
  for (const [name, variant] of was) {
    if (now.has(name)) walk(variant, now.get(name), { path: `${place.path}[${name}]`, pattern: [...place.pattern, "[]"], top: place.top }, emit);
  }
}

/** Variants by `"<permaslug> [<variant>]"`, or null when they are not a list of distinct variants. */
function variantsByName(value: Json): Map<string, JsonObject> | null {
  if (value === undefined || value === null) return new Map();
  if (!Array.isArray(value)) return null;
  const byName = new Map<string, JsonObject>();
  for (const item of value) {
    if (!isObject(item) || typeof item.permaslug !== "string" || typeof item.variant !== "string") return null;
    const name = `${item.permaslug} [${item.variant}]`;
    if (byName.has(name)) return null;
    byName.set(name, item);
  }
  return byName;
}

function isSetLike(before: Json, after: Json, place: Place): boolean {
  const sides = [before, after].filter((side) => side !== undefined && side !== null);
  if (sides.length === 0 || !sides.every(Array.isArray)) return false;
  if (SET_FIELDS.has(place.pattern[place.pattern.length - 1])) return true;
  return STRING_SET_TREES.has(place.top) && (sides as ConvexJson[][]).every((side) => side.every((item) => typeof item === "string"));
}

/**
 * Names added and removed between two set-like arrays (absent = empty, sorted), null when they list
 * the same names as often, `"counts"` when only how often a name is listed differs.
 */
function diffNames(before: Json, after: Json): { added: string[]; removed: string[] } | "counts" | null {
  const [was, now] = [namesOf(before), namesOf(after)];
  if (was.length === now.length && was.every((name, index) => name === now[index])) return null;
  const added = [...new Set(now.filter((name) => !was.includes(name)))];
  const removed = [...new Set(was.filter((name) => !now.includes(name)))];
  return added.length === 0 && removed.length === 0 ? "counts" : { added, removed };
}

function namesOf(value: Json): string[] {
  return Array.isArray(value) ? value.map((item) => (typeof item === "string" ? item : canonicalJson(item))).sort(compareText) : [];
}

/** Every number in a rate card by path, read with `rateNumber`. */
function ratesOf(value: Json, path: string, out = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(value)) value.forEach((item, index) => ratesOf(item, `${path}[${index}]`, out));
  else if (isObject(value)) for (const key of Object.keys(value)) ratesOf(value[key], `${path}${keySegment(key, false)}`, out);
  else {
    const rate = rateNumber(value);
    if (rate !== undefined) out.set(path, rate);
  }
  return out;
}

function rateChanges(before: Json, after: Json, path: string): RateChange[] {
  const [was, now] = [ratesOf(before, path), ratesOf(after, path)];
  const changes: RateChange[] = [];
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const [b, a] = [was.get(key) ?? null, now.get(key) ?? null];
    if (b !== a) changes.push({ path: key, before: b, after: a, percent: percentChange(b, a) });
  }
  return changes;
}

/** (after − before) / before × 100, to 2 decimals (halves away from zero). */
function percentChange(before: number | null, after: number | null): number | null {
  if (before === null || after === null || before === 0) return null;
  const percent = ((after - before) / before) * 100;
  return (Math.sign(percent) * Math.round(Math.abs(percent) * 100)) / 100 || 0;
}

function tagOf(place: Place, rates: readonly RateChange[]): ChangeTag {
  if (RATE_CARD_FIELDS.has(place.top)) return rates.some((rate) => isWithinPath(rate.path, place.path)) ? "price" : "metadata";
  for (let length = place.pattern.length; length > 0; length--) {
    const tag = TAG_OF_PATTERN.get(place.pattern.slice(0, length).join(".").replaceAll(".[]", "[]"));
    if (tag) return tag;
  }
  return TAG_PREFIXES.find(([prefix]) => place.top.startsWith(prefix))?.[1] ?? "metadata";
}

/** Whether the dotted `path` is `ancestor` or lies inside it (`pricing.prompt` in `pricing`, `a[0]` in `a`). */
export function isWithinPath(path: string, ancestor: string): boolean {
  return path === ancestor || (path.startsWith(ancestor) && (path[ancestor.length] === "." || path[ancestor.length] === "["));
}

function child(place: Place, key: string | number): Place {
  return typeof key === "number"
    ? { path: `${place.path}[${key}]`, pattern: [...place.pattern, "[]"], top: place.top }
    : { path: `${place.path}${keySegment(key, false)}`, pattern: [...place.pattern, key], top: place.top };
}

/** `.key`, or `["key"]` when the key would be ambiguous in a dotted path. */
function keySegment(key: string, atRoot: boolean): string {
  if (key === "" || /[.[\]"\s]/.test(key)) return `[${JSON.stringify(key)}]`;
  return atRoot ? key : `.${key}`;
}

function sameValue(before: Json, after: Json): boolean {
  return canonicalJson(before ?? null) === canonicalJson(after ?? null);
}

function isObject(value: Json): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function unionOfKeys(a: Json, b: Json): string[] {
  return [...new Set([...(isObject(a) ? Object.keys(a) : []), ...(isObject(b) ? Object.keys(b) : [])])].sort(compareText);
}
