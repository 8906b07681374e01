/**
 * Seeded synthetic data: isotropic Gaussians N(mu, c^2 I) and Gaussian mixtures, as float32 [N, D].
 * The generator is xoshiro128** (32-bit integer ops only, seeded through splitmix32) with
 * Box–Muller normals, so a seed gives the same numbers on every platform and Node version
 * (V8's Math.log/sin/cos are its own fdlibm port, not the C library's).
 */

/** xoshiro128**: a small, fast, well-tested 32-bit generator. */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** `stream` separates independent sequences for one seed (e.g. train vs test). */
  constructor(seed: number, stream = 0) {
    let x = (Math.trunc(seed) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const next = () => {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator in an exact state (reference-vector tests). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 >>> 0;
    g.s1 = s1 >>> 0;
    g.s2 = s2 >>> 0;
    g.s3 = s3 >>> 0;
    return g;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1) with 53 random bits (never exactly 0: safe for log). */
  nextUniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(this.nextUniform()));
    const theta = 2 * Math.PI * this.nextUniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export interface GaussianComponent {
  readonly mean: readonly number[];
  /** Isotropic variance c^2 (covariance c^2 I). */
  readonly variance: number;
  /** Mixture weight (normalised over components); ignored for a single Gaussian. */
  readonly weight?: number;
}

export interface GaussianSpec {
  readonly kind: 'gaussian';
  readonly mean: readonly number[];
  readonly variance: number;
  /** Training points. */
  readonly n: number;
  /** Optional held-out points from the same law (separate random stream). */
  readonly test?: number;
  readonly seed: number;
}

export interface MixtureSpec {
  readonly kind: 'mixture';
  readonly components: readonly GaussianComponent[];
  readonly n: number;
  readonly test?: number;
  readonly seed: number;
}

export type SyntheticSpec = GaussianSpec | MixtureSpec;

/** The paper's 2-D experiment: N((-5, 5), 10 I), N = 100 (docs/math.md §4). */
export const PAPER_GAUSSIAN: GaussianSpec = { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 };

export interface SyntheticSplit {
  /** float32 [count, D]. */
  readonly data: Float32Array;
  readonly count: number;
  /** Mixture component of each point (null for a single Gaussian). */
  readonly labels: Int32Array | null;
}

export function specDimension(spec: SyntheticSpec): number {
  return spec.kind === 'gaussian' ? spec.mean.length : (spec.components[0]?.mean.length ?? 0);
}

/** Throws a plain Error naming the bad field (specs come from people). */
export function validateSpec(spec: SyntheticSpec): void {
  const checkN = (v: number | undefined, f: string) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 1e8)) throw new Error(`synthetic spec: ${f} must be a whole number 0..1e8, got ${v}`);
  };
  checkN(spec.n, 'n');
  checkN(spec.test, 'test');
  if (!Number.isInteger(spec.seed)) throw new Error(`synthetic spec: seed must be an integer, got ${spec.seed}`);
  const comps: readonly GaussianComponent[] = spec.kind === 'gaussian' ? [spec] : spec.components;
  if (comps.length === 0) throw new Error('synthetic spec: a mixture needs at least one component');
  const d = specDimension(spec);
  if (d < 1) throw new Error('synthetic spec: mean must have at least one coordinate');
  comps.forEach((c, i) => {
    if (c.mean.length !== d) throw new Error(`synthetic spec: component ${i} has ${c.mean.length} coordinates, expected ${d}`);
    if (!c.mean.every(Number.isFinite)) throw new Error(`synthetic spec: component ${i} mean is not finite`);
    if (!(c.variance >= 0) || !Number.isFinite(c.variance)) throw new Error(`synthetic spec: component ${i} variance must be >= 0, got ${c.variance}`);
    if (spec.kind === 'mixture' && !((c.weight ?? 1) > 0)) throw new Error(`synthetic spec: component ${i} weight must be > 0`);
  });
}

/** Draws `count` points; stream 0 is train, stream 1 is test. */
export function sampleSynthetic(spec: SyntheticSpec, count: number, stream = 0): SyntheticSplit {
  validateSpec(spec);
  const rng = new Xoshiro128(spec.seed, stream);
  const d = specDimension(spec);
  const data = new Float32Array(count * d);
  if (spec.kind === 'gaussian') {
    const c = Math.sqrt(spec.variance);
    for (let i = 0; i < count; i++) for (let j = 0; j < d; j++) data[i * d + j] = (spec.mean[j] as number) + c * rng.nextNormal();
    return { data, count, labels: null };
  }
  const weights = spec.components.map((c) => c.weight ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push((acc + w) / total), acc + w), 0);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const u = rng.nextUniform();
    let k = cumulative.findIndex((c) => u < c);
    if (k < 0) k = cumulative.length - 1;
    labels[i] = k;
    const comp = spec.components[k] as GaussianComponent;
    const c = Math.sqrt(comp.variance);
    for (let j = 0; j < d; j++) data[i * d + j] = (comp.mean[j] as number) + c * rng.nextNormal();
  }
  return { data, count, labels };
}

/** The splits a spec describes: train (n points) and, if asked, test. */
export function synthesize(spec: SyntheticSpec): Record<string, SyntheticSplit> {
  const out: Record<string, SyntheticSplit> = { train: sampleSynthetic(spec, spec.n, 0) };
  if (spec.test) out['test'] = sampleSynthetic(spec, spec.test, 1);
  return out;
}
