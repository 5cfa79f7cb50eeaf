/**
 * Seeded choices for the golden2026 generator.
 *
 * Owns: the one way the generator draws a random choice. Every draw comes from mulberry32 seeded
 * by a fixed run seed and the name of what is being decided (`rngFor("status", endpointId)`), so a
 * record's choices never depend on the order records are visited in, and a second run gives
 * byte-identical files. Must not touch: the clock, Math.random, anything outside this folder's
 * generator. Node-only, never shipped.
 */
import { mulberry32 } from "../../tests/support/random";

/** The generator's one seed; changing it regenerates every synthetic choice. */
export const RUN_SEED = 0x20260724;

/** FNV-1a, 32 bits: a stable number for a name. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export type Rng = {
  next(): number;
  /** An integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** `count` distinct items, in a random order. */
  sample<T>(items: readonly T[], count: number): T[];
  /** A number in [lo, hi) rounded to `decimals` places. */
  float(lo: number, hi: number, decimals: number): number;
  /** A version-4-shaped UUID made from the PRNG. */
  uuid(): string;
};

/**
 * A PRNG for one named decision.
 *
 * @example rngFor("status", "cf59e549-…").pick([0, -2, -3, -5])
 */
export function rngFor(...parts: (string | number)[]): Rng {
  const next = mulberry32((hash32(parts.join("\u0000")) ^ RUN_SEED) >>> 0);
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    shuffle: (items) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    },
    sample: (items, count) => rng.shuffle(items).slice(0, count),
    float: (lo, hi, decimals) => {
      const scale = 10 ** decimals;
      return Math.round((lo + next() * (hi - lo)) * scale) / scale;
    },
    uuid: () => {
      const bytes = Array.from({ length: 16 }, () => Math.floor(next() * 256));
      bytes[6] = (bytes[6] & 0x0f) | 0x40;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
  return rng;
}
