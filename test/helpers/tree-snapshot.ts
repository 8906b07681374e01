/** Walks of a folder for tests: its paths, and its content hashes ("the workspace is byte for byte unchanged"). */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every path under a root, relative, folders marked; hidden entries included. Nothing is read. */
export function treePaths(root: string): { path: string; dir: boolean }[] {
  const out: { path: string; dir: boolean }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const dir = statSync(p).isDirectory();
      out.push({ path: relative(root, p), dir });
      if (dir) walk(p);
    }
  };
  walk(root);
  return out;
}

/** Every file and folder under a root with its sha256 ("dir" for folders): "the workspace is byte for byte unchanged". */
export function treeSnapshot(root: string): Map<string, string> {
  return new Map(treePaths(root).map(({ path, dir }) => [path, dir ? 'dir' : createHash('sha256').update(readFileSync(join(root, path))).digest('hex')]));
}

/** Paths whose content (or existence) differs between two snapshots, sorted. */
export function treeDifferences(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/**
 * Leaves out the one change a refused or cancelled run makes by design: its record in the Runs
 * table (runs/<id>/outcome.json, status failed or cancelled, issue 13). Everything else must match.
 */
export function outsideRunOutcomes(paths: string[]): string[] {
  return paths.filter((p) => !/^runs(\/[^/]+(\/outcome\.json)?)?$/.test(p));
}
