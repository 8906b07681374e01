/**
 * docs/ is the reference a clone carries: every `docs/math.md §N` the code cites exists, every
 * function math.md names is still exported, and every path architecture.md points at exists.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'build' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) walk(p, out);
    else if (/\.(ts|vue|mjs|cjs|cc|h|md)$/.test(name)) out.push(p);
  }
  return out;
}

const sources = [...['electron', 'native-data', 'native', 'renderer/src', 'test', 'bench'].flatMap((d) => walk(d)), 'README.md']
  .filter((p) => p !== relative(root, __filename));
const mathSections = new Set([...read('docs/math.md').matchAll(/^## (\d+)\. /gm)].map((m) => m[1]!));

describe('docs/math.md', () => {
  it('has the sections §1..§10 in order', () => {
    expect([...mathSections]).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('holds every section the code cites', () => {
    const missing: string[] = [];
    let citations = 0;
    for (const file of sources) {
      for (const m of read(file).matchAll(/docs\/math\.md §(\d+)(?:[-–](\d+))?/g)) {
        citations++;
        for (const n of [m[1], m[2]]) if (n !== undefined && !mathSections.has(n)) missing.push(`${file}: §${n}`);
      }
    }
    expect(missing).toEqual([]);
    expect(citations).toBeGreaterThan(50);
  });

  it('is the only math.md the code cites (no citation of a file outside the repository)', () => {
    const stray = sources.flatMap((file) =>
      [...read(file).matchAll(/(^|[^/\w])math\.md/g)].map(() => file));
    expect(stray).toEqual([]);
  });

  it('names only functions the code exports', () => {
    const exported = new Set<string>();
    for (const file of [...walk('electron'), ...walk('native-data')].filter((p) => p.endsWith('.ts'))) {
      const text = read(file);
      for (const m of text.matchAll(/^export (?:async )?(?:function\*?|const|class|interface|type|let) ([A-Za-z0-9_]+)/gm)) exported.add(m[1]!);
      for (const m of text.matchAll(/^export \{([^}]*)\}/gm)) {
        for (const part of m[1]!.split(',')) exported.add(part.trim().split(/\s+as\s+/).pop()!.replace(/^type /, ''));
      }
    }
    const codeLines = read('docs/math.md').split(/\n(?=\*\*Code:\*\*|## )/).filter((s) => s.startsWith('**Code:**'));
    expect(codeLines.length).toBe(mathSections.size);
    const named = codeLines.flatMap((s) => [...s.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(60);
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
  });
});

describe('docs/architecture.md', () => {
  it('points only at files and folders that exist', () => {
    const text = read('docs/architecture.md');
    const paths = [...text.matchAll(/`((?:electron|renderer|native-data|native|test|bench|docs)\/[^`\s]*|\.dependency-cruiser\.cjs|tsconfig[\w.]*\.json)`/g)]
      .map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !existsSync(join(root, p)))).toEqual([]);
  });

  it('lists the layers the dependency rules enforce', () => {
    const rules = read('.dependency-cruiser.cjs');
    for (const layer of ['contract', 'science', 'workspace', 'jobs', 'hosts']) {
      expect(rules).toContain(`electron/${layer}/`);
      expect(read('docs/architecture.md')).toContain(`electron/${layer}/`);
    }
  });
});
