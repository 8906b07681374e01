/**
 * Exports of a comparison as downloads, for every host:
 *
 *   res/compare/<id>,<id>[,...]/export/<html|png|csv>
 *       the comparison page, the paired gallery PNG, or the CSV of differing parameters and figures,
 *       as a download named "compare-<short ids>-<name>".
 */
import { compareExport, type CompareExportKind } from '../../jobs/exports/compare-exports';
import { isRunId } from '../../workspace/runs';
import type { ResourceResolver } from './types';

const kinds: readonly string[] = ['html', 'png', 'csv'] satisfies CompareExportKind[];

const resolveCompareResource: ResourceResolver = async (path, _query, workspace) => {
  const [list, what, kind, ...extra] = path;
  if (!list || what !== 'export' || !kind || !kinds.includes(kind) || extra.length > 0) return null;
  const ids = list.split(',');
  if (ids.length < 2 || ids.length > 8 || !ids.every(isRunId)) return null;
  try {
    const file = await compareExport(workspace, ids, kind as CompareExportKind);
    return file ? { contentType: file.contentType, body: file.body, filename: `compare-${ids.map((id) => id.slice(-6)).join('-')}-${file.filename}` } : null;
  } catch {
    return null;
  }
};

export const compareResources: Record<string, ResourceResolver> = { compare: resolveCompareResource };
