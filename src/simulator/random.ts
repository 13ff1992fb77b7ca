// Seeded pseudo-random numbers so that fault selection and generated ids repeat
// exactly for a given seed (mulberry32: tiny, fast, good enough for test data).

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** RFC 4122-shaped (version 4) GUID built from the seeded stream. */
  guid(): string;
  /** Where the stream stands, so that a restored simulator goes on instead of repeating ids. */
  position(): number;
}

/** `position` continues a stream saved with position(); without it the stream starts at `seed`. */
export function createRandom(seed: number, position?: number): Random {
  let state = (position ?? seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (digits: number): string =>
    Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    position: () => state,
    guid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(next() * 4)).toString(16)}${hex(3)}-${hex(12)}`,
  };
}

/** A seed as text (an env var, a flag): a whole number from 0 to 4294967295, or undefined with the reason. */
export function parseSeed(text: string): { seed?: number; problem?: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) > 0xffff_ffff) return { problem: `'${text}' is not a whole number from 0 to 4294967295` };
  return { seed: Number(trimmed) };
}
