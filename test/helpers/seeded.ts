/** Seeded test values and pixel levels, written without the project's own code (test references). */

/** Deterministic bytes (xorshift32). */
export function seededBytes(n: number, seed: number): Uint8Array {
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Deterministic values in [0, 1) as float64 (an LCG). */
export function seededUniform(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s + 0.5) / 4294967296;
  }
  return out;
}

/** Pixels as the float32 levels v / 255 rounded once (what the app's uint8 rows stand for). */
export function pixelLevels(pixels: Uint8Array): Float32Array {
  return Float32Array.from(pixels, (v) => Math.fround(v / 255));
}
