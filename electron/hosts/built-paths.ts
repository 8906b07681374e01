/** Locations of build outputs, from wherever the running bundle or source file sits. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function builtRendererDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const c of [join(dir, 'renderer'), join(dir, 'out', 'renderer')]) {
      if (existsSync(join(c, 'index.html'))) return c;
    }
    dir = dirname(dir);
  }
  throw new Error('the renderer is not built: run `npm run build` first');
}
