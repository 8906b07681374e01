/**
 * Handlers for the calls in electron/contract/sampling.ts (the service validated the shapes).
 * Job calls check what only the workspace can tell (the dataset exists, the subset fits, the model
 * matches) so mistakes come back at once, not as failed jobs; the request itself, early stopping
 * included, was parsed and resolved by the contract;
 * runs.* read the runs store directly (async fs, no tfjs). Workspace errors get their API code in
 * the service (hosts/api-errors.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiError, RunNeighbours, RunPoints, learnedScoreRefusal, samplingJobKinds as samplingKinds,
  type RunDetail, type samplingCalls,
} from '../../contract';
import { listDatasets, parseDatasetRef, showDataset, splitOf, type DatasetManifest } from '../../workspace/datasets';
import { listRuns, readRun, removeRun, runDirectory } from '../../workspace/runs';
import { checkModelFits, readModelRun } from '../../workspace/model-run';
import { aboutField } from '../api-errors';
import type { HandlerTable } from './types';

/** Neighbour rows returned by runs.show (the file keeps all of them). */
const NEIGHBOURS_LIMIT = 5000;

/** The dataset a request names, with its split checked and the subset fitted; ApiErrors for people. */
async function checkData(workspace: string, ref: string, subset: number | undefined): Promise<{ manifest: DatasetManifest; split: string; count: number }> {
  const { name, split, manifest, s } = await aboutField('data: ', async () => {
    const named = parseDatasetRef(ref);
    const manifest = await showDataset(workspace, named.name);
    return { ...named, manifest, s: splitOf(manifest, named.split) };
  });
  if (s.count < 2) throw new ApiError('bad-request', `data: "${name}:${split}" has ${s.count} item(s); a run needs at least 2`);
  if (subset !== undefined && subset > s.count) {
    throw new ApiError('bad-request', `subset: ${subset} is larger than "${name}:${split}" (${s.count} items)`);
  }
  return { manifest, split, count: s.count };
}

/** The split's items can train (or be sampled with) a learned score: vectors, D <= 64. */
function checkLearnable(manifest: DatasetManifest, split: string): number {
  const shape = manifest.splits[split]!.shape;
  const refusal = learnedScoreRefusal(`${manifest.name}:${split}`, manifest.kind, shape);
  if (refusal) throw new ApiError('bad-request', `data: ${refusal}`);
  return shape.reduce((a, b) => a * b, 1);
}

/** The train-score run `id` exists and fits data of `dimension` (reads run.json only). */
async function checkModel(workspace: string, id: string, dimension: number, dataRef: string): Promise<void> {
  checkModelFits(await readModelRun(workspace, id), dimension, dataRef);
}

function isCifar(m: DatasetManifest): boolean {
  return m.kind === 'images' && m.format.startsWith('cifar10');
}

export const CIFAR_MISSING_HINT =
  'run `scorescope datasets import ../shared/data/cifar10/cifar-10-binary.tar.gz` (or the mini archive cifar10-mini-bin.tar.gz), ' +
  'or `scorescope datasets download cifar10`, or give --data NAME';

async function readJson(file: string): Promise<unknown | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

