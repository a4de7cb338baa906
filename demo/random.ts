// Seeded randomness, so a demo run with the same --seed makes the same choices on the same ticks.

/** A source of numbers in [0, 1) and the helpers the bots choose with. */
export interface Random {
  /** The next number in [0, 1). */
  next(): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One of `items` (not empty). */
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a: a 32-bit hash of `text`, to seed one generator per name. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A generator seeded by `seed` and `name` (mulberry32): each bot and game server has its own, so
 * one's choices do not shift when another's ticks arrive in a different order.
 */
export function seededRandom(seed: number, name: string): Random {
  let state = hash(`${seed}:${name}`);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
