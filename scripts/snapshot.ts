/**
 * `npm run snapshot`: run the standard pipeline locally over a recording (default: the golden
 * one) with the DryRunWriter, and print its summary.
 *
 * Flags: --recording PATH (another recording), --live (fetch OpenRouter itself), --json (one
 * machine-readable summary line). Node-only; Convex never imports this file.
 */
import { parseArgs } from "node:util";
import { createSources } from "../src/sources/createSources";
import { createProcessContext } from "../src/pipeline/processContext";
import { standard } from "../src/pipeline/standard";
import { DryRunWriter } from "../src/outputs/dryRunWriter";

const GOLDEN = "tests/golden/recording-2025-05-20.json";

const { values } = parseArgs({
  options: {
    recording: { type: "string" },
    live: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    maxConcurrency: { type: "string", default: "8" },
  },
});

const sources = values.live
  ? createSources({ sources: "remote", baseUrl: process.env.OPENROUTER_BASE_URL })
  : createSources({ sources: "fixtures", path: values.recording ?? GOLDEN });
const dry = new DryRunWriter({ log: values.json ? () => {} : (line) => console.log(line) });
const ctx = createProcessContext({
  config: { run_id: `local-${Date.now()}`, snapshot_at: Math.floor(Date.now() / 3_600_000) * 3_600_000, maxConcurrency: Number(values.maxConcurrency) },
  sources,
  outputs: [dry],
});
const counts = await standard(ctx);
await ctx.outputs.finish();
if (values.json) console.log(JSON.stringify({ ...counts, writer: dry.perKind }));