export const samplingHandlers: HandlerTable<typeof samplingCalls> = {
  'sample.start': async (req, ctx) => {
    const { manifest, split, count } = await checkData(ctx.workspace, req.data, req.subset);
    if (req.sampler === 'cifar-kde' && manifest.kind !== 'images') {
      throw new ApiError('bad-request', `sampler: cifar-kde works on images in [0, 255]; "${manifest.name}" holds vectors (use kde)`);
    }
    // early stopping arrives resolved (contract/early-stopping.ts withEarlyStop)
    const control = req.sampler === 'cifar-kde' ? `factor ${req.factor}` : `δ=${req.delta.toPrecision(3)}`;
    if (req.score === 'learned' && req.model) {
      await checkModel(ctx.workspace, req.model, checkLearnable(manifest, split), `${manifest.name}:${split}`);
    }
    const score = req.sampler === 'kde' || req.sampler === 'cifar-kde' ? '' : ` ${req.score}`;
    return ctx.startJob(samplingKinds.sample, `Sample ${req.sampler}${score} · ${manifest.name}:${split} (N=${req.subset ?? count}) · ${control} · n=${req.n}`,
      { ...req, workspace: ctx.workspace });
  },

  'experiments.gaussian2d': async (req, ctx) =>
    ctx.startJob(samplingKinds.gaussian2d, `2-D Gaussian experiment (${req.steps} steps, n=${req.nSamples})`, { ...req, workspace: ctx.workspace }),

  'experiments.scoreError': async (req, ctx) =>
    ctx.startJob(samplingKinds.scoreError, `Score error vs N (${req.Ns.length} sizes × ${req.sets} sets)`, { ...req, workspace: ctx.workspace }),

  'experiments.deltaSweep': async (req, ctx) => {
    if (req.data) await checkData(ctx.workspace, req.data, req.subset);
    return ctx.startJob(samplingKinds.deltaSweep, `Delta sweep · ${req.data ?? '2-D Gaussian'} · ${req.deltas.length} deltas`, { ...req, workspace: ctx.workspace });
  },

  'experiments.cifar10': async (req, ctx) => {
    let data = req.data;
    if (data) {
      const { manifest } = await checkData(ctx.workspace, data, req.subset);
      if (manifest.kind !== 'images') throw new ApiError('bad-request', `data: experiment cifar10 needs images; "${manifest.name}" holds vectors`);
    } else {
      const found = (await listDatasets(ctx.workspace)).find(isCifar);
      if (!found) throw new ApiError('not-found', `no CIFAR-10 dataset in the workspace ${ctx.workspace}: ${CIFAR_MISSING_HINT}`);
      data = `${found.name}:train`;
      await checkData(ctx.workspace, data, req.subset);
    }
    return ctx.startJob(samplingKinds.cifar10, `CIFAR-10 experiment · ${data} · n=${req.n}`, { ...req, data, workspace: ctx.workspace });
  },

  'scores.train': async (req, ctx) => {
    const { manifest, split, count } = await checkData(ctx.workspace, req.data, req.subset);
    checkLearnable(manifest, split);
    return ctx.startJob(samplingKinds.trainScore, `Train score network · ${manifest.name}:${split} (N=${req.subset ?? count}) · ${req.steps} steps`,
      { ...req, workspace: ctx.workspace });
  },

  'experiments.learnedVsEmpirical': async (req, ctx) => {
    let dimension = 2;
    let ref = "the paper's 2-D set";
    if (req.data) {
      const { manifest, split } = await checkData(ctx.workspace, req.data, req.subset);
      dimension = checkLearnable(manifest, split);
      ref = `${manifest.name}:${split}`;
    }
    if (req.model) await checkModel(ctx.workspace, req.model, dimension, ref);
    return ctx.startJob(samplingKinds.learnedVsEmpirical, `Learned vs empirical score · ${req.data ?? '2-D Gaussian'} · ${req.model ? 'model ' + req.model.slice(-6) : `${req.trainSteps} training steps`}`,
      { ...req, workspace: ctx.workspace });
  },

  'runs.list': async ({ kind }, ctx) => {
    const runs = await listRuns(ctx.workspace);
    return { runs: kind ? runs.filter((r) => r.kind === kind || r.kind.startsWith(`${kind}:`)) : runs };
  },

  'runs.show': async ({ id }, ctx): Promise<RunDetail> => {
    const run = await readRun(ctx.workspace, id);
    const dir = runDirectory(ctx.workspace, id);
    const points = RunPoints.safeParse(await readJson(join(dir, 'points.json')));
    const raw = (await readJson(join(dir, 'neighbours.json'))) as { units?: string; index?: number[]; d1?: number[]; d2?: number[] } | null;
    let neighbours: RunNeighbours | null = null;
    if (raw?.index && raw.d1 && raw.d2) {
      const cut = raw.index.length > NEIGHBOURS_LIMIT;
      neighbours = RunNeighbours.parse({
        units: raw.units ?? '',
        index: raw.index.slice(0, NEIGHBOURS_LIMIT),
        d1: raw.d1.slice(0, NEIGHBOURS_LIMIT),
        d2: raw.d2.slice(0, NEIGHBOURS_LIMIT),
        truncated: cut,
      });
    }
    return { ...run, dir, points: points.success ? points.data : null, neighbours };
  },

  'runs.remove': async ({ id }, ctx) => {
    await removeRun(ctx.workspace, id);
    return { id, removed: true as const };
  },
};
