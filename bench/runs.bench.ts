/**
 * The Runs table with 1 000 runs: writes 1 000 run folders whose run.json is the size of a real
 * sampling run's (parameters, environment, details with the sampler's schedule, about 3 KB), then
 * times listRunRows (what `runs.table`, the Runs view and `scorescope runs list` read) five times
 * and prints the median and the slowest. A run's arrays are never read for the table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listRunRows } from '../electron/workspace/run-rows';

const COUNT = 1000;

function runJson(i: number): string {
  const d = new Date(Date.UTC(2026, 0, 1) + i * 1000);
  const id = `${d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-sample-${i.toString(16).padStart(6, '0')}`;
  const schedule = Array.from({ length: 101 }, (_, k) => 5 * Math.pow(0.002, k / 100));
  return JSON.stringify({
    id, kind: 'sample', title: `ei · empirical score · cifar10:train (N=50000) · δ=0.0100 · n=64 · ${i}`, created: d.toISOString(),
    params: { data: 'cifar10:train', score: 'empirical', sampler: 'ei', delta: 0.01, T: 5, steps: 100, grid: 'geometric', n: 64, seed: i, bandwidth: 0.1407 },
    environment: { backend: 'wasm', tfBackend: 'wasm', device: 'CPU via WebAssembly SIMD', backendReason: 'best available', kernels: 'native-avx2 x2', versions: { app: '0.1.0', tfjs: '4.22.0', node: '20', electron: null }, platform: 'linux-x64' },
    timings: { load: 0.1, sample: 10, neighbours: 2, write: 0.2, total: 12.3 },
    summary: { memorizedFraction: 0.625, medianNearestDistance: 3.2, n: 64, data: 'cifar10:train', trainingItems: 50000, distanceUnits: 'L2 on pixels scaled to [0, 1]' },
    details: { sampler: { id: 'ei', schedule: { kind: 'geometric OU-time grid', points: 101, values: schedule } }, samples: { file: 'samples.npz', dtype: 'uint8', shape: [64, 32, 32, 3] } },
    files: ['nearest.npz', 'neighbours.json', 'samples.npz'],
  }, null, 2);
}

export default async function bench(): Promise<void> {
  const ws = mkdtempSync(join(tmpdir(), 'ss-bench-runs-'));
  try {
    for (let i = 0; i < COUNT; i++) {
      const text = runJson(i);
      const id = (JSON.parse(text) as { id: string }).id;
      mkdirSync(join(ws, 'runs', id), { recursive: true });
      writeFileSync(join(ws, 'runs', id, 'run.json'), text);
    }
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      const rows = await listRunRows(ws);
      times.push(performance.now() - t0);
      if (rows.length !== COUNT) throw new Error(`expected ${COUNT} rows, got ${rows.length}`);
    }
    times.sort((a, b) => a - b);
    console.log(`runs table, ${COUNT} runs (run.json ~${(runJson(0).length / 1024).toFixed(1)} KB each): median ${times[2]!.toFixed(0)} ms, slowest ${times[4]!.toFixed(0)} ms over 5 reads`);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}
