/**
 * Imports the full CIFAR-10 binary archive (60 000 images, 168 MB gzip, 184 MB decoded) into a
 * temporary workspace. Prints wall time (hashing and reading), peak memory (RSS, heap, array
 * buffers; sampled every 20 ms) against the decoded size, the train channel means
 * (expected 125.27 / 122.93 / 113.86 for this archive) and the class counts.
 */
import { CIFAR_FULL } from '../test/helpers/shared-data';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../electron/workspace/datasets';
import { JobCancelled, type JobContext } from '../electron/science/job-context';

const ARCHIVE = CIFAR_FULL;
const DECODED_MB = (60_000 * 3073) / 1e6;
const MB = 1024 * 1024;

export default async function bench(): Promise<void> {
  if (!existsSync(ARCHIVE)) {
    console.log(`skipped: ${ARCHIVE} not found`);
    return;
  }
  const ws = await mkdtemp(join(tmpdir(), 'ss-bench-ds-'));
  global.gc?.();
  const base = process.memoryUsage();
  const peak = { rss: base.rss, heap: base.heapUsed, buffers: base.arrayBuffers };
  const sample = () => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
    peak.buffers = Math.max(peak.buffers, m.arrayBuffers);
  };
  const timer = setInterval(sample, 20);
  const ctl = new AbortController();
  let hashEnd = 0;
  const t0 = performance.now();
  const ctx: JobContext = {
    progress: (f, msg) => {
      if (!hashEnd && msg !== 'hashing the source') hashEnd = performance.now();
      void f;
    },
    throwIfCancelled: () => {
      if (ctl.signal.aborted) throw new JobCancelled();
    },
    signal: ctl.signal,
  };
  try {
    const { manifest } = await importDataset(ws, ARCHIVE, { ctx });
    const t1 = performance.now();
    clearInterval(timer);
    sample();
    const train = manifest.splits['train']!;
    const test = manifest.splits['test']!;
    console.log(`import cifar-10-binary.tar.gz: ${((t1 - t0) / 1000).toFixed(2)} s total (hash ${((hashEnd - t0) / 1000).toFixed(2)} s, read+write ${((t1 - hashEnd) / 1000).toFixed(2)} s)`);
    console.log(`  throughput: ${(DECODED_MB / ((t1 - t0) / 1000)).toFixed(0)} MB/s decoded`);
    console.log(
      `  peak RSS ${(peak.rss / MB).toFixed(0)} MB (baseline ${(base.rss / MB).toFixed(0)} MB, +${((peak.rss - base.rss) / MB).toFixed(0)} MB), ` +
        `peak heap ${(peak.heap / MB).toFixed(0)} MB, peak array buffers ${(peak.buffers / MB).toFixed(0)} MB; decoded size ${DECODED_MB.toFixed(0)} MB ` +
        `→ peak RSS = ${(peak.rss / 1e6 / DECODED_MB).toFixed(2)}x decoded (target < 3x)`,
    );
    console.log(`  train ${train.count}, test ${test.count}, shape [${train.shape.join(', ')}]`);
    console.log(`  train channel mean ${train.channelMean.map((v) => v.toFixed(2)).join(' / ')} (expected 125.27 / 122.93 / 113.86)`);
    console.log(`  train channel std  ${train.channelStd.map((v) => v.toFixed(2)).join(' / ')} (README: 62.57 / 61.92 / 66.48)`);
    console.log(`  test channel mean  ${test.channelMean.map((v) => v.toFixed(2)).join(' / ')}`);
    console.log(`  train class counts ${train.classCounts?.join(' ')}`);
    console.log(`  test class counts  ${test.classCounts?.join(' ')}`);
  } finally {
    clearInterval(timer);
    await rm(ws, { recursive: true, force: true });
  }
}
