/**
 * A recording file for `npm run snapshot`, checked when it is loaded: a JSON object mapping request
 * keys to bodies, with the models-list key of one path family (src/sources/requestKey.ts). What is
 * wrong with a bad one is one line naming the file (a `RecordingError`, exit status 2), before any
 * run starts and before the loopback server ever serves it.
 *
 * @example
 * const { recording, paths } = loadRecordingFile("tests/golden/recording-2026-base.json"); // paths === "v1"
 */
import { readFileSync } from "node:fs";
import { UPSTREAM_PATHS, upstreamPathsOfRecording, type UpstreamPaths } from "../../src/sources/requestKey";

export class RecordingError extends Error {}

const MODELS_KEYS = Object.entries(UPSTREAM_PATHS)
  .map(([name, family]) => `"${family.models}" (${name})`)
  .join(" or ");
const EXPECTED = `an object mapping request keys to bodies, with the models-list key ${MODELS_KEYS}`;

export function loadRecordingFile(path: string): { recording: Record<string, unknown>; paths: UpstreamPaths } {
  const fail = (what: string): never => {
    throw new RecordingError(`recording ${path}: ${what}`);
  };
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a file"
          : `cannot be read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`is not JSON (${error instanceof Error ? error.message : String(error)}); expected ${EXPECTED}`);
  }
  if (parsed === null) fail(`is JSON null; expected ${EXPECTED}`);
  if (Array.isArray(parsed)) fail(`is a JSON array; expected ${EXPECTED}`);
  if (typeof parsed !== "object") fail(`is a JSON ${typeof parsed}; expected ${EXPECTED}`);
  const recording = parsed as Record<string, unknown>;
  const paths = upstreamPathsOfRecording(recording);
  if (paths === null) {
    const keys = Object.keys(recording);
    const has =
      keys.length === 0
        ? "it is an empty object"
        : `its keys: ${keys
            .slice(0, 3)
            .map((key) => JSON.stringify(key))
            .join(", ")}${keys.length > 3 ? `, and ${keys.length - 3} more` : ""}`;
    fail(`has no models-list key (${has}); expected ${MODELS_KEYS}`);
  }
  return { recording, paths: paths! };
}
