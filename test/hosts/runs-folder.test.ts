/**
 * A run's folder for people: runs.reveal hands it to the desktop app's file manager (the service
 * option Electron fills with shell.showItemInFolder) and says when a host has none; the browser
 * host serves it as a zip (res/runs/<id>/zip/<id>.zip) holding run.json and every listed file,
 * byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../../electron/hosts/service';
import { resolveResource } from '../../electron/hosts/resources';
import { saveRun, runDirectory } from '../../electron/workspace/runs';
import { ZipFile } from '../../native-data';

let ws = '';
let id = '';

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'ss-runs-folder-'));
  const run = await saveRun(ws, 'sample', async (dir) => {
    writeFileSync(join(dir, 'samples.npz'), Buffer.from([1, 2, 3, 4, 5]));
    writeFileSync(join(dir, 'table.csv'), 'a,b\n1,2\n');
    return { kind: 'sample', title: 't', params: { seed: 1 }, environment: {}, timings: { total: 1 }, summary: {} };
  });
  id = run.id;
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('a run folder', () => {
  it('is revealed by the host that has a file manager, and only there', async () => {
    const shown: string[] = [];
    const desktop = createService({ workspace: ws, host: 'electron', revealFolder: (dir) => shown.push(dir) });
    const browser = createService({ workspace: ws, host: 'web' });
    try {
      expect(await desktop.call('runs.reveal', { id })).toEqual({ id, dir: runDirectory(ws, id), revealed: true });
      expect(shown).toEqual([runDirectory(ws, id)]);
      expect((await browser.call('runs.reveal', { id })).revealed).toBe(false);
      await expect(desktop.call('runs.reveal', { id: '20200101-000000-sample-abcdef' })).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      await desktop.close();
      await browser.close();
    }
  });

  it('downloads as a zip of run.json and its files', async () => {
    const r = await resolveResource(['runs', id, 'zip', `${id}.zip`], new URLSearchParams(), ws);
    expect(r?.contentType).toBe('application/zip');
    expect(r?.filename).toBe(`${id}.zip`);
    const file = join(ws, 'got.zip');
    writeFileSync(file, r!.body);
    const zip = await ZipFile.open(file);
    try {
      const entries = zip.entries;
      expect(entries.map((e) => e.path).sort()).toEqual([`${id}/run.json`, `${id}/samples.npz`, `${id}/table.csv`]);
      for (const e of entries) {
        const name = e.path.slice(id.length + 1);
        expect(Buffer.from(await zip.bytes(e)).equals(readFileSync(join(runDirectory(ws, id), name)))).toBe(true);
      }
    } finally {
      await zip.close();
    }
    // another name, or no such run: nothing
    expect(await resolveResource(['runs', id, 'zip', 'other.zip'], new URLSearchParams(), ws)).toBeNull();
    expect(await resolveResource(['runs', '20200101-000000-sample-abcdef', 'zip', '20200101-000000-sample-abcdef.zip'], new URLSearchParams(), ws)).toBeNull();
  });
});
