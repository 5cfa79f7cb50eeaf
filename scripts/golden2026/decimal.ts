/**
 * Exact decimal rates and their textual spellings, for the golden2026 generator.
 *
 * Owns: turning one rate ("0.00000025") into the other spellings upstream uses for the same value
 * (`"2.5e-7"`, `"0.25e-6"`, `".25e-6"`, `2.5e-7` as a JSON number), and exact arithmetic on rates
 * (tier prices are base rate × multiplier). Every spelling is checked to parse to the same number
 * as the plain decimal, so a rewrite made here is never a price change. Node-only, never shipped.
 */

/** value = digits × 10^exp, digits without trailing zeros (0 is `{ digits: 0n, exp: 0 }`). */
type Decimal = { negative: boolean; digits: bigint; exp: number };

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string): Decimal {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  let digits = BigInt(`${whole}${fraction}` || "0");
  let exp = Number(exponent) - fraction.length;
  if (digits === 0n) return { negative: false, digits: 0n, exp: 0 };
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1;
  }
  return { negative: sign === "-", digits, exp };
}

function plainOf(d: Decimal): string {
  if (d.digits === 0n) return "0";
  const sign = d.negative ? "-" : "";
  const text = d.digits.toString();
  if (d.exp >= 0) return `${sign}${text}${"0".repeat(d.exp)}`;
  const padded = text.padStart(-d.exp + 1, "0");
  const point = padded.length + d.exp;
  return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}

/** The plain decimal spelling, as the May 2025 `pricing` strings are written: "0.00000025". */
export function plain(text: string): string {
  return plainOf(parseDecimal(text));
}

/** How a rate is written in `pricing_json`. */
export type RateForm = "plain" | "sci" | "lead0" | "dot" | "micro" | "microdot" | "number";

export const RATE_FORMS: readonly RateForm[] = ["plain", "sci", "lead0", "dot", "micro", "microdot", "number"];

/**
 * One rate in one spelling; throws if the spelling would not parse to the same number.
 *
 * @example formatRate("0.00000025", "lead0") === "0.25e-6"
 * @example formatRate("0.00000025", "microdot") === ".25e-6"
 * @example formatRate("0.00000025", "number") === 2.5e-7
 */
export function formatRate(text: string, form: RateForm): string | number {
  const d = parseDecimal(text);
  const out = spell(d, form);
  const expected = Number(plainOf(d));
  if (Number(out) !== expected) throw new Error(`rewrite of ${text} as ${form} (${out}) changes its value`);
  return out;
}

function spell(d: Decimal, form: RateForm): string | number {
  if (form === "number") return Number(plainOf(d));
  if (d.digits === 0n) return "0";
  const sign = d.negative ? "-" : "";
  const text = d.digits.toString();
  switch (form) {
    case "plain":
      return plainOf(d);
    case "sci": {
      const exponent = d.exp + text.length - 1;
      return `${sign}${text[0]}${text.length > 1 ? `.${text.slice(1)}` : ""}e${exponent}`;
    }
    case "lead0":
      return `${sign}0.${text}e${d.exp + text.length}`;
    case "dot":
      return `${sign}.${text}e${d.exp + text.length}`;
    case "micro":
    case "microdot": {
      // The value per million, then "e-6": authored rates such as "0.25e-6" and ".03e-6".
      const perMillion = plainOf({ ...d, exp: d.exp + 6 });
      const body = form === "microdot" && perMillion.startsWith("0.") ? perMillion.slice(1) : perMillion;
      return `${body}e-6`;
    }
  }
  throw new Error(`unknown rate form ${String(form)}`);
}

/** A form that suits the value: per-million spellings only for token-sized rates. */
export function formsFor(text: string): RateForm[] {
  const value = Number(plain(text));
  return value !== 0 && value < 1e-3 ? [...RATE_FORMS] : ["plain", "sci", "number"];
}

/**
 * Exact product of two decimals, in plain spelling.
 *
 * @example multiply("0.0000011", "0.5") === "0.00000055"
 */
export function multiply(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return plainOf(normalize({ negative: x.negative !== y.negative, digits: x.digits * y.digits, exp: x.exp + y.exp }));
}

function normalize(d: Decimal): Decimal {
  if (d.digits === 0n) return { negative: false, digits: 0n, exp: 0 };
  let { digits, exp } = d;
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1;
  }
  return { negative: d.negative, digits, exp };
}
