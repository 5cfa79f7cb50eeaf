/**
 * The 2026 golden day (tests/golden/changes-2026-next-day.json) read without the module's code:
 * a manifest endpoint key as its parts, an endpoint's raw list record, its rate-card numbers by
 * path, the `path before → after` claims of a change note, and the notes' percentages worked out
 * by hand. Shared by the diff's tests and the history's end-to-end tests.
 */
import { endpointsKeyIn, rawRates, type RawRecording } from "./recording";

/** One change note of the manifest. */
export type Note = { kind: string; key: string; what: string };

/** A manifest endpoint key `permaslug|variant|id` as its parts. */
export const endpointParts = (key: string) => {
  const [model_permaslug, variant, endpoint_id] = key.split("|");
  return { model_permaslug, variant, endpoint_id };
};
/** The raw list record of a manifest endpoint key in a recording. */
export function rawRecord(recording: RawRecording, key: string): any {
  const { model_permaslug, variant, endpoint_id } = endpointParts(key);
  const record = recording[endpointsKeyIn("v1", model_permaslug, variant)].data.find((r: any) => r.id === endpoint_id);
  if (!record) throw new Error(`no raw record for ${key}`);
  return record;
}

/** The raw record's rate-card numbers by path, written in the diff's path form (counted without the module's code). */
export function rawRatesByPath(record: any): Map<string, number> {
  return new Map(
    rawRates(record).map(({ path, value }) => {
      const text = path
        .map((segment, index) => {
          if (typeof segment === "number") return `[${segment}]`;
          if (/[.[\]"\s]/.test(segment)) throw new Error(`key needs quoting: ${segment}`);
          return index === 0 ? segment : `.${segment}`;
        })
        .join("");
      return [text, value] as const;
    }),
  );
}

/** The `path before → after` claims of a note, with the note's `pricing_json["sku"]` written as the diff writes it. */
export function claimsOf(note: Note): { path: string; before: string; after: string }[] {
  return [...note.what.matchAll(/(pricing[\w.[\]":-]*) (\S+) → ([^\s;]+)/g)].map(([, path, before, after]) => ({
    path: path.replace(/\["([^"]+)"\]/g, ".$1"),
    before,
    after,
  }));
}

/** Percentages of the notes' rate changes, worked out by hand: (after − before) / before × 100. */
export const HAND_PERCENT: Record<string, number> = {
  "0.00000045 → 0.0000004": -11.11,
  "0.0000003 → 0.00000027": -10,
  "0.00000088 → 0.0000011": 25,
  "0.0000004 → 0.00000035": -12.5,
  "0.03 → 0.035": 16.67,
  "3 → 3.5": 16.67,
  "0.012 → 0.014": 16.67,
  "0.0000001583 → 0.0000001833": 15.79,
  "0.0000025 → 0.000003": 20,
};

/** The note kinds that change a rate. */
export const PRICE_KINDS = ["flat-price", "pricing-json-only", "override-only", "override-long-context"];
