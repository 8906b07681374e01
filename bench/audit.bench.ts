/**
 * The audit as a researcher runs it (issue 11): `scorescope audit` of 64 CIFAR-10 samples from an
 * empirical-score run against the 50 000 training images, with the test split, each audit a fresh
 * CLI process (so node start-up, reading the splits and packing the reference are counted).
 *   first:  the workspace's audit caches removed (training radii, held-out distances, k-means cells)
 *   repeat: the same audit again, caches warm
 *   repeat of 1 000: the same, for 1 000 samples of another empirical-score run (issue 11: <= 6 s)
 * Figures for bench/run.ts --json: `audit` (seconds = the repeat median; facts firstSeconds,
 * repeatSeconds, repeat1000Seconds, peakRssMB = the largest peak RSS of any audit process,
 * per-stage medians from run.json), `auditFirst` (the first-audit runs) and `audit1000` (the
 * repeated 1 000-sample audits). Peak RSS is the process's own rusage maxRSS
 * (a --require'd hook prints it at exit; the engine's worker threads share the process).
 * Needs the built app (out/, `npx electron-vite build`) and ../shared/data/cifar10/cifar-10-binary.tar.gz;
 * skipped without them. BENCH_REPS pairs of (first, repeat), default 3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIFAR_FULL } from '../test/helpers/shared-data';
import { benchReps, median, recordFigure } from './report';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'scorescope.js');

interface CliRun {
  seconds: number;
  peakRssMB: number;
  stdout: string;
}

function runCli(ws: string, hook: string, args: string[]): CliRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', hook, cli, '--workspace', ws, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`scorescope ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const m = /peak-rss-kib (\d+)/.exec(r.stderr);
  return { seconds, peakRssMB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout };
}

const lastJson = (stdout: string) => JSON.parse(stdout) as { run: string };

export default async function bench(): Promise<void> {
  if (!existsSync(CIFAR_FULL)) {
    console.log(`skipped: ${CIFAR_FULL} not found`);
    return;
  }
  if (!existsSync(join(root, 'out', 'main'))) {
    console.log('skipped: the app is not built (npx electron-vite build)');
    return;
  }
  const ws = await mkdtemp(join(tmpdir(), 'ss-bench-audit-'));
  try {
    const hook = join(ws, 'peak-rss.cjs');
    await writeFile(hook, "process.on('exit', () => require('node:fs').writeSync(2, `\\npeak-rss-kib ${process.resourceUsage().maxRSS}\\n`));\n");
    runCli(ws, hook, ['datasets', 'import', CIFAR_FULL]);
    const sampleRun = lastJson(runCli(ws, hook, ['sample', '--data', 'cifar10', '--n', '64', '--sampler', 'ei', '--steps', '10', '--json']).stdout).run;
    const auditArgs = ['audit', '--samples', sampleRun, '--train', 'cifar10', '--test', 'cifar10:test', '--json'];
    const cacheDir = join(ws, 'datasets', 'cifar10', 'cache');
    const first: CliRun[] = [];
    const repeat: CliRun[] = [];
    const stages: Record<string, number[]> = {};
    for (let r = 0; r < benchReps(); r++) {
      await rm(cacheDir, { recursive: true, force: true });
      first.push(runCli(ws, hook, auditArgs));
      const again = runCli(ws, hook, auditArgs);
      repeat.push(again);
      const runJson = JSON.parse(readFileSync(join(ws, 'runs', lastJson(again.stdout).run, 'run.json'), 'utf8')) as { timings: Record<string, number> };
      for (const [stage, s] of Object.entries(runJson.timings)) (stages[stage] ??= []).push(s);
    }
    // 1 000 samples (caches warm from the audits above)
    const run1000 = lastJson(runCli(ws, hook, ['sample', '--data', 'cifar10', '--n', '1000', '--sampler', 'ei', '--steps', '10', '--json']).stdout).run;
    const args1000 = ['audit', '--samples', run1000, '--train', 'cifar10', '--test', 'cifar10:test', '--json'];
    const repeat1000: CliRun[] = [];
    const stages1000: Record<string, number[]> = {};
    for (let r = 0; r < benchReps(); r++) {
      const again = runCli(ws, hook, args1000);
      repeat1000.push(again);
      const runJson = JSON.parse(readFileSync(join(ws, 'runs', lastJson(again.stdout).run, 'run.json'), 'utf8')) as { timings: Record<string, number> };
      for (const [stage, s] of Object.entries(runJson.timings)) (stages1000[stage] ??= []).push(s);
    }
    const repeat1000Seconds = median(repeat1000.map((x) => x.seconds));
    const firstSeconds = median(first.map((x) => x.seconds));
    const repeatSeconds = median(repeat.map((x) => x.seconds));
    const peakRssMB = Math.round(Math.max(...first.map((x) => x.peakRssMB), ...repeat.map((x) => x.peakRssMB), ...repeat1000.map((x) => x.peakRssMB)));
    const stageMedians = (all: Record<string, number[]>) => Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Math.round(median(v) * 1000) / 1000]));
    const repeatStages = stageMedians(stages);
    const repeat1000Stages = stageMedians(stages1000);
    const shape = { samples: 64, train: 50_000, test: 10_000, d: 3072 };
    recordFigure('audit', repeat.map((x) => x.seconds), {
      firstSeconds: Math.round(firstSeconds * 1000) / 1000,
      repeatSeconds: Math.round(repeatSeconds * 1000) / 1000,
      repeat1000Seconds: Math.round(repeat1000Seconds * 1000) / 1000,
      peakRssMB,
      repeatStages,
      repeat1000Stages,
      ...shape,
    });
    recordFigure('audit1000', repeat1000.map((x) => x.seconds), { peakRssMB: Math.round(Math.max(...repeat1000.map((x) => x.peakRssMB))), ...shape, samples: 1000 });
    recordFigure('auditFirst', first.map((x) => x.seconds), { peakRssMB: Math.round(Math.max(...first.map((x) => x.peakRssMB))), ...shape });
    console.log(`  audit of 64 samples vs 50 000 (+ test split): first ${firstSeconds.toFixed(2)} s, repeat ${repeatSeconds.toFixed(2)} s (medians of ${first.length}), peak RSS ${peakRssMB} MB`);
    console.log(`  repeat stages (s): ${Object.entries(repeatStages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  audit of 1 000 samples, caches warm: ${repeat1000Seconds.toFixed(2)} s (median of ${repeat1000.length}), peak RSS ${Math.round(Math.max(...repeat1000.map((x) => x.peakRssMB)))} MB`);
    console.log(`  1 000-sample stages (s): ${Object.entries(repeat1000Stages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  } finally {
    await rm(ws, { recursive: true, force: true });
  }
}
