/**
 * CLI commands of the sampling feature: `sample`, `train-score`, `reproduce`, `sweep`, `runs`. Each starts a job
 * through the service (progress on stderr, Ctrl-C cancels), then prints the run: its folder,
 * parameters, timings and headline numbers (--json: exactly one object). `--out DIR` copies the
 * run folder to DIR/<run id> as well.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { scoreChoices, type CallName } from '../../contract';
import { readRun, type RunManifest } from '../../workspace/runs';
import { runJob } from './run-job';
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

function describeRun(run: RunManifest, dir: string, out: string | null): string {
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

function oneOf<T extends string>(ctx: CommandContext, flag: string, allowed: readonly T[]): T | undefined {
  const v = ctx.flags.string(flag);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`--${flag} must be one of ${allowed.join(', ')}; got "${v}"`);
  return v as T;
}

/** --data, required: a dataset of the workspace (`what` says which kind). */
function requiredData(ctx: CommandContext, what = 'a dataset'): string {
  const data = ctx.flags.string('data');
  if (!data) throw new Error(`--data is required: ${what} of the workspace, "name" or "name:split" (see \`scorescope datasets list\`)`);
  return data;
}

const sample: Command = {
  usage: 'sample --data <dataset[:split]> --score S [--model RUN] [--smoothing SIGMA] [--patch K] --sampler S [--delta D | --bandwidth H] [--out DIR]',
  summary: 'sample with a score (empirical|gaussian|learned: --model <train-score run id>|smoothed: s_N averaged over Gaussian perturbations of x, '
    + '--smoothing SIGMA in data units, default the median nearest-neighbour spacing, --smoothing-draws 8|local: images only, each pixel a softmax '
    + 'average of training pixels weighted by K x K patch similarity, Kamb & Ganguli\'s LS, --patch K odd, default ~ a third of the image side (11 for 32x32)) and a sampler (sde|ei|ode|heun|edm|kde|cifar-kde); '
    + 'writes run.json + samples.npz. Options: --subset N, --T 5, --steps 100, --grid uniform|geometric|edm, --n 64, --seed 0, --sampler-seed S, --factor F (cifar-kde)',
  async run(ctx) {
    const data = requiredData(ctx);
    if (ctx.flags.has('delta') && ctx.flags.has('bandwidth')) {
      throw new Error('give --delta or --bandwidth, not both: they are one control (h = sqrt(1 - e^{-2 delta}))');
    }
    const score = oneOf(ctx, 'score', scoreChoices);
    const model = ctx.flags.string('model');
    if (score === 'learned' && !model) {
      throw new Error('--score learned needs --model <run id> of a train-score run (`scorescope runs list --kind train-score`, or train one with `scorescope train-score --data NAME`)');
    }
    if (model && score !== 'learned') throw new Error('--model is only used with --score learned');
    for (const flag of ['smoothing', 'smoothing-draws']) {
      if (ctx.flags.has(flag) && score !== 'smoothed') throw new Error(`--${flag} is only used with --score smoothed`);
    }
    if (ctx.flags.has('patch') && score !== 'local') throw new Error('--patch is only used with --score local');
    return runAndReport(ctx, 'sample.start', {
      data,
      subset: ctx.flags.number('subset'),
      score,
      model,
      smoothing: ctx.flags.number('smoothing'),
      smoothingDraws: ctx.flags.number('smoothing-draws'),
      patch: ctx.flags.number('patch'),
      sampler: oneOf(ctx, 'sampler', ['sde', 'ei', 'ode', 'heun', 'edm', 'kde', 'cifar-kde']),
      delta: ctx.flags.number('delta'),
      bandwidth: ctx.flags.number('bandwidth'),
      factor: ctx.flags.number('factor'),
      T: ctx.flags.number('T'),
      steps: ctx.flags.number('steps'),
      grid: oneOf(ctx, 'grid', ['uniform', 'geometric', 'edm']),
      n: ctx.flags.number('n'),
      seed: ctx.flags.number('seed'),
      samplerSeed: ctx.flags.number('sampler-seed'),
    });
  },
};

const trainScore: Command = {
  usage: 'train-score --data <dataset[:split]> [--steps 3000] [--batch 256] [--width 128] [--depth 3] [--lr 0.002] [--T 5] [--seed 0] [--out DIR]',
  summary: 'train a score network (MLP noise predictor, denoising score matching) on vector data (D <= 64); writes run.json, weights.npz, '
    + 'the loss curve (table.csv, figure-loss.svg). Sample with it: sample --score learned --model <run id>. Options: --subset N, --t-min 0.001',
  async run(ctx) {
    return runAndReport(ctx, 'scores.train', {
      data: requiredData(ctx, 'a vector dataset'),
      subset: ctx.flags.number('subset'),
      steps: ctx.flags.number('steps'),
      batch: ctx.flags.number('batch'),
      width: ctx.flags.number('width'),
      depth: ctx.flags.number('depth'),
      lr: ctx.flags.number('lr'),
      T: ctx.flags.number('T'),
      tMin: ctx.flags.number('t-min'),
      seed: ctx.flags.number('seed'),
    });
  },
};

const PRESETS = ['gaussian2d', 'score-error', 'cifar10', 'delta-sweep', 'learned-vs-empirical'] as const;

function sweepRequest(ctx: CommandContext): Record<string, unknown> {
  return {
    data: ctx.flags.string('data'),
    subset: ctx.flags.number('subset'),
    deltas: ctx.flags.numberList('deltas'),
    n: ctx.flags.number('n'),
    steps: ctx.flags.number('steps'),
    grid: oneOf(ctx, 'grid', ['uniform', 'geometric', 'edm']),
    T: ctx.flags.number('T'),
    sampler: oneOf(ctx, 'sampler', ['sde', 'ei', 'ode', 'heun']),
    seed: ctx.flags.number('seed'),
    miDraws: ctx.flags.number('mi-draws'),
  };
}

