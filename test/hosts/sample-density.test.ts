/**
 * The target KDE's density map travels with a vector run's 2-D view: the sample.start job's result
 * carries points.density (nx * ny values, max 1, kernel sigma(delta) in data coordinates), the run
 * folder's points.json stores it, and runs.show hands it back for the Runs view. Runs that target
 * no KDE (the Gaussian score) carry null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '../../electron/hosts/service';
import { synthDataset } from '../../electron/workspace/datasets';
import { ou } from '../../electron/science/forward-process';
import type { SampleRunResult } from '../../electron/contract';

let service: Service;
let ws = '';

async function run(request: Record<string, unknown>): Promise<SampleRunResult> {
  const { id } = await service.call('sample.start', request as never);
  const { info, result } = await service.jobs.wait(id);
  expect(info.state, info.error ?? '').toBe('done');
  return result as SampleRunResult;
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-density-'));
  await synthDataset(ws, { kind: 'gaussian', mean: [-5, 5], variance: 10, n: 100, seed: 0 }, { name: 'g2' });
  await synthDataset(ws, { kind: 'gaussian', mean: [1, 2, 3, 4], variance: 1, n: 60, seed: 1 }, { name: 'g4' });
  service = createService({ workspace: ws, host: 'cli' });
});

afterAll(async () => {
  await service.close();
  rmSync(ws, { recursive: true, force: true });
});

describe('KDE density map of 2-D sample runs', () => {
  it('a 2-D empirical-score run carries points.density; points.json and runs.show keep it', async () => {
    const delta = 0.05;
    const r = await run({ data: 'g2', sampler: 'sde', delta, steps: 60, n: 80 });
    const d = r.points?.density;
    expect(d).toBeTruthy();
    if (!d) return;
    expect(d.nx * d.ny).toBe(6400);
    expect(d.values).toHaveLength(d.nx * d.ny);
    expect(d.values.reduce((m, v) => Math.max(m, v), 0)).toBe(1);
    expect(d.values.every((v) => v >= 0 && Number.isFinite(v))).toBe(true);
    expect(d.bandwidth).toBeCloseTo(ou.bandwidth(delta), 12);
    // data coordinates: the kernel the samples were drawn with, as the circles' radius
    expect(d.kernelStd).toBeCloseTo(ou.sigmaOfT(delta), 12);
    expect(d.kernelStd).toBe(r.points?.kernelRadius);
    expect(d.centres).toBe(100);
    expect(d.peak).toBeGreaterThan(0);
    // the grid covers every training point and sample
    for (const s of r.points!.sets) {
      for (const [x, y] of s.points) {
        expect(x).toBeGreaterThan(d.x[0]);
        expect(x).toBeLessThan(d.x[1]);
        expect(y).toBeGreaterThan(d.y[0]);
        expect(y).toBeLessThan(d.y[1]);
      }
    }
    const stored = JSON.parse(readFileSync(join(r.dir, 'points.json'), 'utf8')) as { density: unknown };
    expect(stored.density).toEqual(d);
    const shown = await service.call('runs.show', { id: r.run });
    expect(shown.points?.density).toEqual(d);
  });

  it('the direct kde sampler targets the same KDE; data of dimension 4 shows coordinates 0 and 1', async () => {
    const r = await run({ data: 'g4', sampler: 'kde', bandwidth: 0.3, n: 40 });
    const d = r.points?.density;
    expect(r.points?.dimension).toBe(4);
    expect(d?.values).toHaveLength(6400);
    expect(d?.bandwidth).toBeCloseTo(0.3, 12);
    expect(d?.kernelStd).toBeCloseTo(ou.sigmaOfT(ou.deltaForBandwidth(0.3)), 12);
  });

  it('the Gaussian score targets no KDE: density null', async () => {
    const r = await run({ data: 'g2', score: 'gaussian', sampler: 'sde', delta: 0.05, steps: 30, n: 20 });
    expect(r.points?.density).toBeNull();
    expect(r.points?.kernelRadius).toBeNull();
  });
});
