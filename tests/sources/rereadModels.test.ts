// @vitest-environment node
/**
 * The models list folded in two reads (plan, then build from the run's own copy) and entities read
 * back (`recall`), against the one-read way on the 2026-shaped recording with a bad entry, an
 * entry with no slug and a repeated entry added: the same models, the same issues, the same field
 * census, and read-back entities equal to what the run built. Expected values come from the
 * one-read path (`models()` and `consolidateVariants`, which other tests check against the raw
 * recording) and from the recording itself.
 */
import { describe, expect, it } from "vitest";
import { sourcesOver } from "../../src/sources/catalogueSources";
import { createRecordingTransport, type Transport } from "../../src/sources/transport";
import { createValidator } from "../../src/pipeline/validator";
import { consolidateVariants } from "../../src/pipeline/consolidateVariants";
import { createFieldCensus } from "../../src/drift/fieldCensus";
import type { OrModel } from "../../src/openrouter/schemas";
import { cloneRecording, GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

const base = loadRecording(GOLDEN_2026_PATHS.base);
const MODELS_KEY = modelsKeyOf(base);

/** The recording with an invalid entry, a keyless one and a repeat of the first entry appended. */
function edited() {
  const recording = cloneRecording(base);
  const data = recording[MODELS_KEY].data as Record<string, unknown>[];
  data.push({ ...data[3], context_length: "lots" }, { name: "no slug" }, { ...data[0] });
  return recording;
}

/** The recording transport, plus `reread` serving the same recording again, counting how often. */
function rereading(recording: Record<string, unknown>) {
  const inner = createRecordingTransport(recording);
  let rereads = 0;
  const transport: Transport = {
    ...inner,
    reread: (request) => {
      rereads++;
      return inner.stream!(request);
    },
  };
  return { transport, rereads: () => rereads };
}

const bySlug = (models: readonly OrModel[]) => [...models].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));

describe("the models list in two reads", () => {
  it("gives the models, issues and field census of one read held whole", async () => {
    const recording = edited();
    const once = { validator: createValidator(), census: createFieldCensus() };
    const held = consolidateVariants(await sourcesOver(createRecordingTransport(recording), once.validator, { paths: "v1", census: once.census }).models());

    const twice = { validator: createValidator(), census: createFieldCensus() };
    const { transport, rereads } = rereading(recording);
    const sources = sourcesOver(transport, twice.validator, { paths: "v1", census: twice.census });
    expect(sources.canReread).toBe(true);
    const plan = await sources.planModels();
    const folded: OrModel[] = [];
    await sources.eachModel(plan, (model) => void folded.push(model));

    expect(rereads()).toBe(1);
    expect(folded).toHaveLength(held.length);
    expect(bySlug(folded)).toEqual(bySlug(held));
    expect(plan.requests()).toEqual(held.flatMap((model) => model.variants.map(({ permaslug, variant }) => ({ permaslug, variant }))).filter(
      (request, index, all) => all.findIndex((other) => other.permaslug === request.permaslug && other.variant === request.variant) === index,
    ));
    // Three issues, as in the recording: the bad entry (keyed), the keyless one, the repeat.
    expect(twice.validator.issues().map(({ kind, item_key, index }) => ({ kind, item_key, index }))).toEqual(
      once.validator.issues().map(({ kind, item_key, index }) => ({ kind, item_key, index })),
    );
    expect(twice.validator.issues().map((issue) => issue.kind).sort()).toEqual(["duplicate", "invalid", "invalid"]);
    expect(twice.validator.checked("models")).toBe((recording[MODELS_KEY].data as unknown[]).length);
    expect(twice.census.sightings()).toEqual(once.census.sightings());
  });

  it("reads back exactly the models and endpoints asked for, reporting nothing again", async () => {
    const recording = edited();
    const validator = createValidator();
    const { transport } = rereading(recording);
    const sources = sourcesOver(transport, validator, { paths: "v1" });
    const all = consolidateVariants(await sourcesOver(createRecordingTransport(recording), createValidator(), { paths: "v1" }).models());
    const issuesBefore = validator.issues().length;
    const wanted = new Set([all[0].slug, all[all.length - 1].slug, all[17].slug]);
    const recalled: OrModel[] = [];
    await sources.recall.models(wanted, (model) => void recalled.push(model));
    expect(bySlug(recalled)).toEqual(bySlug(all.filter((model) => wanted.has(model.slug))));

    const variant = all.find((model) => model.variants.length > 0)!.variants[0];
    expect(await sources.recall.endpoints(variant)).toEqual(await sourcesOver(createRecordingTransport(recording), createValidator(), { paths: "v1" }).endpoints(variant));
    expect(validator.issues()).toHaveLength(issuesBefore);
  });

  it("cannot read again through a transport that keeps no copy, and says so", async () => {
    const sources = sourcesOver(createRecordingTransport(base), createValidator(), { paths: "v1" });
    expect(sources.canReread).toBe(false);
    await expect(sources.recall.models(new Set(["x"]), () => undefined)).rejects.toThrow(/the fixtures transport keeps no copy of what it received/);
  });
});
