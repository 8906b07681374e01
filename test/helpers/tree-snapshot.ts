/** Every file and folder under a root with its sha256 ("dir" for folders), hidden entries included: "the workspace is byte for byte unchanged". */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function treeSnapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out.set(relative(root, p), 'dir');
        walk(p);
      } else out.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
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
