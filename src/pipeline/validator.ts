/**
 * The validator: runs zod over each raw item, keeps the valid ones, and collects every failure.
 *
 * Owns: the list of validation issues of one run. It never throws: a bad item is recorded with
 * its source, request params, index, a short summary and the SHA-256 of its canonical JSON (so
 * identical failures can be de-duplicated across runs), and the run goes on with the rest.
 */
import type { z } from "zod";
import { canonicalJson, sha256Hex } from "../lib/canonicalJson";
import type { RequestParams } from "../sources/requestKey";
import type { IssueKind } from "./types";

export type ValidationIssue = {
  /** Which source produced the item: "models" or "endpoints". */
  source: string;
  params: RequestParams;
  index: number;
  /** The item's own identity where it has one (a models entry's slug, an endpoint's id), to protect its row. */
  item_key: string | null;
  kind: IssueKind;
  summary: string;
  sha256: string;
};

const SUMMARY_MAX_CHARS = 300;

/** "path.to.field: message; other: message", short enough for a log line or a table cell. */
export function summarizeZodError(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    return `${path}: ${issue.message}`;
  });
  if (error.issues.length > 5) parts.push(`…and ${error.issues.length - 5} more`);
  const summary = parts.join("; ");
  return summary.length > SUMMARY_MAX_CHARS ? `${summary.slice(0, SUMMARY_MAX_CHARS - 1)}…` : summary;
}

/** The field that names an item of each source: a models entry is keyed by its slug, never by another id. */
const KEY_FIELDS: Record<string, readonly string[]> = { models: ["slug"], endpoints: ["id"] };

function itemKeyOf(raw: unknown, source: string): string | null {
  if (raw === null || typeof raw !== "object") return null;
  const record = raw as Record<string, unknown>;
  for (const field of KEY_FIELDS[source] ?? ["slug", "id"]) {
    if (typeof record[field] === "string" && record[field] !== "") return record[field] as string;
  }
  return null;
}

/**
 * Stands in for an item of a streamed body that was longer than the per-entry cap and so never
 * read: `validate` reports it as `too_large`, with no key (its slug was not read), in its place.
 */
export class OversizedItem {
  constructor(
    readonly characters: number,
    readonly cap: number,
  ) {}
}

export type Validator = ReturnType<typeof createValidator>;

/** A valid item, with its position in the response and the raw item it came from. */
export type Validated<T> = { value: T; index: number; raw: unknown };

/**
 * @example
 * const validator = createValidator();
 * const models = await validator.validate(ModelEntrySchema, raw.data, { source: "models", params: {} });
 * // → [{ value, index, raw }] for each valid item
 * validator.issues(); // every failure so far
 */
export function createValidator() {
  const collected: ValidationIssue[] = [];
  const checked: Record<string, number> = {};
  /** One item at its position in the response: its value when valid, else null with the issue recorded. */
  async function validateItem<Schema extends z.ZodType>(
    schema: Schema,
    raw: unknown,
    at: { source: string; params: RequestParams; index: number },
  ): Promise<Validated<z.output<Schema>> | null> {
    const { source, params, index } = at;
    checked[source] = (checked[source] ?? 0) + 1;
    if (raw instanceof OversizedItem) {
      collected.push({
        source,
        params,
        index,
        item_key: null,
        kind: "too_large",
        summary: `entry of ${raw.characters} characters exceeds the ${raw.cap}-character cap for one entry; skipped unread`,
        sha256: await sha256Hex(`oversized ${source} ${index} ${raw.characters}`),
      });
      return null;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) return { value: parsed.data, index, raw };
    collected.push({ source, params, index, item_key: itemKeyOf(raw, source), kind: "invalid", summary: summarizeZodError(parsed.error), sha256: await sha256Hex(canonicalJson(raw)) });
    return null;
  }
  return {
    async validate<Schema extends z.ZodType>(
      schema: Schema,
      items: readonly unknown[],
      at: { source: string; params: RequestParams },
    ): Promise<Validated<z.output<Schema>>[]> {
      const valid: Validated<z.output<Schema>>[] = [];
      for (let index = 0; index < items.length; index++) {
        const item = await validateItem(schema, items[index], { ...at, index });
        if (item) valid.push(item);
      }
      return valid;
    },
    /** One item of a response read item by item, at its position in it. */
    validateItem,
    /** Records a failure that was found outside zod (e.g. a duplicate key), with the same fingerprint. */
    async report(raw: unknown, at: { source: string; params: RequestParams; index: number; summary: string; kind: Exclude<IssueKind, "invalid"> }) {
      collected.push({ ...at, item_key: itemKeyOf(raw, at.source), sha256: await sha256Hex(canonicalJson(raw)) });
    },
    /**
     * Takes over what another validator found: a response read item by item into a validator of
     * its own, kept only once it was read to its end (a read cut short is started again).
     */
    absorb(other: { issues(): readonly ValidationIssue[]; checkedCounts(): Readonly<Record<string, number>> }): void {
      collected.push(...other.issues());
      for (const [source, count] of Object.entries(other.checkedCounts())) checked[source] = (checked[source] ?? 0) + count;
    },
    /** Items validated so far from one source, valid or not: the denominator of its invalid share. */
    checked(source: string): number {
      return checked[source] ?? 0;
    },
    checkedCounts(): Readonly<Record<string, number>> {
      return checked;
    },
    issues(): readonly ValidationIssue[] {
      return collected;
    },
  };
}
