/**
 * What the app shows about a stored dataset beyond its manifest: its size on disk. Kept apart
 * from the store so list/show stay cheap reads (a few stat calls per dataset).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetsDir, listDatasets, showDataset, type DatasetManifest } from './datasets';

export type DatasetWithSize = DatasetManifest & { sizeBytes: number };

/** Bytes of the files in a dataset folder (flat: manifest, .npy splits and labels). */
export async function datasetSizeBytes(ws: string, name: string): Promise<number> {
  const dir = join(datasetsDir(ws), name);
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    total += (await stat(join(dir, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export async function withSize(ws: string, m: DatasetManifest): Promise<DatasetWithSize> {
  return { ...m, sizeBytes: await datasetSizeBytes(ws, m.name) };
}

export async function listDatasetsWithSize(ws: string): Promise<DatasetWithSize[]> {
  return Promise.all((await listDatasets(ws)).map((m) => withSize(ws, m)));
}

export async function showDatasetWithSize(ws: string, name: string): Promise<DatasetWithSize> {
  return withSize(ws, await showDataset(ws, name));
}
