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
  ApiError, MEMORIZATION_VS_N_DEFAULTS, TRAIN_SCORE_DEFAULTS, defaultNetwork, RunNeighbours, RunPoints, learnedScoreRefusal, samplingJobKinds as samplingKinds,
  type RunDetail, type ScoreNetwork, type samplingCalls,
} from '../../contract';
import { listDatasets, parseDatasetRef, showDataset, splitOf, type DatasetManifest } from '../../workspace/datasets';
import { listRuns, readRun, removeRun, runDirectory } from '../../workspace/runs';
import { checkModelFits, readModelRun } from '../../workspace/model-run';
import { readCheckpoint } from '../../workspace/training-checkpoints';
import { checkArchitecture } from '../../science/networks';
import { requestedArchitecture } from '../../jobs/runs/train-score-run';
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

/** The split's items can train a score network of kind `network` (default: U-Net for images, MLP for vectors). */
function checkLearnable(manifest: DatasetManifest, split: string, network?: ScoreNetwork): void {
  const refusal = learnedScoreRefusal(`${manifest.name}:${split}`, manifest.kind, manifest.splits[split]!.shape, network);
  if (refusal) throw new ApiError('bad-request', `data: ${refusal}`);
}

/** The train-score run `id` exists and fits the split's items (reads run.json only). */
async function checkModel(workspace: string, id: string, manifest: DatasetManifest, split: string): Promise<void> {
  checkModelFits(await readModelRun(workspace, id), manifest.splits[split]!.shape, `${manifest.name}:${split}`);
}

function isCifar(m: DatasetManifest): boolean {
  return m.kind === 'images' && m.format.startsWith('cifar10');
}

/** The image dataset a request names (checked: images, at least `subset` items), or the workspace's first CIFAR-10, split train. */
async function imageDataOrCifar(workspace: string, ref: string | undefined, subset: number | undefined, experiment: string): Promise<string> {
  if (ref) {
    const { manifest } = await checkData(workspace, ref, subset);
    if (manifest.kind !== 'images') throw new ApiError('bad-request', `data: experiment ${experiment} needs images; "${manifest.name}" holds vectors`);
    return ref;
  }
  const found = (await listDatasets(workspace)).find(isCifar);
  if (!found) throw new ApiError('not-found', `no CIFAR-10 dataset in the workspace ${workspace}: ${CIFAR_MISSING_HINT}`);
  const data = `${found.name}:train`;
  await checkData(workspace, data, subset);
  return data;
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
      await checkModel(ctx.workspace, req.model, manifest, split);
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
    const data = await imageDataOrCifar(ctx.workspace, req.data, req.subset, 'cifar10');
    return ctx.startJob(samplingKinds.cifar10, `CIFAR-10 experiment · ${data} · n=${req.n}`, { ...req, data, workspace: ctx.workspace });
  },

  'experiments.memorizationVsN': async (req, ctx) => {
    const Ns = req.Ns ?? MEMORIZATION_VS_N_DEFAULTS[req.quick ? 'quick' : 'full'].Ns;
    // with a class the labels decide how many there are (the job checks); without, the split must hold the largest N
    const data = await imageDataOrCifar(ctx.workspace, req.data, req.class === undefined ? Math.max(...Ns) : undefined, 'memorisation-vs-n');
    return ctx.startJob(samplingKinds.memorizationVsN, `Memorisation vs N · ${data}${req.class !== undefined ? ` class ${req.class}` : ''} · N = ${Ns.join(', ')}${req.quick ? ' · quick' : ''}`,
      { ...req, data, workspace: ctx.workspace });
  },

  'scores.train': async (req, ctx) => {
    if (req.resume) {
      // the checkpoint holds every choice; refuse at once when there is none
      const checkpoint = await readCheckpoint<{ data: string; options: { steps: number } }>(ctx.workspace, req.resume);
      return ctx.startJob(samplingKinds.trainScore, `Train score network · resume ${req.resume.slice(-6)} · ${checkpoint.request.data} · from step ${checkpoint.state.step}/${checkpoint.request.options.steps}`,
        { ...req, workspace: ctx.workspace });
    }
    // a class cut is counted when the labels are read (the job); here the whole split bounds the subset
    const { manifest, split, count } = await checkData(ctx.workspace, req.data!, req.class === undefined ? req.subset : undefined);
    checkLearnable(manifest, split, req.model);
    const network = req.model ?? defaultNetwork(manifest.kind);
    try {
      checkArchitecture(requestedArchitecture(req, network, manifest.splits[split]!.shape));
    } catch (e) {
      throw new ApiError('bad-request', (e as Error).message);
    }
    const steps = req.steps ?? TRAIN_SCORE_DEFAULTS[network].steps;
    return ctx.startJob(samplingKinds.trainScore, `Train score network · ${network === 'unet' ? 'U-Net' : 'MLP'} · ${manifest.name}:${split}${req.class !== undefined ? ` class ${req.class}` : ''} (N=${req.subset ?? count}) · ${steps} steps`,
      { ...req, workspace: ctx.workspace });
  },

  'experiments.learnedVsEmpirical': async (req, ctx) => {
    if (req.data) {
      const { manifest, split } = await checkData(ctx.workspace, req.data, req.subset);
      checkLearnable(manifest, split);
      if (req.model) await checkModel(ctx.workspace, req.model, manifest, split);
    } else if (req.model) {
      checkModelFits(await readModelRun(ctx.workspace, req.model), [2], "the paper's 2-D set");
    }
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
