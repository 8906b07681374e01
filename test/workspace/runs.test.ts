import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunId, listRuns, newRunId, readRun, removeRun, saveRun } from '../../electron/workspace/runs';

const content = { kind: 'sample', title: 't', params: { seed: 1 }, environment: {}, timings: { total: 1 }, summary: {} };

describe('runs store', () => {
  it('names runs sortably and validates ids', () => {
    const id = newRunId('experiment:gaussian2d', new Date('2026-01-02T03:04:05Z'));
    expect(id).toMatch(/^20260102-030405-experiment-gaussian2d-[0-9a-f]{6}$/);
    expect(isRunId(id)).toBe(true);
    expect(isRunId('../etc')).toBe(false);
  });

  it('writes a run atomically and lists it with its files', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'runs-'));
    const run = await saveRun(ws, 'sample', async (dir) => {
      writeFileSync(join(dir, 'samples.npz'), 'x');
      return content;
    });
    expect(run.files).toEqual(['samples.npz']);
    expect((await readRun(ws, run.id)).params).toEqual({ seed: 1 });
    expect((await listRuns(ws)).map((r) => r.id)).toEqual([run.id]);
    await removeRun(ws, run.id);
    expect(await listRuns(ws)).toEqual([]);
  });

  it('leaves nothing behind when writing a run fails', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'runs-'));
    await expect(saveRun(ws, 'sample', async (dir) => {
      writeFileSync(join(dir, 'half.npz'), 'x');
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(readdirSync(join(ws, 'runs'))).toEqual([]);
    expect(existsSync(join(ws, 'runs'))).toBe(true);
  });

  it('reads a run.json written before the field names settled (memorised... -> memorized...)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'runs-'));
    const id = '20250101-000000-sample-abcdef';
    mkdirSync(join(ws, 'runs', id), { recursive: true });
    // as an older ScoreScope wrote it, by hand
    writeFileSync(join(ws, 'runs', id, 'run.json'), `{
  "id": "${id}", "kind": "sample", "title": "old", "created": "2025-01-01T00:00:00.000Z",
  "params": { "seed": 0 }, "environment": {}, "timings": { "total": 1 },
  "summary": { "memorisedFraction": 0.75, "medianNearestDistance": 3.05, "distinctNearest": 3, "memorisedFractionByDelta": { "0.01": 1 } },
  "files": []
}
`);
    const run = await readRun(ws, id);
    expect(run.summary).toEqual({ memorizedFraction: 0.75, medianNearestDistance: 3.05, distinctNearest: 3, memorizedFractionByDelta: { '0.01': 1 } });
    expect((await listRuns(ws))[0]!.summary['memorizedFraction']).toBe(0.75);
  });
});
