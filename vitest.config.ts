import { defineConfig } from 'vitest/config';

/**
 * Projects: `unit` (engine, hosts, readers, workspace), `e2e` (Chromium against `scorescope serve`)
 * and `tfjs-path`: the CLI sampling and audit pipelines again with the native kernels switched
 * off, so the fallback every machine without the addon uses stays tested end to end.
 */
export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'tfjs-path',
          include: ['test/hosts/sampling-cli.test.ts', 'test/hosts/audit-cli.test.ts'],
          env: { SCORESCOPE_NATIVE: '0' },
        },
      },
    ],
  },
});
