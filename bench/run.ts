/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints
 * figures. Speed targets are read from here, never asserted in tests.
 *
 * `npm run bench -- --json`: the same human output, then ONE JSON object on the last line of
 * stdout (bench/report.ts: every recorded figure by name, e.g. `knn.seconds`, `scoreStep.seconds`,
 * with its runs, median and GFLOP/s; `benches` says which bench recorded which figure; `meta` the
 * machine). `--json=FILE` writes the object to FILE instead and keeps stdout human.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beginBench, benchReport } from './report';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonArg = args.find((a) => a === '--json' || a.startsWith('--json='));
const jsonFile = jsonArg?.startsWith('--json=') ? resolve(jsonArg.slice('--json='.length)) : undefined;
const only = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const started = new Date().toISOString();
const loadBefore = loadavg();
for (const f of files) {
  console.log(`\n== ${f}`);
  beginBench(f.replace(/\.bench\.ts$/, ''));
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<void> };
  await mod.default();
}

if (jsonArg) {
  const meta = {
    started,
    finished: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    // another job on the machine shows here: timings are medians, but read them with this
    loadAverage: { before: loadBefore.map((l) => Math.round(l * 100) / 100), after: loadavg().map((l) => Math.round(l * 100) / 100) },
    node: process.version,
  };
  const report = JSON.stringify(benchReport(files.map((f) => f.replace(/\.bench\.ts$/, '')), meta));
  if (jsonFile) {
    writeFileSync(jsonFile, `${report}\n`);
    console.log(`\nfigures written to ${jsonFile}`);
  } else {
    console.log(report);
  }
}
