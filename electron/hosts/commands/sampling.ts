/**
 * CLI commands of the sampling feature: `sample`, `train-score`, `reproduce`, `sweep`, `runs`. Each starts a job
 * through the service (progress on stderr, Ctrl-C cancels), then prints the run: its folder,
 * parameters, timings and headline numbers (--json: exactly one object). `--out DIR` copies the
 * run folder to DIR/<run id> as well.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { experimentById, experimentKeys, experiments, samplerChoices, type CallName, type ExperimentKey } from '../../contract';
import { callOptions, checkedRequest, optionsHelp, type CliOption } from '../cli-options';
import { readRun, type RunManifest } from '../../workspace/runs';
import { runJob } from './run-job';
import { checkOutDirectory } from '../out-directory';
import type { Command, CommandContext } from './types';

interface RunResult {
  run: string;
  dir: string;
}

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${fmt(x)}`).join(', ');
  return String(v);
};

export function describeRun(run: RunManifest, dir: string, out: string | null): string {
  const lines = [
    `run ${run.id}: ${run.title}`,
    `folder:   ${dir}${out ? `\ncopied to: ${out}` : ''}`,
    `backend:  ${String(run.environment['backend'])} (${String(run.environment['device'])})`,
    `timings:  ${Object.entries(run.timings).map(([k, s]) => `${k} ${s.toFixed(2)} s`).join(', ')}`,
    ...Object.entries(run.summary).map(([k, v]) => `${`${k}:`.padEnd(Math.max(24, k.length + 2))}${fmt(v)}`),
  ];
  return lines.join('\n');
}

/** Runs a job call, copies the run with --out, prints the summary. */
async function runAndReport(ctx: CommandContext, call: CallName, request: Record<string, unknown>): Promise<number> {
  const outFlag = ctx.flags.string('out');
  // before any work: a bad --out must not cost a run
  if (outFlag) await checkOutDirectory(outFlag);
  const result = (await runJob(ctx, call, request)) as RunResult;
  const run = await readRun(ctx.workspace, result.run);
  let out: string | null = null;
  if (outFlag) {
    out = join(resolve(outFlag), run.id);
    await mkdir(resolve(outFlag), { recursive: true });
    await cp(result.dir, out, { recursive: true });
  }
  ctx.print(
    { run: run.id, dir: result.dir, ...(out ? { out } : {}), kind: run.kind, title: run.title, params: run.params, environment: run.environment,
      timings: run.timings, summary: run.summary, files: run.files },
    describeRun(run, result.dir, out),
  );
  return 0;
}

/** Options of each call as flags; `--n` names an experiment's sample count everywhere. */
const sampleOptions = () => callOptions('sample.start');
const trainScoreOptions = () => callOptions('scores.train');
const experimentOptions: Record<ExperimentKey, () => CliOption[]> = {
  gaussian2d: () => callOptions(experiments.gaussian2d.call, { nSamples: 'n' }),
  scoreError: () => callOptions(experiments.scoreError.call),
  deltaSweep: () => callOptions(experiments.deltaSweep.call),
  cifar10: () => callOptions(experiments.cifar10.call),
  learnedVsEmpirical: () => callOptions(experiments.learnedVsEmpirical.call),
  memorizationVsN: () => callOptions(experiments.memorizationVsN.call),
};
const OUT_FLAG: [string, string][] = [['--out DIR', 'also copy the run folder to DIR/<run id>']];

const sample: Command = {
  usage: 'sample --data <dataset[:split]> [--score S] [--sampler S] [--delta D | --bandwidth H] [options] [--out DIR]',
  summary: 'sample with a score (empirical|gaussian|learned: --model <train-score run id>|smoothed: s_N averaged over Gaussian perturbations of x, '
    + '--smoothing SIGMA in data units, default the median nearest-neighbour spacing, --smoothing-draws 8|local: images only, each pixel a softmax '
    + 'average of training pixels weighted by K x K patch similarity, Kamb & Ganguli\'s LS, --patch K odd, default ~ a third of the image side (11 for 32x32)) '
    + `and a sampler (${samplerChoices.join('|')}); writes run.json + samples.npz.`,
  options: () => optionsHelp(sampleOptions(), OUT_FLAG),
  async run(ctx) {
    const call = 'sample.start';
    return runAndReport(ctx, call, checkedRequest(call, sampleOptions(), ctx.flags));
  },
};

const trainScore: Command = {
  usage: 'train-score --data <dataset[:split]> [--subset N | --class C] [--model unet|mlp] [--preset P] [options] [--out DIR]   |   train-score --resume RUN',
  summary: 'train a score network by denoising score matching: a U-Net on images (presets tiny 0.25 M .. large 9.3 M parameters), an MLP on vectors '
    + '(D <= 64); checkpoints every --checkpoint-every steps in <workspace>/checkpoints/<run id> (continue a killed training with --resume <run id>); '
    + 'writes run.json, weights.npz (EMA weights), the loss curve (table.csv, figure-loss.svg). Sample with it: sample --score learned --model <run id>.',
  options: () => optionsHelp(trainScoreOptions(), OUT_FLAG),
  async run(ctx) {
    const call = 'scores.train';
    return runAndReport(ctx, call, checkedRequest(call, trainScoreOptions(), ctx.flags));
  },
};

const experimentIds = experimentKeys.map((k) => experiments[k].id);

const reproduce: Command = {
  usage: `reproduce ${experimentIds.join('|')} [options] [--out DIR]`,
  summary: "the paper's experiments at full size by default; saves figures and a table. `reproduce <experiment> --help` lists its options.",
  options: (args) => {
    const found = args[0] ? experimentById(args[0]) : undefined;
    const keys = found ? [found.key] : experimentKeys;
    return keys.map((k) => `${experiments[k].id}: ${experiments[k].title}\n${optionsHelp(experimentOptions[k](), OUT_FLAG)}`).join('\n\n');
  },
  async run(ctx) {
    const which = ctx.args[0];
    const found = which ? experimentById(which) : undefined;
    if (!found) throw new Error(`reproduce: name an experiment: ${experimentIds.join(', ')}${which ? ` (got "${which}")` : ''}`);
    return runAndReport(ctx, found.call, checkedRequest(found.call, experimentOptions[found.key](), ctx.flags));
  },
};

const sweep: Command = {
  usage: 'sweep [--data <dataset[:split]>] --deltas 0.001,0.01,0.1 [options] [--out DIR]',
  summary: 'memorised fraction, NN distance and the KDE\'s mutual information between training index and output (nats, at most log N) '
    + 'against delta, same noise at every delta (default data: the paper 2-D Gaussian); the same as `reproduce delta-sweep`.',
  options: () => optionsHelp(experimentOptions.deltaSweep(), OUT_FLAG),
  async run(ctx) {
    const call = experiments.deltaSweep.call;
    return runAndReport(ctx, call, checkedRequest(call, experimentOptions.deltaSweep(), ctx.flags));
  },
};

export const samplingCommands: Record<string, Command> = { sample, 'train-score': trainScore, reproduce, sweep };
