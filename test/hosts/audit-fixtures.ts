/**
 * Samples with known answers for audit tests, written by code from a training and a test split:
 * exact copies of training images (distance 0, memorised), copies with small seeded Gaussian
 * noise (memorised: d1 far below d2), and held-out test images (no near-duplicate in the
 * training set: not memorised). Saved as a guided-diffusion style .npz (arr_0 uint8 NHWC).
 */
import { writeNpz, Xoshiro128 } from '../../native-data';

export interface SampleSource {
  kind: 'copy' | 'noisy' | 'test';
  /** Training index (copy, noisy) or test index (test). */
  index: number;
}

export interface AuditSamples {
  pixels: Uint8Array;
  count: number;
  sources: SampleSource[];
}

/** Gaussian noise of `sigma` grey levels, rounded and clipped to 0..255. */
function noisy(src: Uint8Array, sigma: number, rng: Xoshiro128): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const u = Math.max(1e-12, rng.nextUniform());
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextUniform());
    out[i] = Math.max(0, Math.min(255, Math.round(src[i]! + sigma * z)));
  }
  return out;
}

export function buildAuditSamples(
  train: Uint8Array,
  test: Uint8Array,
  itemBytes: number,
  opts: { copies?: number[]; noisy?: number[]; tests?: number[]; sigma?: number; seed?: number } = {},
): AuditSamples {
  const copies = opts.copies ?? [0, 17, 123, 456, 789, 999];
  const noisyRows = opts.noisy ?? [5, 50, 500, 600, 700, 800];
  const tests = opts.tests ?? Array.from({ length: 12 }, (_, i) => i);
  const rng = new Xoshiro128(opts.seed ?? 11);
  const sources: SampleSource[] = [
    ...copies.map((index) => ({ kind: 'copy' as const, index })),
    ...noisyRows.map((index) => ({ kind: 'noisy' as const, index })),
    ...tests.map((index) => ({ kind: 'test' as const, index })),
  ];
  const pixels = new Uint8Array(sources.length * itemBytes);
  sources.forEach((s, i) => {
    const from = s.kind === 'test' ? test : train;
    const item = from.subarray(s.index * itemBytes, (s.index + 1) * itemBytes);
    pixels.set(s.kind === 'noisy' ? noisy(item, opts.sigma ?? 3, rng) : item, i * itemBytes);
  });
  return { pixels, count: sources.length, sources };
}

export async function writeAuditSamplesNpz(file: string, samples: AuditSamples, itemShape: number[]): Promise<void> {
  await writeNpz(file, { arr_0: { data: samples.pixels, shape: [samples.count, ...itemShape] } });
}
