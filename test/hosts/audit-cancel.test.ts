/**
 * The audit job honours cancellation between search steps and leaves no run folder, and it
 * releases every tensor it made (run directly on the engine function, wasm backend).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfType from '@tensorflow/tfjs-core';
import { useTestBackend } from '../helpers/tf';
import { AuditRequest } from '../../electron/contract/audit';
import { runAudit } from '../../electron/jobs/audit/run-audit';
import { JobCancelled, type JobContext } from '../../electron/science/job-context';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { CIFAR_MINI as MINI } from '../helpers/shared-data';
import { tempDir } from '../native-data/fixtures';
import { buildAuditSamples, writeAuditSamplesNpz } from './audit-fixtures';

let tf: typeof tfType;
let dir = '';
let cleanup = async () => {};
let ws = '';
let npz = '';

beforeAll(async () => {
  tf = await useTestBackend();
  ({ dir, cleanup } = await tempDir('ss-audit-cancel-'));
  ws = join(dir, 'ws');
  await importDataset(ws, MINI);
  const train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
  const test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
  npz = join(dir, 'samples.npz');
  await writeAuditSamplesNpz(npz, buildAuditSamples(train, test, 3072), [32, 32, 3]);
});
afterAll(async () => {
  await cleanup();
});

/** A job context that asks to cancel once progress passes `at`. */
function cancelAt(at: number, seen: { message: string | undefined; fraction: number }[]): JobContext {
  const controller = new AbortController();
  return {
    progress(fraction, message) {
      seen.push({ fraction, message });
      if (fraction >= at) controller.abort();
    },
    throwIfCancelled() {
      if (controller.signal.aborted) throw new JobCancelled();
    },
    signal: controller.signal,
  };
}

const runs = async () => (await readdir(join(ws, 'runs')).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));

describe('audit cancellation', () => {
  it('stops during the neighbour search, writes nothing and leaks no tensors', async () => {
    const start = tf.memory().numTensors;
    const seen: { message: string | undefined; fraction: number }[] = [];
    const req = AuditRequest.parse({ samples: npz, train: 'cifar10', test: 'cifar10:test' });
    await expect(runAudit(ws, req, cancelAt(0.06, seen))).rejects.toBeInstanceOf(JobCancelled);
    expect(seen.some((s) => s.message === 'nearest training images')).toBe(true);
    expect(await runs()).toEqual([]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('runs to the end with monotone progress and releases its tensors', async () => {
    const start = tf.memory().numTensors;
    const seen: { message: string | undefined; fraction: number }[] = [];
    const req = AuditRequest.parse({ samples: npz, train: 'cifar10', test: 'cifar10:test' });
    const out = await runAudit(ws, req, cancelAt(2, seen));
    expect(out.summary.count).toBe(24);
    expect(seen.at(-1)!.fraction).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThanOrEqual(seen[i - 1]!.fraction - 1e-9);
    expect(await runs()).toEqual([out.summary.run]);
    expect(tf.memory().numTensors).toBe(start);
  });
});
