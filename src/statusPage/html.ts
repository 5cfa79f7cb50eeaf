/**
 * html: markup built from template literals that escape every value put into them, so text that
 * came from upstream (a slug, a health reason, a field's example) can never become markup.
 *
 * Owns: escaping for HTML text and double- or single-quoted attribute values (inline SVG too), and
 * the one way to mark a string as markup already (`SafeHtml`, made only by `markup` and `raw`).
 * Must not touch: what a page says. Web-standard APIs only: this runs in Convex's default runtime.
 *
 * @example markup`<td title="${reason}">${reason}</td>` // a reason of `<b>"x"</b>` shows as text, in the cell and in its title
 */

/** Markup that is safe as it is: made by `markup` (which escaped its values) or `raw` (which trusts its caller). */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text as HTML: `&`, `<`, `>`, `"` and `'` as references, so it is safe in text and in either kind
 * of quoted attribute value.
 *
 * @example escapeHtml(`a<b & "c"`) // → "a&lt;b &amp; &quot;c&quot;"
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/**
 * A template of markup: each value is escaped unless it is `SafeHtml`; an array is its items in
 * order; null, undefined and false are nothing.
 *
 * @example markup`<ul>${items.map((item) => markup`<li>${item}</li>`)}</ul>`
 */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let index = 0; index < values.length; index++) out += markupOf(values[index]) + strings[index + 1];
  return new SafeHtml(out);
}

/**
 * A string the caller vouches for as markup (a constant stylesheet or script), put in as it is.
 *
 * @example markup`<p>${raw(svg)}</p>`
 */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

function markupOf(value: unknown): string {
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(markupOf).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}
