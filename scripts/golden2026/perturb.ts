/**
 * Observation noise: what changes between two observations of an unchanged catalogue.
 *
 * Owns: `perturb`, which takes a rendered recording and applies, in place, only changes that say
 * nothing durable (UPSTREAM-2026.md "Telemetry inside the records", "Absence has two spellings",
 * "Pricing" 2): fresh telemetry on every list record, `status` changes on ~40 endpoints (in the
 * lists and the embedded copies), `""` ↔ `null` flips, `…+00:00` ↔ `…Z` flips of the same
 * instant, textual rewrites of pricing_json rates (same number), and reordered catalogue entries,
 * endpoint lists and record keys. Must not touch: any durable value. Returns how many of each it
 * applied, for changes-*.json. Node-only, never shipped.
 */
import { formatRate, formsFor, plain, RATE_FORMS } from "./decimal";
import { rngFor } from "./rng";
import { hasStatsByDefault, otherStatus, telemetryFor, TELEMETRY_KEYS, type Obj } from "./telemetry";
import { MODELS_PATH, toPlus, toZ, type World } from "./world";

export type NoiseReport = Record<string, number>;

const ABSENCE_FIELDS = ["hf_slug", "warning_message", "promotion_message", "routing_error_message"] as const;

export const NOISE_TARGETS = {
  statusChanges: 40,
  statusListOnly: 2,
  statsToggles: 3,
  absenceFlips: 12,
  entryTimestampFlips: 25,
  embeddedCreatedAtFlips: 20,
  listCreatedAtFlips: 10,
  rateRewrites: 30,
  catalogueMoves: 20,
  listRecordKeyOrders: 15,
  entryKeyOrders: 10,
};

function flipTimestamp(ts: string): string {
  return ts.endsWith("Z") ? toPlus(ts) : toZ(ts);
}

/** The same keys in another order: a few pairs swapped. */
function reorderKeys(record: Obj, seed: string): Obj {
  const rng = rngFor("key-order", seed);
  const keys = Object.keys(record);
  for (let i = 0; i < 4; i++) {
    const a = rng.int(0, keys.length - 1);
    const b = rng.int(0, keys.length - 1);
    [keys[a], keys[b]] = [keys[b], keys[a]];
  }
  if (keys.every((key, i) => key === Object.keys(record)[i])) keys.reverse();
  return Object.fromEntries(keys.map((key) => [key, record[key]]));
}

/** Another spelling of the same rate that differs from the current text. */
function respell(value: string | number, seed: string): string | number {
  const text = plain(String(value));
  const rng = rngFor("respell", seed);
  const options = rng.shuffle(formsFor(text).length > 0 ? formsFor(text) : RATE_FORMS);
  for (const form of options) {
    const next = formatRate(text, form);
    if (JSON.stringify(next) !== JSON.stringify(value)) return next;
  }
  return value;
}

/**
 * Applies one observation's noise to `recording` (mutated) and reports the counts.
 *
 * @example const report = perturb(recording, world, "next-hour") // → { status_changed: 40, … }
 */