const reproduce: Command = {
  usage: 'reproduce gaussian2d|score-error|cifar10|delta-sweep|learned-vs-empirical [--out DIR] [options]',
  summary: "the paper's experiments at full size by default; saves figures and a table. Smaller runs: gaussian2d --steps K --n N --n-train N --delta D --sampler sde|ei --seed S; "
    + 'score-error --ns 100,200,400 --sets S --h H --samples-per-time M; cifar10 --data NAME --subset N --n 16 --seed 20 --steps 18 --stop-early 2; delta-sweep: as sweep; '
    + 'learned-vs-empirical [--data NAME] [--model RUN | --train-steps 3000] --n 1000 --steps 200 --delta 0.001 --sampler sde|ei|ode|heun --seed S',
  async run(ctx) {
    const which = ctx.args[0];
    switch (which) {
      case 'gaussian2d':
        return runAndReport(ctx, 'experiments.gaussian2d', {
          steps: ctx.flags.number('steps'),
          nSamples: ctx.flags.number('n'),
          nTrain: ctx.flags.number('n-train'),
          T: ctx.flags.number('T'),
          delta: ctx.flags.number('delta'),
          sampler: oneOf(ctx, 'sampler', ['sde', 'ei']),
          seed: ctx.flags.number('seed'),
        });
      case 'score-error':
        return runAndReport(ctx, 'experiments.scoreError', {
          Ns: ctx.flags.numberList('ns'),
          sets: ctx.flags.number('sets'),
          T: ctx.flags.number('T'),
          h: ctx.flags.number('h'),
          samplesPerTime: ctx.flags.number('samples-per-time'),
          seed: ctx.flags.number('seed'),
        });
      case 'cifar10':
        return runAndReport(ctx, 'experiments.cifar10', {
          data: ctx.flags.string('data'),
          subset: ctx.flags.number('subset'),
          n: ctx.flags.number('n'),
          seed: ctx.flags.number('seed'),
          steps: ctx.flags.number('steps'),
          stopEarly: ctx.flags.number('stop-early'),
        });
      case 'delta-sweep':
        return runAndReport(ctx, 'experiments.deltaSweep', sweepRequest(ctx));
      case 'learned-vs-empirical':
        return runAndReport(ctx, 'experiments.learnedVsEmpirical', {
          data: ctx.flags.string('data'),
          subset: ctx.flags.number('subset'),
          model: ctx.flags.string('model'),
          trainSteps: ctx.flags.number('train-steps'),
          n: ctx.flags.number('n'),
          steps: ctx.flags.number('steps'),
          grid: oneOf(ctx, 'grid', ['uniform', 'geometric', 'edm']),
          sampler: oneOf(ctx, 'sampler', ['sde', 'ei', 'ode', 'heun']),
          delta: ctx.flags.number('delta'),
          T: ctx.flags.number('T'),
          seed: ctx.flags.number('seed'),
        });
      default:
        throw new Error(`reproduce: name an experiment: ${PRESETS.join(', ')}${which ? ` (got "${which}")` : ''}`);
    }
  },
};

const sweep: Command = {
  usage: 'sweep [--data <dataset[:split]>] --deltas 0.001,0.01,0.1 [--out DIR]',
  summary: 'memorised fraction, NN distance and the KDE\'s mutual information between training index and output (nats, at most log N) '
    + 'against delta, same noise at every delta (default data: the paper 2-D Gaussian). '
    + 'Options: --subset N, --n 200, --steps 100, --grid geometric, --T 5, --sampler sde|ei|ode|heun, --seed 0, --mi-draws 256 (0: skip)',
  async run(ctx) {
    return runAndReport(ctx, 'experiments.deltaSweep', sweepRequest(ctx));
  },
};

const runs: Command = {
  usage: 'runs list [--kind K] | runs show <id> | runs remove <id>',
  summary: 'the runs of the workspace: list them, show one (parameters, timings, files), remove one',
  async run(ctx) {
    const [sub, id] = ctx.args;
    const service = ctx.service();
    switch (sub) {
      case undefined:
      case 'list': {
        const { runs: list } = await service.call('runs.list', { kind: ctx.flags.string('kind') });
        const human = list.length === 0
          ? `no runs in ${ctx.workspace}`
          : list.map((r) => `${r.id}  ${r.kind.padEnd(24)} ${r.title}`).join('\n');
        ctx.print({ runs: list.map((r) => ({ id: r.id, kind: r.kind, title: r.title, created: r.created, summary: r.summary })) }, human);
        return 0;
      }
      case 'show': {
        if (!id) throw new Error('runs show: give a run id (see `scorescope runs list`)');
        const r = await service.call('runs.show', { id });
        ctx.print(
          { run: r.id, dir: r.dir, kind: r.kind, title: r.title, created: r.created, params: r.params, environment: r.environment, timings: r.timings, summary: r.summary, files: r.files },
          `${describeRun(r, r.dir, null)}\nfiles:    ${r.files.join(', ')}`,
        );
        return 0;
      }
      case 'remove': {
        if (!id) throw new Error('runs remove: give a run id (see `scorescope runs list`)');
        const r = await service.call('runs.remove', { id });
        ctx.print(r, `removed run ${r.id}`);
        return 0;
      }
      default:
        throw new Error(`runs: unknown subcommand "${sub}" (list, show <id>, remove <id>)`);
    }
  },
};

export const samplingCommands: Record<string, Command> = { sample, 'train-score': trainScore, reproduce, sweep, runs };
