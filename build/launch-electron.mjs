// `npm start`: make sure the Electron binary is there, then `electron-vite preview`.
// Electron 45 has no install script: `require('electron')` downloads the binary on first use.
// electron-vite only reads node_modules/electron/path.txt (written by that download) and would
// otherwise stop with "Electron uninstall", so this resolves the binary first and hands its path
// over through ELECTRON_EXEC_PATH. Without network the download fails: say so, and name the
// browser host, which serves the same app.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

let executable = process.env.ELECTRON_EXEC_PATH;
if (!executable) {
  try {
    executable = require('electron');
  } catch (e) {
    console.error(
      `\nScoreScope: the Electron binary is not installed and could not be downloaded (${e instanceof Error ? e.message : e}).\n` +
        'Electron fetches it on first launch, which needs network access to github.com (or ELECTRON_MIRROR).\n' +
        'Without it, the same app runs in a browser:  npx scorescope serve\n',
    );
    process.exit(1);
  }
}

const pkg = require('electron-vite/package.json');
const cli = join(dirname(require.resolve('electron-vite/package.json')), pkg.bin['electron-vite']);
const child = spawn(process.execPath, [cli, 'preview', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ELECTRON_EXEC_PATH: executable },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
