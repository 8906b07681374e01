import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '../../electron/hosts/service';
import { ApiError, jobResult, type JobEvent } from '../../electron/contract';

describe('service (shared by every host)', () => {
  let service: Service;
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'scorescope-ws-'));
    service = createService({ workspace: ws, host: 'cli' });
  });
  afterAll(async () => {
    await service.close();
    rmSync(ws, { recursive: true, force: true });
  });

  it('reports the backend and why the better ones were skipped', async () => {
    const s = await service.call('status');
    expect(s.workspace).toBe(ws);
    expect(s.backend.name).toBe('wasm');
    // webgpu: no adapter here, or only a software one, never chosen automatically
    expect(s.backend.skipped.map((k) => k.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow']);
    expect(s.app.name).toBe('ScoreScope');
  });

  it('rejects bad requests with a message naming the field', async () => {
    await expect(service.call('experiments.gaussian2d', { steps: -3 })).rejects.toThrow(/steps/);
    await expect(service.call('experiments.gaussian2d', { delta: 6, T: 5 })).rejects.toThrow(/delta must be below T/);
    await expect(service.call('experiments.gaussian2d', { T: Number.NaN })).rejects.toBeInstanceOf(ApiError);
    await expect(service.callUnknown('no.such.call', {})).rejects.toThrow(/unknown call/);
  });

  it('runs the 2-D experiment job in the engine thread with progress, and returns samples', async () => {
    const events: JobEvent[] = [];
    const off = service.onEvent((e) => events.push(e));
    const { id } = await service.call('experiments.gaussian2d', { steps: 200, nSamples: 200 });
    const { info, result } = await service.jobs.wait(id);
    off();
    expect(info.state).toBe('done');
    const r = jobResult('experiments.gaussian2d', result);
    expect(r.empirical.samples).toHaveLength(200);
    expect(r.train).toHaveLength(100);
    expect(events.some((e) => e.type === 'progress' && e.id === id && e.fraction > 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'done', id });
    expect(events.at(-1)).toMatchObject({ kind: 'experiments.gaussian2d' });
    expect((await service.call('jobs.result', { id })).state).toBe('done');
    expect((await service.call('jobs.result', { id })).kind).toBe('experiments.gaussian2d');
  });

  it('cancels a running job within a step and a queued one at once', async () => {
    const a = await service.call('experiments.gaussian2d', { steps: 100_000, nSamples: 1000 });
    const b = await service.call('experiments.gaussian2d', { steps: 100_000 });
    await new Promise<void>((resolve) => {
      const off = service.onEvent((e) => {
        if (e.type === 'progress' && e.id === a.id && e.fraction > 0) {
          off();
          resolve();
        }
      });
    });
    expect((await service.call('jobs.cancel', { id: b.id })).state).toBe('cancelled');
    await service.call('jobs.cancel', { id: a.id });
    const { info } = await service.jobs.wait(a.id);
    expect(info.state).toBe('cancelled');
    // stopped between steps, not at the end: 100 000 steps take minutes, and it had barely begun
    // (how fast is for a benchmark, not a timed assertion)
    expect(info.fraction).toBeLessThan(0.5);
    const list = await service.call('jobs.list');
    expect(list.jobs.find((j) => j.id === b.id)?.state).toBe('cancelled');
  });
});
