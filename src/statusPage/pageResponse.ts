/**
 * pageResponse: the HTTP response around an HTML page: its strong ETag (a matching `If-None-Match`
 * gets a 304), revalidation on every load (a status page must not be shown from a cache while a
 * newer run exists), and a Content-Security-Policy that lets the page load nothing from elsewhere
 * and run only its own inline script and stylesheet, named by their SHA-256.
 *
 * Owns: those headers. Must not touch: what the page says. Web-standard APIs only.
 */
import { etagOf, matchesIfNoneMatch } from "../history/feedFormat";

export const HTML_CONTENT_TYPE = "text/html; charset=utf-8";

/**
 * The CSP source of an inline script's or stylesheet's exact text.
 *
 * @example await hashSource("") // → "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
 */
export async function hashSource(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/**
 * The policy of a page whose only script and stylesheet are inline: nothing else loads, forms and
 * fetches go to the page's own origin, and no other site may frame it.
 *
 * @example await contentSecurityPolicy({ script: SCRIPT, style: STYLESHEET })
 */
export async function contentSecurityPolicy({ script, style }: { script: string; style: string }): Promise<string> {
  return [
    "default-src 'none'",
    `script-src ${await hashSource(script)}`,
    `style-src ${await hashSource(style)}`,
    "img-src data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * An HTML page's response: `status` with the body, its ETag and the page's headers, or a 304
 * without a body when the request's `If-None-Match` matches (200s only).
 *
 * @example await htmlResponse(request, page, { status: 200, csp: await contentSecurityPolicy({ script: SCRIPT, style: STYLESHEET }) })
 */
export async function htmlResponse(request: Request, body: string, { status, csp }: { status: number; csp: string }): Promise<Response> {
  const etag = await etagOf(body);
  const headers = {
    ETag: etag,
    "Cache-Control": "no-cache",
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
  if (status === 200 && matchesIfNoneMatch(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(body, { status, headers: { ...headers, "Content-Type": HTML_CONTENT_TYPE } });
}
