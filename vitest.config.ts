import { defineConfig } from 'vitest/config';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Projects: `unit` (engine, hosts, readers, workspace), `e2e` (Chromium against `scorescope serve`),
 * `tfjs-path`: the CLI sampling and audit pipelines again with the native kernels switched off, so
 * the fallback every machine without the addon uses stays tested end to end, and `webgpu` (below).
 */

/**
 * `webgpu`: engine tests (scores, samplers, kNN, audit metrics, training) again with the backend
 * forced to webgpu (TEST_BACKEND in-process, SCORESCOPE_BACKEND for the CLI) and the native kernels
 * off, so the products run on the GPU; plus test/webgpu/webgpu-*.test.ts (agreement with wasm and
 * the native kernels through the CLI). Sizes are small: a few minutes on Mesa's software lavapipe.
 * Left out there (itOffWebGpu in test/helpers/tf.ts: not registered, a line printed): the MLP's 800-step fit and the U-Net's 40 CIFAR steps (70 s and 170 s on
 * lavapipe; the other training tests, a U-Net checkpoint/resume among them, cover training) and the U-Net's finite-difference check, a synchronous loop of a few hundred
 * forward passes that never lets Dawn free its bind groups (webgpu-device.ts,
 * releaseWebGpuGarbage) and so exhausts lavapipe's descriptor pools.
 */
const webGpuEngineTests = [
  'test/science/empirical-score.test.ts',
  'test/science/samplers.test.ts',
  'test/science/neighbours.test.ts',
  'test/science/smoothed-score.test.ts',
  'test/science/local-patch-score.test.ts',
  'test/science/gaussian-score.test.ts',
  'test/science/metrics-audit.test.ts',
  'test/science/cifar-mini.test.ts',
  'test/science/learned-score.test.ts',
  'test/science/unet.test.ts',
];

/**
 * Why Dawn cannot make an adapter here, or undefined when it can; asked in a child process (a
 * broken driver can crash it) and only when the webgpu project is among those that will run.
 */
function webGpuUnavailable(): string | undefined {
  const picked = process.argv.flatMap((a, i, all) => (a === '--project' ? [all[i + 1] ?? ''] : a.startsWith('--project=') ? [a.slice(10)] : []));
  if (picked.length > 0 && !picked.includes('webgpu')) return undefined;
  // vitest loads this config again in every worker: probe once, hand the answer down by env
  const cached = process.env['SCORESCOPE_WEBGPU_PROBE'];
  if (cached !== undefined) return cached === '' ? undefined : cached;
  const problem = probeAdapter();
  process.env['SCORESCOPE_WEBGPU_PROBE'] = problem ?? '';
  return problem;
}

function probeAdapter(): string | undefined {
  const script = `
    let create;
    try { ({ create } = await import('webgpu')); } catch (e) { console.log(JSON.stringify({ error: 'the optional package "webgpu" (Dawn) is not installed: ' + e.message })); process.exit(0); }
    const a = await create([]).requestAdapter({ powerPreference: 'high-performance' });
    console.log(JSON.stringify(a ? { adapter: a.info.description || a.info.device || a.info.vendor } : { error: 'Dawn found no WebGPU adapter (no Vulkan driver; Debian 12: mesa-vulkan-drivers from bookworm-backports)' }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8', timeout: 30_000 });
  let answer: { adapter?: string; error?: string } = {};
  try {
    answer = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as typeof answer;
  } catch {
    return `the adapter probe failed (exit ${r.status ?? r.signal}): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  }
  if (answer.adapter) console.log(`[webgpu project] adapter: ${answer.adapter}`);
  return answer.error;
}

function webGpuProject() {
  const problem = webGpuUnavailable();
  if (problem !== undefined) {
    const line = `WEBGPU TESTS SKIPPED: ${problem}`;
    console.warn(`\n${'!'.repeat(Math.min(line.length, 100))}\n${line}\n${'!'.repeat(Math.min(line.length, 100))}\n`);
    return { name: 'webgpu', include: ['test/webgpu/unavailable.test.ts'], env: { WEBGPU_UNAVAILABLE: problem } };
  }
  return {
    name: 'webgpu',
    include: [...webGpuEngineTests, 'test/webgpu/webgpu-*.test.ts'],
    env: { TEST_BACKEND: 'webgpu', SCORESCOPE_BACKEND: 'webgpu', SCORESCOPE_NATIVE: '0' },
    testTimeout: 300_000,
  };
}

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/webgpu/**'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'tfjs-path',
          include: ['test/hosts/sampling-cli.test.ts', 'test/hosts/audit-cli.test.ts'],
          env: { SCORESCOPE_NATIVE: '0' },
        },
      },
      { extends: true, test: webGpuProject() },
    ],
  },
});
