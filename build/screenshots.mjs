// `npm run screenshots`: builds, then runs the screenshot end-to-end test with SCORESCOPE_SCREENSHOTS=1
// so it also writes docs/screenshots/*.png (small palette PNGs, committed with the README).
import { spawnSync } from 'node:child_process';

const run = (args, env = {}) => {
  const r = spawnSync('npx', args, { stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(['electron-vite', 'build']);
run(['vitest', 'run', '--project', 'e2e', 'test/e2e/screenshots.e2e.test.ts'], { SCORESCOPE_SCREENSHOTS: '1' });
