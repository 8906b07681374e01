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
process.exit(await main(process.argv.slice(2)));
