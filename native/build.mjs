#!/usr/bin/env node
// Builds the native k-NN kernels (native/binding.gyp -> native/build/Release/scorescope_kernels.node)
// with node-gyp, offline against the Node headers installed on this machine. Never fails the
// install: on any problem it prints one line "native kernels unavailable: <reason>; using tfjs"
// and exits 0 (the app then runs the tfjs search). Skips the build when the binary is newer than
// its sources (pass --force to rebuild). SCORESCOPE_NATIVE=0 skips it altogether.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const binary = join(here, 'build', 'Release', 'scorescope_kernels.node');
const force = process.argv.includes('--force');
const started = Date.now();

function unavailable(reason) {
  console.log(`native kernels unavailable: ${reason.replace(/\s+/g, ' ').trim().slice(0, 400)}; using tfjs`);
  process.exit(0);
}

/** node-gyp's CLI: the project's copy, npm's bundled one, or the one next to this node. */
function findNodeGyp() {
  const candidates = [];
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    /* not a dependency here: try npm's copy */
  }
  const npmCli = process.env.npm_execpath;
  if (npmCli) candidates.push(join(dirname(dirname(npmCli)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

/** A folder whose include/node holds this Node's headers (so node-gyp need not download them). */
function findNodeDir() {
  const hasHeaders = (dir) => existsSync(join(dir, 'include', 'node', 'node_api.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'));
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr', '/usr/local'].filter(Boolean);
  return candidates.find((dir) => hasHeaders(dir));
}

function newestSource() {
  const files = [join(here, 'binding.gyp'), join(here, 'build.mjs')];
  for (const f of readdirSync(join(here, 'src'))) files.push(join(here, 'src', f));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/** Loads the binary in a fresh node to prove it works (an incompatible binary must not pass). */
function probe() {
  const code = `const k = require(${JSON.stringify(binary)}); const i = k.info(); console.log(i.avx512 ? 'native-avx512' : i.avx2 ? 'native-avx2' : 'native-portable', i.hardwareThreads);`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) unavailable(`built ${relative(root, binary)} but it does not load: ${(r.stderr || r.error?.message || '').split('\n').find((l) => l.trim()) ?? 'unknown error'}`);
  return r.stdout.trim();
}

try {
  if (process.env.SCORESCOPE_NATIVE === '0') unavailable('disabled by SCORESCOPE_NATIVE=0');
  if (!force && existsSync(binary) && statSync(binary).mtimeMs > newestSource()) {
    console.log(`native kernels up to date: ${relative(root, binary)} (${probe()} threads)`);
    process.exit(0);
  }
  const gyp = findNodeGyp();
  if (!gyp) unavailable('node-gyp not found (neither in node_modules nor bundled with npm)');
  const args = [gyp, 'rebuild', '--directory', here, '--loglevel', 'error'];
  const nodedir = findNodeDir();
  // without local headers node-gyp tries to download them; allowed, but bounded by the timeout
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 300_000, env: { ...process.env, npm_config_nodedir: nodedir ?? '' } });
  if (r.error) unavailable(`node-gyp could not run: ${r.error.message}`);
  if (r.status !== 0 || !existsSync(binary)) {
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /error|not found|No such|cannot|failed/i.test(l) && !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l)) ?? lines.at(-1) ?? `node-gyp exited with ${r.status}`;
    unavailable(`build failed: ${why}`);
  }
  console.log(`native kernels built: ${relative(root, binary)} (${probe()} threads) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  unavailable(e instanceof Error ? e.message : String(e));
}
