#!/usr/bin/env node
// The `scorescope` command: runs the built CLI bundle (`npm ci` builds it in `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('scorescope: not built yet: run `npm run build` in the ScoreScope folder\n');
  process.exit(1);
}
const { main } = await import(cli.href);
const code = await main(process.argv.slice(2));
// stdout to a pipe is written asynchronously: a large --json answer (runs list of 1 000 runs) must
// drain before exit, or the reader gets it cut; the callback runs after everything before it.
process.stdout.write('', () => process.exit(code));
