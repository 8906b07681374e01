/**
 * A run folder as one zip (the browser host's "download"; the desktop app reveals the folder
 * instead): run.json and every file the run lists, stored uncompressed (.npz and .png are
 * compressed already) by the zip writer the .npz files use.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipWriter } from '../../../native-data';
import { readRun, runDirectory } from '../../workspace/runs';

/** Bytes of `<id>.zip`, entries under "<id>/"; throws RunNotFound for a missing run. */
export async function runZip(workspace: string, id: string): Promise<Uint8Array> {
  const run = await readRun(workspace, id);
  const dir = runDirectory(workspace, id);
  const tmp = await mkdtemp(join(tmpdir(), 'scorescope-zip-'));
  try {
    const file = join(tmp, `${id}.zip`);
    const zip = await ZipWriter.create(file);
    try {
      for (const name of ['run.json', ...run.files]) {
        await zip.addEntry(`${id}/${name}`, createReadStream(join(dir, name)) as AsyncIterable<Uint8Array>);
      }
    } catch (e) {
      await zip.abort();
      throw e;
    }
    await zip.close();
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
