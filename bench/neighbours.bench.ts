/**
 * Exact k-NN speed: 1 000 queries against the 50 000 CIFAR-10 training images, k = 5,
 * D = 3 072, pixels in [0, 1]: the native CPU kernels on all threads (the default kernel path,
 * then AVX2 when the default is AVX-512, for comparison) and on one thread, then tfjs on the
 * backend initBackend picks, side by side with a numpy/OpenBLAS reference figure. Each search is
 * timed BENCH_REPS times (default 3) and the median is reported (figures `knn`, `knnAvx2`,
 * `knn1Thread`, `knnTfjs`, `knnNoisyCopies` for bench/run.ts --json).
 * BENCH_NN_TFJS=0 skips the (slow) tfjs run. Real data, read from
 * ../shared/data/cifar10/cifar-10-binary.tar.gz with native-data's tar reader.
 * Queries: the first 1 000 test images, then 200 noisy copies of training images (sanity check
 * that each finds its source). Flops counted as 2 M N D (the matMul).
 * BENCH_NN_SWEEP=1 also times reference/query chunk sizes on 200 queries (weights pre-packed).
 * BENCH_NN_AUDIT=1 also times auditMetrics with the 1 000 test images as 'samples' and the other
 * 9 000 test images as the held-out split: a model that generalises, so expect ~0% memorised
 * and C_T near 0.
 */
import { CIFAR_FULL } from '../test/helpers/shared-data';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { readTar } from '../native-data';
import { initBackend } from '../electron/science/backend';
import { loadNativeKernels, nativeKernelInfo } from '../electron/science/native/kernels';
import {
  createNativeNeighbourSearch,
  createReferenceSet,
  nearestNeighbours,
  pixelsToUnit,
  tfjsNeighbourSearch,
  type NeighbourResult,
  type NeighbourSearch,
} from '../electron/science/neighbours';
import { createNoise } from '../electron/science/noise';
import { auditMetrics } from '../electron/science/metrics';
import { benchReps, recordFigure, timeRuns } from './report';

const archive = CIFAR_FULL;
const record = 3073;
const D = 3072;

/** Files of a tar.gz archive whose name matches, by base name (native-data's reader). */
async function tarFiles(file: string, wanted: (name: string) => boolean): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of readTar(createReadStream(file).pipe(createGunzip()), file)) {
    if (e.type === 'file' && wanted(e.path)) out.set(e.path.split('/').pop()!, await e.bytes());
  }
  return out;
}

/** Records (label byte + 3 072 CHW pixel bytes) -> pixels [n, 3072], labels [n]. */
function records(bins: Uint8Array[], limit = Infinity): { pixels: Uint8Array; labels: Uint8Array; n: number } {
  const total = Math.min(limit, bins.reduce((s, b) => s + b.length / record, 0));
  const pixels = new Uint8Array(total * D);
  const labels = new Uint8Array(total);
  let i = 0;
  for (const bin of bins) {
    for (let r = 0; r < bin.length / record && i < total; r++, i++) {
      labels[i] = bin[r * record]!;
      pixels.set(bin.subarray(r * record + 1, (r + 1) * record), i * D);
    }
  }
  return { pixels, labels, n: total };
}