export function perturb(recording: Record<string, { data: Obj[] }>, world: World, epoch: string): NoiseReport {
  const rng = rngFor("perturb", epoch);
  const entries = recording[MODELS_PATH].data;
  const listKeys = Object.keys(recording).filter((key) => key !== MODELS_PATH);
  const listRecords: Obj[] = listKeys.flatMap((key) => recording[key].data);
  const embedded: Obj[] = entries.map((entry) => entry.endpoint).filter(Boolean);

  const copiesById = new Map<string, { list: Obj[]; embedded: Obj[] }>();
  const copies = (id: string) => {
    if (!copiesById.has(id)) copiesById.set(id, { list: [], embedded: [] });
    return copiesById.get(id)!;
  };
  for (const record of listRecords) copies(record.id).list.push(record);
  for (const record of embedded) copies(record.id).embedded.push(record);
  const ids = [...new Set(listRecords.map((record) => record.id as string))].sort();

  const report: NoiseReport = {};
  const count = (kind: string, n = 1) => (report[kind] = (report[kind] ?? 0) + n);

  // status: a routing penalty that moves between observations.
  const statusIds = rng.sample(ids, NOISE_TARGETS.statusChanges);
  statusIds.forEach((id, i) => {
    const { list, embedded: embeddedCopies } = copies(id);
    const next = otherStatus(list[0].status, epoch, id);
    for (const record of list) record.status = next;
    if (i >= NOISE_TARGETS.statusListOnly) for (const record of embeddedCopies) record.status = next;
    count("status_changed");
    if (i < NOISE_TARGETS.statusListOnly && embeddedCopies.length > 0) count("status_changed_in_list_copy_only");
  });

  // Telemetry: every list record gets this observation's values; a few gain or lose `stats`.
  const toggled = new Set(rng.sample(ids, NOISE_TARGETS.statsToggles));
  for (const record of listRecords) {
    for (const key of TELEMETRY_KEYS) delete record[key];
    const real = world.realTelemetry.get(record.id)?.stats;
    const withStats = hasStatsByDefault(record.id, real) !== toggled.has(record.id);
    Object.assign(record, telemetryFor(record, epoch, { withStats, status: record.status, real }));
    count("telemetry_refreshed");
  }
  count("stats_presence_toggled", toggled.size);

  // "" ↔ null on optional model text, in every copy of the model (two: catalogue copy only).
  const modelCopies = new Map<string, Obj[]>();
  const addModelCopy = (slug: string, model: Obj) => modelCopies.set(slug, [...(modelCopies.get(slug) ?? []), model]);
  for (const entry of entries) addModelCopy(entry.slug, entry);
  for (const record of [...embedded, ...listRecords]) addModelCopy(record.model.slug, record.model);
  const flippable = [...new Set(entries.map((entry) => entry.slug as string))]
    .sort()
    .filter((slug) => ABSENCE_FIELDS.some((field) => entries.find((entry) => entry.slug === slug)?.[field] === "" || entries.find((entry) => entry.slug === slug)?.[field] === null));
  rng.sample(flippable, NOISE_TARGETS.absenceFlips).forEach((slug, i) => {
    const first = entries.find((entry) => entry.slug === slug)!;
    const field = rngFor("absence-field", epoch, slug).pick(ABSENCE_FIELDS.filter((f) => first[f] === "" || first[f] === null));
    const targets = i < 2 ? entries.filter((entry) => entry.slug === slug) : modelCopies.get(slug)!;
    for (const copy of targets) if (copy[field] === "" || copy[field] === null) copy[field] = copy[field] === "" ? null : "";
    count("absence_spelling_flipped_models");
  });

  // Timestamp spellings of the same instant.
  for (const entry of rng.sample(entries, NOISE_TARGETS.entryTimestampFlips)) {
    entry.updated_at = flipTimestamp(entry.updated_at);
    entry.created_at = flipTimestamp(entry.created_at);
    count("timestamp_spelling_flipped_entries");
  }
  for (const record of rng.sample(embedded, NOISE_TARGETS.embeddedCreatedAtFlips)) {
    record.created_at = flipTimestamp(record.created_at);
    count("timestamp_spelling_flipped_embedded_endpoints");
  }
  for (const record of rng.sample(listRecords, NOISE_TARGETS.listCreatedAtFlips)) {
    record.created_at = flipTimestamp(record.created_at);
    count("timestamp_spelling_flipped_list_endpoints");
  }

  // Rates rewritten as other text for the same number, identically in every copy.
  for (const id of rng.sample(ids, NOISE_TARGETS.rateRewrites)) {
    const { list, embedded: embeddedCopies } = copies(id);
    const json: Obj = list[0].pricing_json;
    const priceSkus = Object.keys(json).filter((sku) => !/threshold|multiplier|informational|upstream_cost/.test(sku) && Number(json[sku]) !== 0);
    for (const sku of rngFor("rewrite-skus", epoch, id).sample(priceSkus, 2)) {
      const next = respell(json[sku], `${epoch}\u0000${id}\u0000${sku}`);
      for (const record of [...list, ...embeddedCopies]) if (Number(record.pricing_json[sku]) === Number(json[sku])) record.pricing_json[sku] = next;
      count("rate_text_rewritten");
    }
  }

  // Order: catalogue entries, lists with several endpoints, keys inside records.
  for (let i = 0; i < NOISE_TARGETS.catalogueMoves; i++) {
    const [moved] = entries.splice(rng.int(0, entries.length - 1), 1);
    entries.splice(rng.int(0, entries.length), 0, moved);
    count("catalogue_entries_moved");
  }
  for (const key of listKeys) {
    const data = recording[key].data;
    if (data.length < 2) continue;
    const before = data.map((record) => record.id).join();
    const shuffled = rngFor("list-order", epoch, key).shuffle(data);
    if (shuffled.map((record) => record.id).join() === before) shuffled.push(shuffled.shift()!);
    recording[key].data = shuffled;
    count("endpoint_lists_reordered");
  }
  const recordSlots = listKeys.flatMap((key) => recording[key].data.map((_, index) => ({ key, index })));
  for (const { key, index } of rng.sample(recordSlots, NOISE_TARGETS.listRecordKeyOrders)) {
    const data = recording[key].data;
    data[index] = reorderKeys(data[index], `${epoch}\u0000${key}\u0000${index}`);
    count("record_key_order_changed");
  }
  for (const index of rng.sample(
    entries.map((_, i) => i),
    NOISE_TARGETS.entryKeyOrders,
  )) {
    entries[index] = reorderKeys(entries[index], `${epoch}\u0000entry\u0000${index}`);
    count("entry_key_order_changed");
  }
  return report;
}
