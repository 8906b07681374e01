/**
 * Seconds per sampler step of the empirical score s_N (docs/math.md §3) at CIFAR size:
 * B = 64 queries, D = 3072, N = 50 000 and N = 10 000 (random data in [-1, 1]: the cost does not
 * depend on the values, and subnormal weights are clamped to 0 anyway).
 * GFLOP/s counts the two products, 2 * B * N * D * 2 flops per score evaluation.
 * Env: SCORESCOPE_BENCH_CHUNKS=1024,4096 sweeps chunk sizes (default: the score's default);
 * SCORESCOPE_BENCH_N=10000 picks N; SCORESCOPE_BENCH_BACKENDS=native,tfjs picks the score
 * implementations (native denoiser, native/src/denoise.cc, vs tfjs). Times are the median of
 * BENCH_REPS runs (default 3; the best is printed beside it, the machine may be shared). Also: the
 * delta sweep's KDE mutual information (256 draws) per delta. Figures for bench/run.ts --json:
 * `scoreStep` (the dense Euler–Maruyama step, B = 64, N = 50 000, first backend run), `scoreEval`
 * (t = 1) and `scoreEvalSparse` (t = 0.01), `miFirstDelta` (incl. the estimator's set-up,
 * `miPrepare`), `miNextDelta` and `miScoreSetup` (building the score: issue 11 asks for
 * miFirstDelta <= miNextDelta + miScoreSetup); other N and backends get suffixes
 * (`scoreStepN10000`, `scoreStepTfjs`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../electron/science/backend';
import { empiricalScore } from '../electron/science/scores/empirical';
import { nativeKernelInfo } from '../electron/science/native/kernels';
import { createNoise } from '../electron/science/noise';
import { sampleEulerMaruyama } from '../electron/science/samplers/sde';
import { mutualInformationDraws, mutualInformationEvaluator, type MutualInformationEvaluator } from '../electron/science/metrics/kde-mutual-information';
import { xorshiftUniform } from '../test/science/fixtures/xorshift';
import { benchReps, median, recordFigure } from './report';

const B = 64;
const D = 3072;

function heapMB(): string {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm ? `${(backend.wasm.HEAPU8.length / 1e6).toFixed(0)} MB wasm heap` : `${tf.memory().numBytes / 1e6} MB in tensors`;
}

/** Wall times of `reps` runs of f in seconds. */
function timesOf(reps: number, f: () => void): number[] {
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    runs.push((performance.now() - t0) / 1000);
  }
  return runs;
}

/** The figure name for this N and backend: plain for the headline case, suffixed otherwise. */
function figureName(base: string, N: number, backend: Backend, primary: Backend): string {
  return `${base}${N === 50_000 ? '' : `N${N}`}${backend === primary ? '' : backend === 'tfjs' ? 'Tfjs' : 'Native'}`;
}

type Backend = 'native' | 'tfjs';

