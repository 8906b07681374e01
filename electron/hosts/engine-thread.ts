/**
 * Starts the engine worker thread. Built app: `engine-worker.js` beside the bundle; from source
 * (tests, dev): the TypeScript entry through the tsx loader.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function engineWorkerEntry(): { file: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, join(here, '..')]) {
    const built = join(dir, 'engine-worker.js');
    if (existsSync(built)) return { file: built, execArgv: [] };
  }
  const source = join(here, '..', 'jobs', 'worker.ts');
  if (existsSync(source)) return { file: source, execArgv: [] };
  throw new Error(`engine worker not found near ${here}: run \`npm run build\``);
}

export function startEngineThread(): Worker {
  const { file, execArgv } = engineWorkerEntry();
  if (!file.endsWith('.ts')) return new Worker(file, { execArgv });
  // From source: register the tsx loader inside the worker, then load the TypeScript entry.
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`;
  return new Worker(bootstrap, { eval: true });
}
