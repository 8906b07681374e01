/**
 * `scorescope runs list|show|remove|rename|tag|compare|reveal` and `scorescope rerun RUN [--out DIR]`:
 * thin shells over the runs.* calls (contract/runs.ts), printing the table's fields.
 */
import { cp, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { runCategories, type RerunResult, type RunComparison, type RunRow } from '../../contract';
import { readRun } from '../../workspace/runs';
import { checkOutDirectory } from '../out-directory';
import { describeRun } from './sampling';
import { runJob } from './run-job';
import type { Command, CommandContext } from './types';

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);
const short = (v: number | null, digits = 3) => (v === null ? '–' : String(Number(v.toPrecision(digits))));
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s).padEnd(n);

function rowLine(r: RunRow, idWidth: number): string {
  const memorised = r.memorizedCI ? `${pct(r.memorizedFraction)} [${pct(r.memorizedCI[0])}, ${pct(r.memorizedCI[1])}]` : pct(r.memorizedFraction);
  return [
    r.id.padEnd(idWidth), clip(r.category, 10), clip(r.dataset ?? '–', 16), clip(r.trainingItems === null ? '–' : String(r.trainingItems), 7),
    clip(r.score ?? '–', 9), clip(r.sampler ?? '–', 6), clip(short(r.delta), 7), clip(r.n === null ? '–' : String(r.n), 6),
    clip(memorised, 22), clip(short(r.medianNearestDistance), 8), clip(r.status, 11),
    `${r.name ?? r.title}${r.tags.length ? `  [${r.tags.join(', ')}]` : ''}`,
  ].join(' ');
}

const header = (idWidth: number) => ['id'.padEnd(idWidth), 'category  ', 'dataset         ', 'N      ', 'score    ', 'samplr', 'delta  ', 'n     ', 'memorised'.padEnd(22), 'medianNN', 'status     ', 'name'].join(' ');

/** The rows as aligned text, ids padded to the longest. */
function tableText(rows: RunRow[]): string {
  const w = Math.max(...rows.map((r) => r.id.length));
  return [header(w), ...rows.map((r) => rowLine(r, w))].join('\n');
}

/** Ask on a terminal; scripts (no TTY) and --yes go ahead. */
async function confirmed(ctx: CommandContext, question: string): Promise<boolean> {
  if (ctx.flags.has('yes') || !process.stdin.isTTY || ctx.json) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function comparisonText(c: RunComparison): string {
  const names = c.runs.map((r, i) => `${String.fromCharCode(65 + i)} = ${r.id}  ${r.name ?? r.title}`);
  const value = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? short(v, 4) : typeof v === 'string' ? v : JSON.stringify(v));
  const cols = (values: unknown[]) => values.map((v) => clip(value(v), 24)).join(' ');
  const letters = c.runs.map((_, i) => clip(String.fromCharCode(65 + i), 24)).join(' ');
  return [
    ...names,
    '',
    `parameters that differ (${c.parameters.length}; ${c.sharedParameters} shared):`,
    `  ${''.padEnd(24)} ${letters}`,
    ...c.parameters.map((p) => `  ${clip(p.name, 24)} ${cols(p.values)}`),
    '',
    'figures:',
    ...c.metrics.map((m) => `  ${clip(m.name, 24)} ${cols(m.values)}`),
    '',
    ...c.charts.map((ch) => `chart: ${ch.title} (${ch.lines.length} lines)`),
    c.paired ? `paired gallery: ${c.paired.count} samples per run, same initial noise` : `no paired gallery: ${c.pairedWhy ?? ''}`,
  ].join('\n');
}

