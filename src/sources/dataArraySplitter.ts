/**
 * The elements of a `{ "data": [ … ] }` body, one at a time, as its text arrives in chunks: the
 * models list is parsed this way (`catalogueSources`), so that neither the whole body string nor
 * its whole parse need to exist at once.
 *
 * Owns: finding, in text that arrives in arbitrary chunks, the JSON text of each element of the
 * root object's `data` array, and nothing else: each element is handed over whole to `onElement`
 * (to be parsed, pruned and validated there), other root keys are skipped, and a body that is not
 * a JSON object with a `data` array is an error that says which. An element longer than
 * `maxElementChars` is skipped and reported (`onOversized`), or, without that, an error. It tracks strings, escapes and nesting only; `JSON.parse` of each element checks the
 * rest. Web-standard only: Convex may import it.
 */

export class DataArrayError extends Error {}

export type DataArraySplitter = {
  /** Feeds the next piece of the body's text (decode bytes with `TextDecoder` and `{ stream: true }`). */
  push(chunk: string): void;
  /** The body ended: throws when it was not a whole object with a `data` array. Returns the element count. */
  end(): number;
};

type Phase = "before-root" | "root" | "data" | "after-root";
type ElementKind = "container" | "string" | "scalar";

const isSpace = (c: string) => c === " " || c === "\n" || c === "\r" || c === "\t";

/**
 * @example
 * const split = createDataArraySplitter({ maxElementChars: 1 << 20, onElement: (text) => items.push(JSON.parse(text)) });
 * split.push('{"data":[{"a":1},'); split.push('{"b":"]"}]}'); split.end(); // items: [{a:1},{b:"]"}]
 */
export function createDataArraySplitter(options: {
  maxElementChars: number;
  onElement: (text: string, index: number) => void;
  /** Given, an element over the cap is skipped (its text let go as it arrives) and reported here; else it fails the body. */
  onOversized?: (index: number, chars: number) => void;
}): DataArraySplitter {
  let phase: Phase = "before-root";
  /** Nesting inside the root object: 1 at its own level, 2 directly inside `data`. */
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** At root level: the text of the last string (a key candidate) and the key whose value comes next. */
  let rootString: string[] | null = null;
  let lastRootString = "";
  let valueOf: string | null = null;
  let sawData = false;
  /** The element being collected: what kind, its pieces so far, and their length. */
  let kind: ElementKind | null = null;
  let pieces: string[] = [];
  let pieceChars = 0;
  let count = 0;
  let position = 0;

  const fail = (message: string): never => {
    throw new DataArrayError(`${message} (at character ${position})`);
  };

  /** The element being collected is over the cap: counted, not kept. */
  let oversized = false;

  function keep(piece: string) {
    pieceChars += piece.length;
    if (oversized) return;
    pieces.push(piece);
    if (pieceChars > options.maxElementChars) {
      if (!options.onOversized) fail(`element ${count} of data is longer than ${options.maxElementChars} characters`);
      oversized = true;
      pieces = [];
    }
  }

  function finish(lastPiece: string) {
    keep(lastPiece);
    const text = pieces.join("");
    const chars = pieceChars;
    const skipped = oversized;
    pieces = [];
    pieceChars = 0;
    oversized = false;
    kind = null;
    if (skipped) options.onOversized!(count++, chars);
    else options.onElement(text, count++);
  }

  function push(chunk: string) {
    /** Where the current element's text starts in this chunk (0 when it began in an earlier one). */
    let from = 0;
    for (let i = 0; i < chunk.length; i++, position++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') {
          inString = false;
          if (rootString) {
            lastRootString = JSON.parse(`"${rootString.join("")}"`);
            rootString = null;
          }
          if (kind === "string" && depth === 2) finish(chunk.slice(from, i + 1));
          continue;
        }
        rootString?.push(c);
        continue;
      }
      if (kind === "scalar" && depth === 2 && (c === "," || c === "]" || isSpace(c))) finish(chunk.slice(from, i));
      if (phase === "before-root") {
        if (isSpace(c)) continue;
        if (c !== "{") fail(`expected {"data": [...]}, got a body starting ${JSON.stringify(chunk.slice(i, i + 20))}`);
        phase = "root";
        depth = 1;
        continue;
      }
      if (phase === "after-root") {
        if (!isSpace(c)) fail("text after the end of the body's object");
        continue;
      }
      if (phase === "data" && depth === 2 && kind === null) {
        // Between elements of data: an element starts, or the array ends.
        if (isSpace(c) || c === ",") continue;
        if (c === "]") {
          phase = "root";
          depth = 1;
          continue;
        }
        kind = c === "{" || c === "[" ? "container" : c === '"' ? "string" : "scalar";
        from = i;
      }
      if (c === '"') {
        inString = true;
        if (depth === 1 && valueOf === null) rootString = [];
      } else if (c === "{" || c === "[") {
        if (depth === 1 && valueOf === "data") {
          if (c !== "[") fail('"data" is not an array');
          sawData = true;
          phase = "data";
          valueOf = null;
          depth = 2;
          continue;
        }
        valueOf = null;
        depth++;
      } else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) {
          if (c !== "}") fail("unbalanced brackets");
          phase = "after-root";
        } else if (phase === "data" && depth < 2) {
          fail("unbalanced brackets inside data");
        } else if (kind === "container" && depth === 2) {
          finish(chunk.slice(from, i + 1));
        }
      } else if (depth === 1) {
        if (c === ":") valueOf = lastRootString;
        else if (c === ",") valueOf = null;
        else if (!isSpace(c) && valueOf !== null) {
          // A scalar value at root level.
          if (valueOf === "data") fail('"data" is not an array');
          valueOf = null;
        }
      }
    }
    if (kind !== null) keep(chunk.slice(from));
  }

  return {
    push,
    end() {
      if (kind === "scalar") finish("");
      if (kind !== null || phase !== "after-root") fail(phase === "before-root" ? "empty body" : "the body ended before its object did");
      if (!sawData) fail('expected {"data": [...]}, but the object has no "data"');
      return count;
    },
  };
}
