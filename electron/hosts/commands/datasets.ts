/**
 * `scorescope datasets <subcommand>`: import, probe, list, show, remove, rename, synth, download.
 * With --json, import/show/synth/download print the dataset ({name, classes, splits: {train:
 * {count, shape, dtype, classCounts, channelMean, channelStd, ...}}, sizeBytes, existing?}).
 */
import type { DatasetImportResult, DatasetInfo, DatasetProbe } from '../../contract';
import { callOptions, checkedRequest, optionsHelp } from '../cli-options';
import { runJob } from './run-job';
import type { Command, CommandContext } from './types';

const USAGE = `datasets import <path> [--name N] [--resize S] [--fit cover|fill|contain]
datasets probe <path> [--resize S]
datasets list
datasets show <name>
datasets remove <name>
datasets rename <from> <to>
datasets synth gaussian [--dim D] [--n N] [--mean M[,M...]] [--var V] [--seed S] [--test N] [--name N]
datasets synth mixture --means "x,y/x,y/..." [--var V[,V...]] [--weights W,...] [--n N] [--seed S] [--test N] [--name N]
datasets download cifar10 [--format binary|python] [--url URL] [--md5 HASH] [--name N]`;

function positional(ctx: CommandContext, index: number, what: string): string {
  const v = ctx.args[index];
  if (!v) throw new Error(`datasets ${ctx.args[0] ?? ''}: missing ${what}\nusage:\n${USAGE}`);
  return v;
}

function sizeText(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  return `${(bytes / 1024).toFixed(1)} KB`;
}

const fmt = (xs: number[], digits = 1) => `(${xs.map((x) => x.toFixed(digits)).join(', ')})`;

/** A few lines a person can read: what the dataset is and what each split holds. */
export function describeDataset(d: DatasetInfo): string {
  const classes = d.classes ? `${d.classes.length} classes` : 'unlabelled';
  const head = `${d.name}  ${d.format} (${d.container}), ${d.kind}, ${classes}, ${sizeText(d.sizeBytes)}`;
  const splits = Object.entries(d.splits).map(([k, s]) => {
    const digits = s.dtype === 'uint8' ? 1 : 3;
    const stats = s.channelMean.length <= 4 ? `  mean ${fmt(s.channelMean, digits)}  std ${fmt(s.channelStd, digits)}` : '';
    return `  ${k.padEnd(6)} ${String(s.count).padStart(7)} × ${s.shape.join('x')} ${s.dtype}${stats}`;
  });
  return [head, ...splits, ...d.notes.map((n) => `  note: ${n}`)].join('\n');
}

function describeProbe(p: DatasetProbe): string {
  const lines = [`${p.path}: ${p.format} (${p.container}), ${p.kind}${p.classes ? `, ${p.classes.length} classes` : ''}; would be named "${p.defaultName}"`];
  for (const [k, s] of Object.entries(p.splits)) lines.push(`  ${k.padEnd(6)} ${String(s.count).padStart(7)} × ${s.shape.join('x')} ${s.dtype}${s.labelled ? ' labelled' : ''}`);
  for (const [k, a] of Object.entries(p.arrays ?? {})) lines.push(`  ${k}: ${a.dtype} (${a.shape.join(', ')}) ${a.layout}${a.range ? ` values in [${a.range.join(', ')}]` : ''}: ${a.conversion}`);
  if (p.imageSizes && p.imageSizes.length > 1) lines.push(`  sizes: ${p.imageSizes.map((s) => `${s.width}x${s.height} (${s.count})`).join(', ')}: import with --resize S`);
  return [...lines, ...p.notes.map((n) => `  note: ${n}`)].join('\n');
}

function printResult(ctx: CommandContext, r: DatasetImportResult, verb: string): void {
  const head = r.existing ? `already in the workspace (same content): ${r.name}` : `${verb} ${r.name}`;
  ctx.print(r, `${head}\n${describeDataset(r)}`);
}

/** "-5,5/5,-5" → [[-5, 5], [5, -5]]. */
function meansList(text: string): number[][] {
  return text.split('/').map((part) => part.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(n)) throw new Error(`--means must be numbers, commas between coordinates and "/" between components, got "${text}"`);
    return n;
  }));
}