const runs: Command = {
  usage: 'runs list [--category C] [--kind K] [--tag T] | show ID | remove ID [--yes] | rename ID NAME | tag ID TAG... [--remove TAG] | compare A B [C...] [--out DIR] | reveal ID',
  summary: 'the runs of the workspace as a table (--json: one row per run), and naming, tagging, removing and comparing them',
  async run(ctx) {
    const [sub, id, ...rest] = ctx.args;
    const service = ctx.service();
    switch (sub) {
      case undefined:
      case 'list': {
        const category = ctx.flags.string('category');
        if (category !== undefined && !(runCategories as readonly string[]).includes(category)) throw new Error(`--category: one of ${runCategories.join(', ')}`);
        const kind = ctx.flags.string('kind');
        const tag = ctx.flags.string('tag');
        const { runs: rows } = await service.call('runs.table', category ? { category: category as RunRow['category'] } : {});
        const shown = rows.filter((r) => (!kind || r.kind === kind || r.kind.startsWith(`${kind}:`)) && (!tag || r.tags.includes(tag)));
        // --json: each row with the run's own summary too (scripts written before the table read it)
        const summaries = ctx.json ? new Map((await service.call('runs.list')).runs.map((r) => [r.id, r.summary])) : new Map<string, unknown>();
        ctx.print(
          { runs: shown.map((r) => ({ ...r, summary: summaries.get(r.id) ?? null })) },
          shown.length === 0 ? `no runs in ${ctx.workspace}` : tableText(shown),
        );
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
        if (!(await confirmed(ctx, `remove run ${id} and its files?`))) {
          ctx.log('nothing removed');
          return 1;
        }
        const r = await service.call('runs.remove', { id });
        ctx.print(r, `removed run ${r.id}`);
        return 0;
      }
      case 'rename': {
        if (!id || rest.length === 0) throw new Error('runs rename: give a run id and a name (`runs rename ID "my name"`)');
        const r = await service.call('runs.rename', { id, name: rest.join(' ') });
        ctx.print(r, `run ${r.id} is now "${r.name ?? r.title}"`);
        return 0;
      }
      case 'tag': {
        const remove = ctx.flags.string('remove');
        if (!id || (rest.length === 0 && !remove)) throw new Error('runs tag: give a run id and tags (`runs tag ID baseline cifar`; --remove TAG)');
        const r = await service.call('runs.tag', { id, add: rest, remove: remove ? [remove] : [] });
        ctx.print(r, `run ${r.id}: tags ${r.tags.length ? r.tags.join(', ') : '(none)'}`);
        return 0;
      }
      case 'compare': {
        const ids = [id, ...rest].filter((x): x is string => !!x);
        const out = ctx.flags.string('out');
        if (out) await checkOutDirectory(out);
        const c = await service.call('runs.compare', { ids });
        const exported = out ? await service.call('runs.compareExport', { ids, out }) : null;
        ctx.print(
          { ...c, ...(exported ? { exports: exported.files } : {}) },
          `${comparisonText(c)}${exported ? `\nexports: ${exported.files.map((f) => f.path).join(', ')}` : ''}`,
        );
        return 0;
      }
      case 'reveal': {
        if (!id) throw new Error('runs reveal: give a run id');
        const r = await service.call('runs.reveal', { id });
        ctx.print(r, r.dir);
        return 0;
      }
      default:
        throw new Error(`runs: unknown subcommand "${sub}" (list, show, remove, rename, tag, compare, reveal)`);
    }
  },
};

function rerunText(r: RerunResult, out: string | null): string {
  const verdict = r.compared.length === 0
    ? `nothing to compare with ${r.of}: the runs hold no arrays or tables in common`
    : r.identical
      ? `bit-identical to ${r.of} (${r.compared.join(', ')})`
      : `differs from ${r.of}: largest absolute difference ${r.maxAbsDifference ?? 'n/a (the shapes differ)'} over ${r.compared.join(', ')}`;
  const where = r.sameBackend && r.sameKernels
    ? `same backend (${r.backend.after}) and kernels (${r.kernels.after})`
    : `backend ${r.backend.before} -> ${r.backend.after}, kernels ${r.kernels.before} -> ${r.kernels.after}`;
  return `re-run ${r.run} of ${r.of}\nfolder:   ${r.dir}${out ? `\ncopied to: ${out}` : ''}\n${where}\n${verdict}`;
}

const rerun: Command = {
  usage: 'rerun RUN [--out DIR]',
  summary: 'repeat a run from its run.json; says whether the new arrays are bit-identical (same backend and kernels) or how far they are',
  async run(ctx) {
    const id = ctx.args[0];
    if (!id) throw new Error('rerun: give a run id (see `scorescope runs list`)');
    const outFlag = ctx.flags.string('out');
    if (outFlag) await checkOutDirectory(outFlag);
    const result = await runJob(ctx, 'runs.rerun', { id });
    let out: string | null = null;
    if (outFlag) {
      out = join(resolve(outFlag), result.run);
      await mkdir(resolve(outFlag), { recursive: true });
      await cp(result.dir, out, { recursive: true });
    }
    const run = await readRun(ctx.workspace, result.run);
    ctx.print({ ...result, ...(out ? { out } : {}), title: run.title, params: run.params, summary: run.summary }, rerunText(result, out));
    return 0;
  },
};

export const runCommands: Record<string, Command> = { runs, rerun };
