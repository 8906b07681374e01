/**
 * Exact k-NN speed: 1 000 queries against the 50 000 CIFAR-10 training images, k = 5,
 * D = 3 072, pixels in [0, 1]: the native CPU kernels on all threads and on one thread, then
 * tfjs on the backend initBackend picks, side by side with a numpy/OpenBLAS reference figure.
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
import { nativeKernelInfo } from '../electron/science/native/kernels';
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

  /** Times one search of the 1 000 queries (after a 1-query warm-up) and checks it against the first one run. */
  const timeSearch = async (label: string, search: NeighbourSearch): Promise<void> => {
    let t = performance.now();
    const set = search.createReference(trainUnit, train.n, D);
    console.log(`${label}: prepare reference ${seconds(t).toFixed(2)} s, tensors ${mb(tf.memory().numBytes)} MB, rss ${mb(process.memoryUsage().rss)} MB`);
    try {
      // tfjs-wasm packs each chunk for XNNPACK on first use (cached per tensor): keep that out of the timing
      t = performance.now();
      await search.nearest(queries.subarray(0, D), 1, set, k);
      const warm = seconds(t);
      t = performance.now();
      const res = await search.nearest(queries, test.n, set, k);
      const s = seconds(t);
      rows.push({ label, seconds: s });
      let sameLabel = 0;
      for (let i = 0; i < test.n; i++) if (train.labels[res.indices[i * k]!] === test.labels[i]) sameLabel++;
      const same = reference ? (res.indices.every((v, i) => v === reference!.indices[i]) && res.distances.every((v, i) => v === reference!.distances[i]) ? 'identical to the first run' : 'DIFFERS from the first run') : 'first run';
      reference ??= res;
      console.log(
        `  knn ${test.n} x ${train.n} x ${D}, k=${k} [${res.kernel}]: ${s.toFixed(2)} s, ${(flops / s / 1e9).toFixed(1)} GFLOP/s ` +
          `(warm-up query ${warm.toFixed(2)} s), exact rescans ${res.exactFallbacks}, NN1 label match ${((100 * sameLabel) / test.n).toFixed(1)}%, median d1 ${median(res.distances, k).toFixed(2)}, ${same}`,
      );
      // noisy copies: each should find its source
      const m = 200;
      const rng = createNoise(1, 0);
      const sources = rng.uniformInt(train.n, m);
      const noisy = new Float32Array(m * D);
      const noise = rng.normalArray(m * D);
      for (let i = 0; i < m; i++) for (let j = 0; j < D; j++) noisy[i * D + j] = trainUnit[sources[i]! * D + j]! + 0.02 * noise[i * D + j]!;
      t = performance.now();
      const copies = await search.nearest(noisy, m, set, k);
      const sc = seconds(t);
      let found = 0;
      for (let i = 0; i < m; i++) if (copies.indices[i * k] === sources[i]) found++;
      console.log(`  knn ${m} noisy copies (sigma 0.02): ${sc.toFixed(2)} s, ${((2 * m * train.n * D) / sc / 1e9).toFixed(1)} GFLOP/s, source found ${found}/${m}, exact rescans ${copies.exactFallbacks}`);
    } finally {
      set.dispose();
    }
  };

  const native = nativeKernelInfo();
  if (native.available) {
    await timeSearch(`native ${native.kernel}, ${native.threads} threads`, createNativeNeighbourSearch()!);
    if (native.threads > 1) await timeSearch(`native ${native.kernel}, 1 thread`, createNativeNeighbourSearch({ threads: 1 })!);
  } else {
    console.log(`native kernels unavailable: ${native.why}`);
  }
  if (process.env['BENCH_NN_TFJS'] !== '0') await timeSearch(`tfjs ${info.name}`, tfjsNeighbourSearch);
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