/** Median of the first column of a [m, k] distance array. */
function median(distances: Float32Array, k: number): number {
  const first = Float64Array.from({ length: distances.length / k }, (_, i) => distances[i * k]!).sort();
  return first[first.length >> 1]!;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

export default async function bench(): Promise<void> {
  if (!existsSync(archive)) {
    console.log(`skipped: ${archive} not found`);
    return;
  }
  const info = await initBackend();
  console.log(`backend: ${info.name} (${info.device})`);

  let t0 = performance.now();
  const files = await tarFiles(archive, (f) => /data_batch_\d\.bin$|test_batch\.bin$/.test(f));
  const trainBins = [1, 2, 3, 4, 5].map((b) => files.get(`data_batch_${b}.bin`)!);
  const train = records(trainBins);
  const testAll = records([files.get('test_batch.bin')!]);
  const test = { pixels: testAll.pixels.subarray(0, 1000 * D), labels: testAll.labels.subarray(0, 1000), n: 1000 };
  const trainUnit = pixelsToUnit(train.pixels, train.n, D);
  const queries = pixelsToUnit(test.pixels, test.n, D);
  console.log(`load: real CIFAR-10 (${train.n} train, ${test.n} test queries) in ${seconds(t0).toFixed(1)} s`);

  const k = 5;
  const flops = 2 * test.n * train.n * D;
  const rows: { label: string; seconds: number }[] = [];
  let reference: NeighbourResult | undefined;

  /**
   * Times the search of the 1 000 queries (after a 1-query warm-up; median of BENCH_REPS runs),
   * checks it against the first search run, and records it as figure `figure`.
   */
  const timeSearch = async (label: string, search: NeighbourSearch, figure: string, facts: Record<string, unknown>): Promise<void> => {
    let t = performance.now();
    const set = search.createReference(trainUnit, train.n, D);
    console.log(`${label}: prepare reference ${seconds(t).toFixed(2)} s, tensors ${mb(tf.memory().numBytes)} MB, rss ${mb(process.memoryUsage().rss)} MB`);
    try {
      // tfjs-wasm packs each chunk for XNNPACK on first use (cached per tensor): keep that out of the timing
      t = performance.now();
      await search.nearest(queries.subarray(0, D), 1, set, k);
      const warm = seconds(t);
      let res: NeighbourResult | undefined;
      const timed = await timeRuns(benchReps(), async () => {
        res = await search.nearest(queries, test.n, set, k);
      });
      const s = timed.seconds;
      if (!res) throw new Error('no search result');
      rows.push({ label, seconds: s });
      recordFigure(figure, timed.runs, { flops, kernel: res.kernel, shape: `${test.n} x ${train.n} x ${D}`, k, ...facts });
      let sameLabel = 0;
      for (let i = 0; i < test.n; i++) if (train.labels[res.indices[i * k]!] === test.labels[i]) sameLabel++;
      const result = res;
      const same = reference ? (result.indices.every((v, i) => v === reference!.indices[i]) && result.distances.every((v, i) => v === reference!.distances[i]) ? 'identical to the first run' : 'DIFFERS from the first run') : 'first run';
      reference ??= result;
      console.log(
        `  knn ${test.n} x ${train.n} x ${D}, k=${k} [${res.kernel}]: ${s.toFixed(2)} s, ${(flops / s / 1e9).toFixed(1)} GFLOP/s ` +
          `(median of ${timed.runs.length}: ${timed.runs.map((r) => r.toFixed(2)).join(', ')} s; warm-up query ${warm.toFixed(2)} s), exact rescans ${res.exactFallbacks}, NN1 label match ${((100 * sameLabel) / test.n).toFixed(1)}%, median d1 ${median(res.distances, k).toFixed(2)}, ${same}`,
      );
      // noisy copies: each should find its source
      const m = 200;
      const rng = createNoise(1, 0);
      const sources = rng.uniformInt(train.n, m);
      const noisy = new Float32Array(m * D);
      const noise = rng.normalArray(m * D);
      for (let i = 0; i < m; i++) for (let j = 0; j < D; j++) noisy[i * D + j] = trainUnit[sources[i]! * D + j]! + 0.02 * noise[i * D + j]!;
      let copies: NeighbourResult | undefined;
      const copyRuns = await timeRuns(benchReps(), async () => {
        copies = await search.nearest(noisy, m, set, k);
      });
      const sc = copyRuns.seconds;
      if (!copies) throw new Error('no search result');
      if (figure === 'knn') recordFigure('knnNoisyCopies', copyRuns.runs, { flops: 2 * m * train.n * D, kernel: copies.kernel, shape: `${m} x ${train.n} x ${D}`, k, ...facts });
      let found = 0;
      for (let i = 0; i < m; i++) if (copies.indices[i * k] === sources[i]) found++;
      console.log(`  knn ${m} noisy copies (sigma 0.02): ${sc.toFixed(2)} s, ${((2 * m * train.n * D) / sc / 1e9).toFixed(1)} GFLOP/s, source found ${found}/${m}, exact rescans ${copies.exactFallbacks}`);
    } finally {
      set.dispose();
    }
  };

  const native = nativeKernelInfo();
  const kernels = loadNativeKernels();
  if (native.available && kernels) {
    if (native.why) console.log(`native kernel: ${native.why}`);
    await timeSearch(`native ${native.kernel}, ${native.threads} threads`, createNativeNeighbourSearch()!, 'knn', { threads: native.threads });
    // the AVX2 path beside the AVX-512 one: what the dispatch buys on this CPU
    if (kernels.kernel === 'native-avx512' && kernels.supported.includes('native-avx2')) {
      await timeSearch(`native native-avx2, ${native.threads} threads`, createNativeNeighbourSearch({ kernel: 'native-avx2' })!, 'knnAvx2', { threads: native.threads });
    }
    if (native.threads > 1) await timeSearch(`native ${native.kernel}, 1 thread`, createNativeNeighbourSearch({ threads: 1 })!, 'knn1Thread', { threads: 1 });
  } else {
    console.log(`native kernels unavailable: ${native.why}`);
  }
  if (process.env['BENCH_NN_TFJS'] !== '0') await timeSearch(`tfjs ${info.name}`, tfjsNeighbourSearch, native.available ? 'knnTfjs' : 'knn', { backend: info.name });
  console.log(`summary, knn ${test.n} x ${train.n} x ${D} k=${k} (flops counted as 2 M N D):`);
  for (const r of rows) console.log(`  ${r.label.padEnd(34)} ${r.seconds.toFixed(2).padStart(6)} s  ${(flops / r.seconds / 1e9).toFixed(1).padStart(6)} GFLOP/s`);
  console.log(`  ${'numpy/OpenBLAS matmul (reference)'.padEnd(34)} ${'1.85'.padStart(6)} s  ${'166.0'.padStart(6)} GFLOP/s  (measured once on this 2-core machine, 2 threads; not re-run here)`);

  if (process.env['BENCH_NN_AUDIT'] === '1') {
    const ref = createReferenceSet(trainUnit, train.n, D);
    try {
      const heldOut = pixelsToUnit(testAll.pixels.subarray(1000 * D), testAll.n - 1000, D);
      const k50 = await nearestNeighbours(queries, test.n, ref, 50);
      t0 = performance.now();
      let last = '';
      const stages: string[] = [];
      const report = await auditMetrics(
        { samples: queries, train: ref, neighbours: k50, trainLabels: train.labels, test: { data: heldOut, n: testAll.n - 1000 } },
        {
          ctx: {
            progress: (_f, message) => {
              if (message && message !== last) {
                stages.push(`${message} @ ${seconds(t0).toFixed(1)} s`);
                last = message;
              }
            },
            throwIfCancelled: () => {},
            signal: new AbortController().signal,
          },
        },
      );
      console.log(`audit (1000 samples, 2000 held-out rows, radii on 10000 train rows, none cached): ${seconds(t0).toFixed(1)} s`);
      console.log(`  stages: ${stages.join('; ')}`);
      console.log(
        `  memorised ${report.memorizedFraction} [${report.memorizedCI.join(', ')}], median d1 ${report.medianD1.toFixed(2)}, median ratio ${report.medianRatio.toFixed(3)}, ` +
          `C_T ${report.ct?.value?.toFixed(2)}, authentic ${report.authenticity?.fraction}, precision ${report.precision}, recall ${report.recall}, ` +
          `coverage ${report.coverage.distinct}, gap z ${report.trainTestGap?.mannWhitney.z.toFixed(2)}`,
      );
    } finally {
      ref.dispose();
    }
  }

  if (process.env['BENCH_NN_SWEEP'] === '1') {
    const m = 200;
    for (const [chunkSize, queryChunk] of [[2048, 1024], [4096, 1024], [8192, 1024], [4096, 256], [16384, 256]] as const) {
      const r = createReferenceSet(trainUnit, train.n, D, { chunkSize });
      try {
        await nearestNeighbours(queries.subarray(0, D), 1, r, k); // pack once
        t0 = performance.now();
        await nearestNeighbours(queries.subarray(0, m * D), m, r, k, { queryChunk });
        const s = seconds(t0);
        console.log(`  sweep chunk ${chunkSize}, query block ${queryChunk}: ${s.toFixed(2)} s, ${((2 * m * train.n * D) / s / 1e9).toFixed(1)} GFLOP/s`);
      } finally {
        r.dispose();
      }
    }
  }
}
