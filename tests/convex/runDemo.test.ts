/**
 * snapshots_v2:runDemo end to end on convex-test with transaction limits, over the real HTTP
 * path: the remote transport fetches from a loopback fake serving the golden recording.
 */
import { describe, expect, it } from "vitest";
import { internal } from "../../convex/_generated/api";
import { allRows, byId, documentsWritten, setupTest, withFakeOpenRouter } from "./setup";
import { countRaw, loadGolden } from "../support/recording";

const golden = loadGolden();
const raw = countRaw(golden);

describe("runDemo over the golden recording", () => {
  it("stores exactly the models and endpoints the raw recording holds, and a second run writes nothing", async () => {
    const t = setupTest();
    await withFakeOpenRouter({ recording: golden }, async () => {
      const first = await t.action(internal.snapshots_v2.runDemo, {});
      expect(first).toMatchObject({ status: "ok", ok: true });
      const models = await allRows(t, "or_models");
      const endpoints = await allRows(t, "or_endpoints");
      expect(models).toHaveLength(raw.models);
      expect(new Set(models.map((m) => m.slug)).size).toBe(raw.models);
      expect(endpoints).toHaveLength(raw.endpoints);

      const before = { models: byId(models), endpoints: byId(endpoints) };
      const second = await t.action(internal.snapshots_v2.runDemo, {});
      expect(second.status).toBe("ok");
      expect(documentsWritten(before.models, byId(await allRows(t, "or_models")))).toBe(0);
      expect(documentsWritten(before.endpoints, byId(await allRows(t, "or_endpoints")))).toBe(0);
      expect(second.mutations).toBe(0);
    });
  });
});
