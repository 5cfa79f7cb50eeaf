// @vitest-environment node
/** mapWithConcurrency: order, the in-flight bound, and a clean stop on the first failure. */
import { describe, expect, it } from "vitest";
import { mapWithConcurrency } from "../../src/lib/mapWithConcurrency";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("mapWithConcurrency", () => {
  it("keeps input order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 4, 3, 2, 1, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 40, 30, 20, 10, 0]);
    expect(peak).toBe(2);
  });

  it("starts nothing after the first failure and settles what is in flight before rejecting", async () => {
    const started: number[] = [];
    let settled = 0;
    const call = mapWithConcurrency(Array.from({ length: 20 }, (_, i) => i), 3, async (n) => {
      started.push(n);
      await tick();
      settled++;
      if (n === 1) throw new Error("boom");
      return n;
    });
    await expect(call).rejects.toThrow("boom");
    const settledAtRejection = settled;
    await tick();
    await tick();
    expect(settled).toBe(settledAtRejection);
    expect(settled).toBe(started.length);
    expect(started.length).toBeLessThan(20);
  });

  it("rejects a bad limit by name", async () => {
    await expect(mapWithConcurrency([1], 0, async (n) => n)).rejects.toThrow(/maxConcurrency/);
  });
});
