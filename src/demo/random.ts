/** Seeded randomness for the demo data: reproducible and cheap, never for anything secret. */

export type Rng = () => number;

/** mulberry32: a 32-bit state PRNG, plenty for synthetic traffic and ~10x cheaper than crypto. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * murmur3's finalizer: a stateless hash, so a user's traits (channel, language, ...) follow from
 * the user's number alone and need no per-user memory.
 */
export function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Maps a 32-bit hash to [0, 1). */
export function unit(h: number): number {
  return h / 4294967296;
}

export function between(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor((max - min + 1) * rng());
}

/** Log-uniform: waiting times are skewed (mostly short, some long), unlike a uniform draw. */
export function logUniform(rng: Rng, min: number, max: number): number {
  return min * (max / min) ** rng();
}

/** A fixed weighted choice; lists are short, so a linear scan beats anything cleverer. */
export class Weighted<T> {
  private readonly values: T[];
  private readonly cumulative: number[];

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    if (entries.length === 0) throw new Error('Weighted needs at least one entry');
    let sum = 0;
    this.values = [];
    this.cumulative = [];
    for (const [value, weight] of entries) {
      sum += weight;
      this.values.push(value);
      this.cumulative.push(sum);
    }
    for (let i = 0; i < this.cumulative.length; i++) this.cumulative[i] = (this.cumulative[i] ?? 0) / sum;
  }

  /** `r` in [0, 1): a PRNG draw or a hashed unit. */
  pick(r: number): T {
    const n = this.cumulative.length;
    for (let i = 0; i < n - 1; i++) if (r < (this.cumulative[i] ?? 1)) return this.values[i] as T;
    return this.values[n - 1] as T;
  }
}
