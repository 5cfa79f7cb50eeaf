/**
 * compactString: a copy of a string laid out as one flat run of characters, for strings a run
 * keeps until its end.
 *
 * V8 builds a string that was concatenated or written by `JSON.stringify` as a rope: a node
 * pointing at its pieces, which can be several times the text's own size. At fifty times today's
 * catalogue a run keeps about 50,000 such strings (endpoint keys, archived request queries, planned
 * variants), and as ropes they weighed 11 MiB of a 64 MiB action; flat, about 4. Decoding the
 * string's UTF-8 makes a new flat string with the same text. Web-standard only; on an engine that
 * keeps strings flat anyway it costs one copy and changes nothing.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function compactString(text: string): string {
  return decoder.decode(encoder.encode(text));
}
