/**
 * Runs that never finished are rows of the Runs table: a sampling job cancelled while it runs is
 * listed "cancelled" with its parameters, a job that fails while it works "failed" with the
 * error, and either is removed like any run; a job that refuses its input leaves no row. Through the service, as every host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '../../electron/hosts/service';
import { removeDataset, synthDataset } from '../../electron/workspace/datasets';
import { samplingJobKinds, type SampleRunResult } from '../../electron/contract';
import { JobOutcomes } from '../../electron/hosts/job-outcomes';

let service: Service;
let ws = '';

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-runs-outcomes-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  await synthDataset(ws, { kind: 'gaussian', mean: [0, 0], variance: 1, n: 50, seed: 1 }, { name: 'gone' });
  service = createService({ workspace: ws, host: 'cli' });
});

afterAll(async () => {
  await service.close();
  rmSync(ws, { recursive: true, force: true });
});

const rows = async () => (await service.call('runs.table')).runs;

describe('failed and cancelled runs in the Runs table', () => {
  it('lists a cancelled sampling job with its parameters, and removes it', async () => {
    // many steps and samples: still running when cancelled
    const { id } = await service.call('sample.start', { data: 'g2', sampler: 'sde', delta: 0.01, steps: 100_000, n: 5000, seed: 9 });
    await new Promise((r) => setTimeout(r, 300));
    service.jobs.cancel(id);
    const { info } = await service.jobs.wait(id);
    expect(info.state).toBe('cancelled');
    await expect.poll(async () => (await rows()).filter((r) => r.status === 'cancelled').length).toBe(1);
    const row = (await rows()).find((r) => r.status === 'cancelled')!;
    expect(row).toMatchObject({ kind: 'sample', category: 'sample', dataset: 'g2', sampler: 'sde', delta: 0.01, steps: 100_000, n: 5000, seed: 9, error: null });
    // not a run: no run.json, so runs.show says so, and the other run lists ignore it
    await expect(service.call('runs.show', { id: row.id })).rejects.toThrow(/no run/);
    expect((await service.call('runs.list')).runs).toHaveLength(0);
    await service.call('runs.remove', { id: row.id });
    expect(existsSync(join(ws, 'runs', row.id))).toBe(false);
    expect((await rows()).filter((r) => r.status === 'cancelled')).toHaveLength(0);
  });

  it('a re-run refused because its dataset was removed leaves no row, and says why', async () => {
    const { id } = await service.call('sample.start', { data: 'gone', sampler: 'ei', delta: 0.01, steps: 5, n: 4 });
    const done = await service.jobs.wait(id);
    const original = (done.result as SampleRunResult).run;
    await removeDataset(ws, 'gone');
    const started = await service.call('runs.rerun', { id: original });
    const { info } = await service.jobs.wait(started.id);
    expect(info.state).toBe('failed');
    expect(info.error).toMatch(/gone/);
    // input refused before any run was attempted (the hostile-input rule: the workspace is unchanged)
    await new Promise((r) => setTimeout(r, 200));
    expect((await rows()).filter((r) => r.status === 'failed')).toHaveLength(0);
  });

  it('lists a job that failed while it worked with its parameters and the error', async () => {
    const outcomes = new JobOutcomes(ws);
    outcomes.track('job-1', samplingJobKinds.sample, 'Sample', { data: 'g2', sampler: 'ode', delta: 0.02, steps: 7, n: 3, workspace: ws });
    outcomes.onEvent({ type: 'failed', id: 'job-1', error: 'out of memory at step 5', refused: false });
    outcomes.track('job-2', samplingJobKinds.sample, 'Sample', { data: 'g2', sampler: 'ode', delta: 0.02, steps: 7, n: 3, workspace: ws });
    outcomes.onEvent({ type: 'failed', id: 'job-2', error: 'g2: no such dataset', refused: true });
    await outcomes.flush();
    const failed = (await rows()).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'sample', dataset: 'g2', sampler: 'ode', delta: 0.02, steps: 7, n: 3, error: 'out of memory at step 5' });
  });
});
