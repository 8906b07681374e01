/**
 * Engine jobs of the datasets feature: probe, import, synthesise, download. They run in the
 * engine worker (streaming reads, decoding and hashing stay off the host's event loop); the
 * workspace store does the work, these only unpack the (already parsed) parameters and shape results.
 */
import { rm } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import {
  DatasetDownloadRequest, DatasetImportRequest, DatasetProbeRequest, DatasetSynthRequest,
  type DatasetImportResult, type DatasetProbe, type DatasetSynthRequest as SynthRequest,
} from '../../contract/datasets';
import { importDataset, probeImport, synthDataset } from '../../workspace/datasets';
import { downloadDataset } from '../../workspace/datasets-download';
import { withSize } from '../../workspace/datasets-info';
import { sourceByteSize, type SyntheticSpec } from '../../../native-data';
import { jobParams, type TaskTable } from './types';

/** The synthetic spec a request describes (a one-number mean fills every coordinate). */
export function synthSpec(r: SynthRequest): SyntheticSpec {
  if (r.kind === 'gaussian') {
    const dim = r.dim ?? r.mean.length;
    const mean = r.mean.length === 1 && dim > 1 ? new Array<number>(dim).fill(r.mean[0] as number) : r.mean;
    return { kind: 'gaussian', mean, variance: r.variance, n: r.n, seed: r.seed, ...(r.test ? { test: r.test } : {}) };
  }
  return { kind: 'mixture', components: r.components, n: r.n, seed: r.seed, ...(r.test ? { test: r.test } : {}) };
}

/** A browser upload (<ws>/uploads/<session>/...) is a staging copy: drop it once imported. */
async function removeUploadSession(ws: string, source: string): Promise<void> {
  const rel = relative(resolve(ws, 'uploads'), resolve(source));
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) return;
  const session = rel.split(sep)[0];
  if (session) await rm(resolve(ws, 'uploads', session), { recursive: true, force: true });
}

export const datasetTasks: TaskTable<'datasets.probe' | 'datasets.import' | 'datasets.synth' | 'datasets.download'> = {
  'datasets.probe': async (params, ctx): Promise<DatasetProbe> => {
    const { req } = jobParams(DatasetProbeRequest, params);
    const p = await probeImport(req.path, { resize: req.resize, fit: req.fit, limits: req, ctx });
    const sizes = p.imageSizes ?? null;
    return {
      path: resolve(req.path),
      format: p.format,
      container: p.container,
      kind: p.kind,
      classes: p.classes,
      defaultName: p.defaultName,
      notes: p.notes,
      splits: p.splits,
      arrays: p.arrays ?? null,
      imageSizes: sizes,
      needsResize: sizes !== null && sizes.length > 1 && req.resize === undefined,
      sourceBytes: await sourceByteSize(resolve(req.path)),
    };
  },

  'datasets.import': async (params, ctx): Promise<DatasetImportResult> => {
    const { ws, req } = jobParams(DatasetImportRequest, params);
    const r = await importDataset(ws, req.path, { name: req.name, resize: req.resize, fit: req.fit, limits: req, ctx });
    await removeUploadSession(ws, req.path);
    return { ...(await withSize(ws, r.manifest)), existing: r.existing };
  },

  'datasets.synth': async (params, ctx): Promise<DatasetImportResult> => {
    const { ws, req } = jobParams(DatasetSynthRequest, params);
    const r = await synthDataset(ws, synthSpec(req), { name: req.name, ctx });
    return { ...(await withSize(ws, r.manifest)), existing: r.existing };
  },

  'datasets.download': async (params, ctx): Promise<DatasetImportResult> => {
    const { ws, req } = jobParams(DatasetDownloadRequest, params);
    const r = await downloadDataset(ws, { format: req.format, url: req.url, md5: req.md5, name: req.name, limits: req, ctx });
    return { ...(await withSize(ws, r.manifest)), existing: r.existing, archive: r.archive };
  },
};
