/**
 * The audit's C_T cells: k-means (k = 5, at most 50 Lloyd iterations) on 5 000 rows of 3 072
 * values, as the audit fits them on a CIFAR-10-sized training set, three ways: native kernels on
 * uint8 pixels (what the audit runs), native on float32 rows, and the JS loops. All three must give
 * the same model bit for bit (checked here; the tests prove it on smaller sets). The rows lie on a
 * continuous 12-parameter family with no natural clusters, so Lloyd runs all 50 iterations, as
 * it can on real images. Figures: `kmeans` (native uint8), `kmeansFloat32`, `kmeansJs`.
 */
import { kMeans, type KMeansModel } from '../electron/science/metrics/kmeans';
import { loadNativeKernels } from '../electron/science/native/kernels';
import { pixelsToUnit } from '../electron/science/neighbours';
import { seededUniform } from '../test/helpers/seeded';
import { benchReps, recordFigure, timeRuns } from './report';

function sameModel(a: KMeansModel, b: KMeansModel): boolean {
  return a.iterations === b.iterations && a.inertia === b.inertia && a.centroids.every((v, i) => v === b.centroids[i]);
}

export default async function bench(): Promise<void> {
  const kernels = loadNativeKernels();
  if (!kernels?.centreDistances) {
    console.log('skipped: the native k-means kernels are not built (npm run build:native)');
    return;
  }
  const n = 5000, d = 3072, params = 12;
  const patterns = seededUniform(params * d, 77);
  const weights = seededUniform(params * n, 78);
  const pixels = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let p = 0; p < params; p++) v += (weights[i * params + p]! - 0.5) * (patterns[p * d + j]! - 0.5);
      pixels[i * d + j] = Math.max(0, Math.min(255, Math.round(128 + 400 * v)));
    }
  }
  const floats = pixelsToUnit(pixels, n, d);
  const opts = { seed: 1, maxIterations: 50 };
  let u8: KMeansModel | undefined, f32: KMeansModel | undefined, js: KMeansModel | undefined;
  const reps = benchReps();
  const native = await timeRuns(reps, () => (u8 = kMeans(pixels, n, d, 5, opts)));
  const nativeFloat = await timeRuns(reps, () => (f32 = kMeans(floats, n, d, 5, opts)));
  const plain = await timeRuns(1, () => (js = kMeans(floats, n, d, 5, { ...opts, native: false })));
  if (!sameModel(u8!, js!) || !sameModel(f32!, js!)) throw new Error('k-means: the native and JS models differ');
  const facts = { n, d, k: 5, iterations: js!.iterations, kernel: kernels.kernel, threads: kernels.hardwareThreads };
  recordFigure('kmeans', native.runs, facts);
  recordFigure('kmeansFloat32', nativeFloat.runs, facts);
  recordFigure('kmeansJs', plain.runs, facts);
  console.log(`  k-means ${n} x ${d}, k = 5, ${js!.iterations} iterations (${kernels.kernel}, ${kernels.hardwareThreads} threads): native uint8 ${native.seconds.toFixed(2)} s, native float32 ${nativeFloat.seconds.toFixed(2)} s, JS ${plain.seconds.toFixed(2)} s; identical models`);
}