async function benchOne(N: number, chunkSize: number | undefined, values: Float32Array, backend: Backend, primary: Backend): Promise<void> {
  const gflop = (2 * B * N * D * 2) / 1e9;
  let t0 = performance.now();
  const score = empiricalScore({ values: values.subarray(0, N * D), rows: N, cols: D }, { backend, ...(chunkSize ? { chunkSize } : {}) });
  const build = (performance.now() - t0) / 1000;
  const label = `${score.kernel} N=${N}${backend === 'tfjs' ? ` chunk=${chunkSize ?? 'default'}` : ''}`;
  const x = createNoise(1, 0).normal([B, D]) as tf.Tensor2D;
  const reps = Math.max(benchReps(), N > 20_000 ? 3 : 5);
  // one figure per (N, backend): the default chunk of a tfjs chunk sweep
  const record = chunkSize === undefined
    ? (base: string, runs: number[], flops?: number, facts: Record<string, unknown> = {}) => recordFigure(figureName(base, N, backend, primary), runs, { ...(flops ? { flops } : {}), kernel: score.kernel, B, N, D, ...facts })
    : () => undefined;
  try {
    score.at(1, x).dispose(); // warm-up
    // t = 1: dense weights (both products run in full); t = 0.01: nearly one-hot weights, the
    // second product is skipped or gathered (GFLOP/s there is "effective", counted as dense)
    for (const t of [1, 0.01]) {
      const runs = timesOf(reps, () => {
        const s = score.at(t, x);
        s.dataSync();
        s.dispose();
      });
      const sec = median(runs);
      record(t === 1 ? 'scoreEval' : 'scoreEvalSparse', runs, gflop * 1e9);
      console.log(`  ${label} t=${t}: ${sec.toFixed(3)} s per score evaluation (median, best ${Math.min(...runs).toFixed(3)}), ${(gflop / sec).toFixed(1)} GFLOP/s (${gflop.toFixed(1)} GFLOP)`);
    }
    // full Euler–Maruyama steps (score + JS noise + update) in the dense regime, as the sampler runs them
    const grid = Float64Array.of(1, 0.95, 0.9);
    const stepRuns = timesOf(Math.max(3, reps - 1), () => {
      const y = sampleEulerMaruyama(score, x, grid, createNoise(2, 1));
      y.dataSync();
      y.dispose();
    }).map((s) => s / (grid.length - 1));
    const perStep = median(stepRuns);
    record('scoreStep', stepRuns, gflop * 1e9);
    console.log(`  ${label}: ${perStep.toFixed(3)} s per Euler–Maruyama step (dense; median, best ${Math.min(...stepRuns).toFixed(3)}), ${(gflop / perStep).toFixed(1)} GFLOP/s; set-up ${build.toFixed(1)} s; ${heapMB()}`);
    // the delta sweep's mutual information: 256 (index, noise) draws, as deltaSweep runs them (the
    // estimator built at the first delta, then reused). Target (issue 11): miFirstDelta <=
    // miNextDelta + miScoreSetup, the set-up of one score being the build of a score like this one.
    // Each is timed in 3 rounds (a fresh estimator, and a fresh score after the first round) so the
    // spread of a shared machine shows; runs[0] is the cold one.
    const data = { values: values.subarray(0, N * D), rows: N, cols: D };
    const draws = mutualInformationDraws(N, D, 256, 0);
    const firsts: number[] = [];
    const nexts: number[] = [];
    const prepares: number[] = [];
    const setups: number[] = [build];
    let method = '';
    let mi: Awaited<ReturnType<MutualInformationEvaluator['at']>> | undefined;
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        t0 = performance.now();
        empiricalScore(data, { backend, ...(chunkSize ? { chunkSize } : {}) }).dispose();
        setups.push((performance.now() - t0) / 1000);
      }
      t0 = performance.now();
      const estimator = mutualInformationEvaluator(score, data, draws);
      prepares.push((performance.now() - t0) / 1000);
      try {
        await estimator.at(0.01);
        firsts.push((performance.now() - t0) / 1000);
        t0 = performance.now();
        mi = await estimator.at(0.5);
        nexts.push((performance.now() - t0) / 1000);
        method = estimator.method;
      } finally {
        estimator.dispose();
      }
    }
    record('miFirstDelta', firsts, undefined, { method, draws: 256, includesSetup: 'miPrepare', cold: firsts[0] });
    record('miNextDelta', nexts, undefined, { method, draws: 256 });
    record('miScoreSetup', setups, undefined, { what: 'empiricalScore build', cold: setups[0] });
    record('miPrepare', prepares, undefined, { method });
    const [first, again, setup, prepare] = [firsts, nexts, setups, prepares].map(median) as [number, number, number, number];
    console.log(
      `  ${label}: KDE mutual information, 256 draws: ${first.toFixed(2)} s first delta (incl. set-up ${prepare.toFixed(2)} s), ${again.toFixed(2)} s next; ` +
        `set-up of one score ${setup.toFixed(2)} s (medians of 3; cold first ${firsts[0]!.toFixed(2)} s); ${method}; t=0.5: ${mi!.nats.toFixed(4)} of log N = ${mi!.logN.toFixed(4)} nats`,
    );
  } finally {
    x.dispose();
    score.dispose();
  }
}

export default async function run(): Promise<void> {
  const info = await initBackend();
  console.log(`backend ${info.name} (${info.device}); B=${B}, D=${D}`);
  const chunks = process.env['SCORESCOPE_BENCH_CHUNKS']?.split(',').map(Number) ?? [undefined];
  const sizes = (process.env['SCORESCOPE_BENCH_N'] ?? '50000,10000').split(',').map(Number);
  const native = nativeKernelInfo();
  const wanted = (process.env['SCORESCOPE_BENCH_BACKENDS'] ?? 'native,tfjs').split(',') as Backend[];
  const backends = wanted.filter((b) => b === 'tfjs' || native.available);
  if (backends.length < wanted.length) console.log(`  native denoiser unavailable: ${native.why ?? 'no denoise export'}`);
  const values = xorshiftUniform(Math.max(...sizes) * D, 7);
  for (const N of sizes) {
    for (const backend of backends) {
      if (backend === 'native') await benchOne(N, undefined, values, backend, backends[0]!);
      else for (const c of chunks) await benchOne(N, c, values, backend, backends[0]!);
    }
  }
}
