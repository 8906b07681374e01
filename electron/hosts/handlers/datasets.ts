/**
 * Handlers for the calls in electron/contract/datasets.ts (the service has validated requests).
 * Reads of the workspace (list, show, labels, points) answer directly; probes, imports,
 * synthesis and downloads are engine jobs. Workspace errors get their API code in the service
 * (hosts/api-errors.ts).
 */
import { basename, join } from 'node:path';
import type { datasetCalls } from '../../contract';
import {
  DatasetStoreError, datasetsDir, loadSplit, removeDataset, renameDataset, showDataset, splitOf,
} from '../../workspace/datasets';
import { listDatasetsWithSize, showDatasetWithSize, withSize } from '../../workspace/datasets-info';
import { readNpyFile } from '../../../native-data';
import type { HandlerTable } from './types';

const sourceLabel = (path: string) => basename(path.replace(/[\\/]+$/, '')) || path;

export const datasetHandlers: HandlerTable<typeof datasetCalls> = {
  'datasets.list': async (_req, ctx) => ({ datasets: await listDatasetsWithSize(ctx.workspace) }),

  'datasets.show': async ({ name }, ctx) => showDatasetWithSize(ctx.workspace, name),

  'datasets.probe': async (req, ctx) =>
    ctx.startJob('datasets.probe', `Inspect ${sourceLabel(req.path)}`, { ...req, workspace: ctx.workspace }),

  'datasets.import': async (req, ctx) =>
    ctx.startJob('datasets.import', `Import ${sourceLabel(req.path)}${req.name ? ` as ${req.name}` : ''}`, { ...req, workspace: ctx.workspace }),

  'datasets.synth': async (req, ctx) => {
    const what = req.kind === 'gaussian'
      ? `Gaussian (d=${req.dim ?? req.mean.length}, n=${req.n})`
      : `Gaussian mixture (${req.components.length} components, n=${req.n})`;
    return ctx.startJob('datasets.synth', `Synthesise ${what}`, { ...req, workspace: ctx.workspace });
  },

  'datasets.download': async (req, ctx) =>
    ctx.startJob('datasets.download', `Download CIFAR-10 (${req.format})`, { ...req, workspace: ctx.workspace }),

  'datasets.remove': async ({ name }, ctx) => {
    await removeDataset(ctx.workspace, name);
    return { name, removed: true as const };
  },

  'datasets.rename': async ({ from, to }, ctx) => withSize(ctx.workspace, await renameDataset(ctx.workspace, from, to)),

  'datasets.labels': async ({ name, split }, ctx) => {
    const s = splitOf(await showDataset(ctx.workspace, name), split);
    if (!s.labels) return { name, split, labels: null };
    const a = await readNpyFile(join(datasetsDir(ctx.workspace), name, s.labels));
    return { name, split, labels: Array.from(a.data as Int32Array) };
  },

  'datasets.points': async ({ name, split, limit }, ctx) => {
    const m = await showDataset(ctx.workspace, name);
    if (m.kind !== 'vectors') throw new DatasetStoreError(`dataset "${name}" holds images, not vectors: there are no points to plot`);
    const s = await loadSplit(ctx.workspace, `${name}:${split}`);
    const total = s.shape[0] ?? 0;
    const dim = s.shape[1] ?? 1;
    const stride = Math.max(1, Math.ceil(total / limit));
    const points: [number, number][] = [];
    const labels: number[] | null = s.labels ? [] : null;
    for (let i = 0; i < total; i += stride) {
      points.push([s.data[i * dim] as number, dim > 1 ? (s.data[i * dim + 1] as number) : 0]);
      labels?.push(s.labels?.[i] as number);
    }
    return { name, split, dim, total, points, labels };
  },
};
