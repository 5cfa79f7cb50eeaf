/**
 * backfillWalk, the rules of the history backfill's walk: which runs it replays, passes over or
 * counts as lost, and the gaps and coverage that follow, on hand-made run records and sequences
 * small enough to follow by eye.
 */
import { describe, expect, it } from "vitest";
import { EMPTY_WALK, ending, losing, replaying, roleOf, type RunFacts, type WalkState } from "../../src/history/backfillWalk";

const NOW = Date.UTC(2026, 6, 24, 12);
const STALE = 11 * 60_000;
const [t1, t2, t3, t4, t5] = [1, 2, 3, 4, 5].map((hour) => NOW - (10 - hour) * 3_600_000);

function run(overrides: Partial<RunFacts> = {}): RunFacts {
  return { snapshot_at: t1, started_at: t1, status: "ok", output: "convex", source: "remote", entities_skipped: false, mutations: 1, accepted_rows: 0, ...overrides };
}

describe("roleOf", () => {
  it("passes over runs that wrote nothing", () => {
    for (const facts of [
      run({ status: "skipped", mutations: null }),
      run({ output: "dry-run", mutations: 0 }),
      run({ entities_skipped: true, mutations: 0 }),
      run({ mutations: 0 }),
      run({ status: "failed", mutations: 0 }),
    ]) {
      expect(roleOf(facts, NOW, STALE), JSON.stringify(facts)).toEqual({ role: "ignore" });
    }
  });

  it("replays a healthy run that wrote, or whose withheld removals a person accepted", () => {
    expect(roleOf(run(), NOW, STALE)).toEqual({ role: "replay" });
    expect(roleOf(run({ mutations: 0, accepted_rows: 3 }), NOW, STALE)).toEqual({ role: "replay" });
    expect(roleOf(run({ output: "both" }), NOW, STALE)).toEqual({ role: "replay" });
  });

  it("waits for a run still running, and counts a dead one, a failed writer or a replay that wrote as lost", () => {
    expect(roleOf(run({ status: "running", mutations: null, started_at: NOW - 60_000 }), NOW, STALE)).toEqual({ role: "wait" });
    expect(roleOf(run({ status: "running", mutations: null, started_at: NOW - STALE - 1 }), NOW, STALE)).toMatchObject({
      role: "lost",
      why: expect.stringContaining("died running"),
    });
    expect(roleOf(run({ status: "failed", mutations: null }), NOW, STALE)).toMatchObject({ role: "lost", why: expect.stringContaining("without a report") });
    expect(roleOf(run({ status: "failed", mutations: 2 }), NOW, STALE)).toMatchObject({ role: "lost", why: expect.stringContaining("part of its changes") });
    expect(roleOf(run({ source: "archive" }), NOW, STALE)).toMatchObject({ role: "lost", why: expect.stringContaining("replay") });
  });
});

/** Walks a sequence: a snapshot replayed, or lost; returns what each replay recorded, the gaps, and the end. */
function walk(steps: readonly (readonly ["replay" | "lost", number])[], end: number | null) {
  let state: WalkState = EMPTY_WALK;
  const recorded: number[] = [];
  const gaps: { from: number; to: number }[] = [];
  for (const [what, at] of steps) {
    if (what === "lost") {
      state = losing(state, at, "its archives were deleted by compaction");
      continue;
    }
    const next = replaying(state, at);
    if (next.record) recorded.push(at);
    if (next.gap) gaps.push({ from: next.gap.from, to: next.gap.to });
    state = next.walk;
  }
  const ended = ending(state, end);
  if (ended.gap) gaps.push({ from: ended.gap.from, to: ended.gap.to });
  return { recorded, gaps, state: ended.walk };
}

describe("the walk", () => {
  it("records every run from the first that ever wrote, and covers from it", () => {
    const { recorded, gaps, state } = walk(
      [
        ["replay", t1],
        ["replay", t2],
        ["replay", t3],
      ],
      null,
    );
    expect(recorded).toEqual([t1, t2, t3]);
    expect(gaps).toEqual([]);
    expect(state).toEqual({ anchor: t3, lost: null, first_replayed: t1, continuous_from: t1 });
  });

  it("takes the first archived run as a baseline when runs wrote before it, with a gap from the first of them", () => {
    const { recorded, gaps, state } = walk(
      [
        ["lost", t1],
        ["lost", t2],
        ["replay", t3],
        ["replay", t4],
      ],
      null,
    );
    expect(recorded).toEqual([t4]);
    expect(gaps).toEqual([{ from: t1, to: t3 }]);
    expect(state).toMatchObject({ first_replayed: t3, continuous_from: t3 });
  });

  it("makes a gap from the last run replayed to the next across lost runs, and replays that one without events", () => {
    let state = replaying(EMPTY_WALK, t1).walk;
    state = losing(losing(state, t2, "its archives were deleted by compaction on 2027-01-01"), t3, "it failed after writing part of its changes");
    const next = replaying(state, t4);
    expect(next.record).toBe(false);
    expect(next.gap).toMatchObject({ from: t1, to: t4 });
    expect(next.gap!.reason).toContain("2 runs");
    // The first lost run says why.
    expect(next.gap!.reason).toContain("deleted by compaction on 2027-01-01");
    expect(next.walk).toEqual({ anchor: t4, lost: null, first_replayed: t1, continuous_from: t4 });
    expect(replaying(next.walk, t5).record).toBe(true);
  });

  it("ends with a gap up to live history, or up to the last lost run without any", () => {
    const steps = [
      ["replay", t1],
      ["lost", t2],
      ["lost", t3],
    ] as const;
    expect(walk(steps, t5).gaps).toEqual([{ from: t1, to: t5 }]);
    expect(walk(steps, t5).state.continuous_from).toBe(t5);
    expect(walk(steps, null).gaps).toEqual([{ from: t1, to: t3 }]);
    // Nothing lost at the end: no gap, nothing moves.
    const state = replaying(EMPTY_WALK, t1).walk;
    expect(ending(state, t5)).toEqual({ gap: null, walk: state });
  });

  it("with only lost runs, covers from where live history begins", () => {
    const { recorded, gaps, state } = walk(
      [
        ["lost", t1],
        ["lost", t2],
      ],
      t4,
    );
    expect(recorded).toEqual([]);
    expect(gaps).toEqual([{ from: t1, to: t4 }]);
    expect(state).toMatchObject({ first_replayed: null, continuous_from: t4 });
  });
});
