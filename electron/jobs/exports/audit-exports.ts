/**
 * Exports of an audit, each stamped with the dataset hash, parameters, seed, backend and app
 * version: the HTML report (self-contained), the gallery PNG, the per-sample CSV (stamp as
 * leading "# " lines), metrics.json (a "stamp" member), and the samples / neighbours .npz (a
 * "stamp_json" member: UTF-8 bytes of the stamp as JSON). Served as downloads by the hosts
 * (res/audit/<id>/export/<kind>) and written into a folder by the CLI's --out.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuditExportKind } from '../../contract/audit';
import { readNpz, writeNpz, type NpzInput } from '../../../native-data';
import { runDirectory } from '../../workspace/runs';
import { auditFiles } from './audit-files';
import { loadAudit, type LoadedAudit } from './audit-data';
import { galleryPng, stampLines, type GallerySelection } from './audit-gallery';
import { htmlReport } from './audit-report';

export interface ExportedFile {
  body: Uint8Array;
  contentType: string;
  filename: string;
}

const names: Record<AuditExportKind, [string, string]> = {
  html: ['report.html', 'text/html; charset=utf-8'],
  gallery: ['gallery.png', 'image/png'],
  csv: ['per-sample.csv', 'text/csv; charset=utf-8'],
  metrics: ['metrics.json', 'application/json; charset=utf-8'],
  samples: ['samples.npz', 'application/octet-stream'],
  neighbours: ['neighbours.npz', 'application/octet-stream'],
};

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** An .npz of the run with the stamp added as member stamp_json (uint8 bytes of JSON). */
async function stampedNpz(workspace: string, audit: LoadedAudit, file: string): Promise<Uint8Array> {
  const arrays = await readNpz(join(runDirectory(workspace, audit.detail.id), file));
  const out: Record<string, NpzInput> = {};
  for (const [k, a] of Object.entries(arrays)) out[k] = { data: a.data, shape: a.shape, descr: a.dtype.descr };
  out['stamp_json'] = { data: utf8(JSON.stringify(audit.stamp)), shape: [Buffer.byteLength(JSON.stringify(audit.stamp))] };
  // writeNpz writes files; go through a temporary file in the OS temp folder
  const dir = await mkdtemp(join(tmpdir(), 'scorescope-export-'));
  try {
    const f = join(dir, file);
    await writeNpz(f, out);
    return new Uint8Array(await readFile(f));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function auditExport(workspace: string, id: string, kind: AuditExportKind, sel: GallerySelection = {}): Promise<ExportedFile> {
  const audit = await loadAudit(workspace, id);
  const [suffix, contentType] = names[kind];
  const filename = `${id}-${suffix}`;
  const dir = runDirectory(workspace, id);
  let body: Uint8Array;
  switch (kind) {
    case 'html':
      body = utf8(await htmlReport(workspace, audit, sel));
      break;
    case 'gallery':
      body = await galleryPng(workspace, audit, sel);
      break;
    case 'csv': {
      const stamp = [...stampLines(audit), `stamp ${JSON.stringify(audit.stamp)}`].map((l) => `# ${l}`).join('\n');
      body = utf8(`${stamp}\n${await readFile(join(dir, auditFiles.csv), 'utf8')}`);
      break;
    }
    case 'metrics':
      body = new Uint8Array(await readFile(join(dir, auditFiles.metrics)));
      break;
    case 'samples':
      body = await stampedNpz(workspace, audit, auditFiles.samples);
      break;
    case 'neighbours':
      body = await stampedNpz(workspace, audit, auditFiles.neighbours);
      break;
  }
  return { body, contentType, filename };
}

/** Writes the chosen exports into `out` (created if missing); returns what was written. */
export async function writeAuditExports(
  workspace: string,
  id: string,
  out: string,
  kinds: readonly AuditExportKind[],
  sel: GallerySelection = {},
): Promise<{ kind: AuditExportKind; path: string; bytes: number }[]> {
  await loadAudit(workspace, id); // fail before creating the folder when the id is wrong
  const folder = resolve(out);
  await mkdir(folder, { recursive: true });
  const written: { kind: AuditExportKind; path: string; bytes: number }[] = [];
  for (const kind of kinds) {
    const e = await auditExport(workspace, id, kind, sel);
    const path = join(folder, e.filename);
    await writeFile(path, e.body);
    written.push({ kind, path, bytes: e.body.byteLength });
  }
  return written;
}