function synthRequest(ctx: CommandContext): Record<string, unknown> {
  const kind = positional(ctx, 1, 'the kind (gaussian or mixture)');
  const common = {
    n: ctx.flags.number('n'),
    seed: ctx.flags.number('seed'),
    test: ctx.flags.number('test'),
    name: ctx.flags.string('name'),
  };
  if (kind === 'gaussian') {
    return { kind, dim: ctx.flags.number('dim'), mean: ctx.flags.numberList('mean'), variance: ctx.flags.number('var'), ...common };
  }
  if (kind === 'mixture') {
    const meansText = ctx.flags.string('means');
    if (!meansText) throw new Error('datasets synth mixture: --means is required, e.g. --means "-5,5/5,-5"');
    const means = meansList(meansText);
    const vars = ctx.flags.numberList('var') ?? [1];
    const weights = ctx.flags.numberList('weights');
    if (vars.length !== 1 && vars.length !== means.length) throw new Error(`--var: give one variance or one per component (${means.length})`);
    if (weights && weights.length !== means.length) throw new Error(`--weights: give one weight per component (${means.length})`);
    const components = means.map((mean, i) => ({ mean, variance: vars[vars.length === 1 ? 0 : i], ...(weights ? { weight: weights[i] } : {}) }));
    return { kind, components, ...common };
  }
  throw new Error(`datasets synth: unknown kind "${kind}" (expected gaussian or mixture)`);
}

async function run(ctx: CommandContext): Promise<number> {
  const sub = ctx.args[0];
  const service = () => ctx.service();
  switch (sub) {
    case 'import': {
      const request = checkedRequest('datasets.import', callOptions('datasets.import'), ctx.flags, { path: positional(ctx, 1, 'the path to import') });
      printResult(ctx, await runJob(ctx, 'datasets.import', request), 'imported');
      return 0;
    }
    case 'probe': {
      const request = checkedRequest('datasets.probe', callOptions('datasets.probe'), ctx.flags, { path: positional(ctx, 1, 'the path to inspect') });
      const p = await runJob(ctx, 'datasets.probe', request);
      ctx.print(p, describeProbe(p));
      return 0;
    }
    case 'list': {
      const { datasets } = await service().call('datasets.list');
      ctx.print({ datasets }, datasets.length ? datasets.map(describeDataset).join('\n\n') : `no datasets in ${ctx.workspace}`);
      return 0;
    }
    case 'show': {
      const d = await service().call('datasets.show', { name: positional(ctx, 1, 'the dataset name') });
      ctx.print(d, describeDataset(d));
      return 0;
    }
    case 'remove': {
      const r = await service().call('datasets.remove', { name: positional(ctx, 1, 'the dataset name') });
      ctx.print(r, `removed ${r.name}`);
      return 0;
    }
    case 'rename': {
      const d = await service().call('datasets.rename', { from: positional(ctx, 1, 'the current name'), to: positional(ctx, 2, 'the new name') });
      ctx.print(d, `renamed ${ctx.args[1]} to ${d.name}`);
      return 0;
    }
    case 'synth': {
      printResult(ctx, await runJob(ctx, 'datasets.synth', synthRequest(ctx)), 'created');
      return 0;
    }
    case 'download': {
      const what = positional(ctx, 1, 'what to download (cifar10)');
      if (what !== 'cifar10') throw new Error(`datasets download: only cifar10 is known, got "${what}"`);
      const request = checkedRequest('datasets.download', callOptions('datasets.download'), ctx.flags, { dataset: what });
      const r = await runJob(ctx, 'datasets.download', request);
      printResult(ctx, r, `downloaded (${r.archive ?? 'archive'}, MD5 verified) and imported`);
      return 0;
    }
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new Error(`${sub ? `datasets: unknown subcommand "${sub}"` : 'datasets: a subcommand is needed'}\nusage:\n${USAGE}`);
  }
}

export const datasetCommands: Record<string, Command> = {
  datasets: {
    usage: 'datasets import|probe|list|show|remove|rename|synth|download ...',
    summary: 'import (CIFAR-10, image folders, .npy/.npz), synthesise, download, list and manage datasets (`datasets help`)',
    options: (args) => {
      const sub = (['import', 'probe', 'download'] as const).filter((s) => args[0] === undefined || args[0] === s);
      return sub.map((s) => `datasets ${s}:\n${optionsHelp(callOptions(`datasets.${s}`).filter((o) => o.field !== 'path' && o.field !== 'dataset'))}`).join('\n\n');
    },
    run,
  },
};
