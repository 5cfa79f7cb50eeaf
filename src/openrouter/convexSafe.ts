/**
 * Convex-safety rules for values that come from upstream, as zod building blocks.
 *
 * Owns: the checks that keep a value storable by Convex (well-formed strings, legal object keys,
 * bounded arrays and nesting). Every free-form upstream record goes through `convexJsonSchema`
 * before it may reach an entity. Must not touch: anything Convex-specific at runtime; this file is
 * pure and runs in Node and in Convex's default runtime alike.
 */
import { z } from "zod";

/** Convex's own limits (docs: production/state/limits). */
export const CONVEX_MAX_ARRAY_LENGTH = 8192;
export const CONVEX_MAX_NESTED_KEY_LENGTH = 1024;
/**
 * Largest entity we store: Convex allows 1 MiB per document, and the row adds bookkeeping fields.
 * Measured as the UTF-8 size of the entity's canonical JSON, which tracks Convex's own size closely.
 */
export const MAX_ENTITY_BYTES = 900 * 1024;

/** Depth budget for a free-form value: it sits two or three levels inside a document of max depth 16. */
export const FREE_FORM_MAX_DEPTH = 12;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Convex strings must be valid Unicode: a lone UTF-16 surrogate is rejected at insert time. */
export function isWellFormedUnicode(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** `text` with every lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does. */
export function toWellFormed(text: string): string {
  return isWellFormedUnicode(text) ? text : text.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD");
}

/** Why Convex would refuse `key` as a nested object key, or null when it is fine. */
export function convexKeyProblem(key: string): string | null {
  if (key.length === 0) return "empty key";
  if (key.startsWith("$")) return "key starts with '$'";
  if (key.startsWith("_")) return "key starts with '_'";
  if (key.length > CONVEX_MAX_NESTED_KEY_LENGTH) return `key longer than ${CONVEX_MAX_NESTED_KEY_LENGTH} chars`;
  // Nested keys must be printable ASCII (no control characters).
  if (!/^[\x20-\x7E]+$/.test(key)) return "key is not printable ASCII";
  return null;
}

/** A JSON value that Convex can store as is. */
export type ConvexJson =
  | null
  | boolean
  | number
  | string
  | ConvexJson[]
  | { [key: string]: ConvexJson };

function describeKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/** Walks a parsed JSON value and reports every spot Convex would refuse. */
function reportConvexProblems(value: unknown, ctx: z.RefinementCtx, path: (string | number)[], depth: number): void {
  if (depth > FREE_FORM_MAX_DEPTH) {
    ctx.addIssue({ code: "custom", message: `nested deeper than ${FREE_FORM_MAX_DEPTH} levels`, path });
    return;
  }
  if (typeof value === "string") {
    if (!isWellFormedUnicode(value)) ctx.addIssue({ code: "custom", message: "string contains a lone surrogate", path });
    return;
  }
  if (value === null || typeof value === "boolean" || typeof value === "number") return;
  if (Array.isArray(value)) {
    if (value.length > CONVEX_MAX_ARRAY_LENGTH) {
      ctx.addIssue({ code: "custom", message: `array of ${value.length} elements exceeds ${CONVEX_MAX_ARRAY_LENGTH}`, path });
      return;
    }
    value.forEach((item, index) => reportConvexProblems(item, ctx, [...path, index], depth + 1));
    return;
  }
  if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const problem = convexKeyProblem(key);
      if (problem) ctx.addIssue({ code: "custom", message: `${problem}: ${describeKey(key)}`, path });
      else reportConvexProblems(item, ctx, [...path, key], depth + 1);
    }
    return;
  }
  ctx.addIssue({ code: "custom", message: `unsupported value of type ${typeof value}`, path });
}

/** A zod refinement reporting every spot in a value that Convex would refuse: `.superRefine(refineConvexJson)`. */
export function refineConvexJson(value: unknown, ctx: z.RefinementCtx): void {
  reportConvexProblems(value, ctx, [], 0);
}

/** A well-formed string. */
export const textSchema = z.string().refine(isWellFormedUnicode, "string contains a lone surrogate");

/** A free-form JSON value (features, reasoning config…) checked against Convex's rules, never rewritten. */
export const convexJsonSchema = z
  .unknown()
  .superRefine((value, ctx) => reportConvexProblems(value, ctx, [], 0))
  .transform((value) => value as ConvexJson);

/** A free-form JSON object; missing or null becomes `{}` so that equality does not flap. */
export const convexJsonObjectSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((value) => value ?? {})
  .superRefine((value, ctx) => reportConvexProblems(value, ctx, [], 0))
  .transform((value) => value as { [key: string]: ConvexJson });
