/**
 * The webgpu backend end to end through the built CLI (bin/scorescope.js, real child processes:
 * the backend is chosen once per process, so each backend gets its own). References come from
 * the other backends, never from snapshots: wasm on the same noise for sampling, the native CPU
 * kernels for the audit's neighbours. Runs in the vitest project `webgpu` (vitest.config.ts), on
 * whatever adapter Dawn finds (here Mesa's lavapipe, a software one); SCORESCOPE_NATIVE=0 puts the
 * empirical score and the kNN candidates on the GPU rather than the native CPU kernels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importDataset, loadSplit } from '../../electron/workspace/datasets';
import { readNpz } from '../../native-data';
import { isSoftwareAdapter } from '../../electron/science/webgpu-device';
import { CIFAR_MINI } from '../helpers/shared-data';
import { buildAuditSamples, writeAuditSamplesNpz } from '../hosts/audit-fixtures';

const CLI = resolve(__dirname, '../../bin/scorescope.js');
let ws = '';

/** Runs the built CLI with --json on one backend; `native` false switches the native kernels off. */
function scorescope<T>(backend: 'webgpu' | 'wasm', native: boolean, ...argv: string[]): Promise<T> {
  const env = { ...process.env, SCORESCOPE_BACKEND: '', SCORESCOPE_NATIVE: native ? '' : '0' };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...argv, '--backend', backend, '--workspace', ws, '--json'], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      if (code !== 0) fail(new Error(`scorescope ${argv.join(' ')} --backend ${backend} exited ${code}: ${stderr.slice(-2000)}`));
      else done(JSON.parse(stdout) as T);
    });
  });
}

interface RunJson { run: string; dir: string; summary: Record<string, unknown> }
interface Environment { backend: string; adapter: { software: boolean } | null; gpuMemory: { inUse: number; allocated: number } | null; kernels: string }

const environmentOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { environment: Environment }).environment;

async function maxAbsDifference(a: string, b: string, key: string): Promise<number> {
  const x = (await readNpz(a))[key]!.data as ArrayLike<number>;
  const y = (await readNpz(b))[key]!.data as ArrayLike<number>;
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-webgpu-'));
  await importDataset(ws, CIFAR_MINI);
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('webgpu backend through the CLI', () => {
  it('status --backend webgpu --json names the backend and the adapter (software or hardware)', async () => {
    const s = await scorescope<{ backend: string; device: string; adapter: { vendor: string; architecture: string; device: string; description: string; software: boolean } }>('webgpu', true, 'status');
    expect(s.backend).toBe('webgpu');
    expect(s.adapter.software).toBe(isSoftwareAdapter(s.adapter));
    expect(s.device).toContain(s.adapter.software ? 'software adapter' : 'hardware GPU');
    // this project's CI machine has no GPU: Mesa's lavapipe (llvmpipe) is the adapter there
    if (/llvmpipe|lavapipe/i.test(s.adapter.description)) expect(s.adapter.software).toBe(true);
    console.log(`webgpu adapter: ${s.device}`);
  });

  it('reproduce gaussian2d agrees with wasm on the same noise (float32 tolerance)', async () => {
    const args = ['reproduce', 'gaussian2d', '--steps', '200', '--n', '100'];
    const gpu = await scorescope<RunJson>('webgpu', false, ...args);
    const cpu = await scorescope<RunJson>('wasm', false, ...args);
    expect(environmentOf(gpu.dir)).toMatchObject({ backend: 'webgpu', adapter: expect.any(Object), gpuMemory: expect.any(Object) });
    for (const key of ['empirical', 'gaussian']) {
      const worst = await maxAbsDifference(join(gpu.dir, 'samples.npz'), join(cpu.dir, 'samples.npz'), key);
      console.log(`gaussian2d ${key}: max |webgpu - wasm| = ${worst.toExponential(2)}`);
      expect(worst, key).toBeLessThan(1e-3); // points of size ~10 after 200 steps; float32 ulp ~1e-6
    }
    expect(gpu.summary['memorizedFraction']).toEqual(cpu.summary['memorizedFraction']);
  });

  it('a CIFAR-mini sample (empirical score on the GPU) agrees with wasm on the same noise', async () => {
    const args = ['sample', '--data', 'cifar10:train', '--subset', '200', '--score', 'empirical', '--sampler', 'ei', '--delta', '0.001', '--steps', '10', '--n', '8', '--seed', '1'];
    const gpu = await scorescope<RunJson>('webgpu', false, ...args);
    const cpu = await scorescope<RunJson>('wasm', false, ...args);
    expect(environmentOf(gpu.dir).kernels).toBe('tfjs');
    // samples.npz holds bytes: float32 differences far below half a grey level leave them identical
    const bytes = await maxAbsDifference(join(gpu.dir, 'samples.npz'), join(cpu.dir, 'samples.npz'), 'arr_0');
    const nearest = (dir: string) => JSON.parse(readFileSync(join(dir, 'neighbours.json'), 'utf8')) as { index: number[]; d1: number[] };
    const a = nearest(gpu.dir);
    const b = nearest(cpu.dir);
    const distance = Math.max(...a.d1.map((d, i) => Math.abs(d - b.d1[i]!)));
    console.log(`CIFAR-mini sample: max byte difference ${bytes}, max nearest-distance difference ${distance.toExponential(2)}`);
    expect(bytes).toBeLessThanOrEqual(1);
    expect(a.index).toEqual(b.index);
    expect(distance).toBeLessThan(1e-3);
  });

  it('an audit on webgpu finds exactly the neighbours the native kernels find', async () => {
    const train = (await loadSplit(ws, 'cifar10:train')).data as Uint8Array;
    const test = (await loadSplit(ws, 'cifar10:test')).data as Uint8Array;
    const samples = buildAuditSamples(train, test, 32 * 32 * 3, { copies: [1, 2, 3], noisy: [10, 20, 30], tests: [20, 21, 22, 23, 24, 25] });
    const npz = join(ws, 'audit-samples.npz');
    await writeAuditSamplesNpz(npz, samples, [32, 32, 3]);
    interface Audit { perSample: { neighbours: { index: number; distance: number }[] }[] }
    const args = ['audit', '--samples', npz, '--train', 'cifar10:train', '--k', '4'];
    const gpu = await scorescope<Audit>('webgpu', false, ...args);
    const native = await scorescope<Audit>('wasm', true, ...args);
    const indices = (a: Audit) => a.perSample.map((s) => s.neighbours.map((n) => n.index));
    expect(indices(gpu)).toEqual(indices(native));
    // both re-rank in float64 from the same bytes
    const worst = Math.max(...gpu.perSample.flatMap((s, i) => s.neighbours.map((n, j) => Math.abs(n.distance - native.perSample[i]!.neighbours[j]!.distance))));
    console.log(`audit: identical neighbour indices; max distance difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-9);
  });
});
