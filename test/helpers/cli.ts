/** Runs the CLI's main(argv) in-process with stdout/stderr captured (--json prints one object). */
import { expect, vi } from 'vitest';
import { main } from '../../electron/hosts/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** What `--json` prints for a run (sample, experiments, train-score; electron/hosts/commands/sampling.ts). */
export interface CliRunJson {
  run: string;
  dir: string;
  out?: string;
  kind: string;
  title: string;
  params: Record<string, unknown>;
  timings: Record<string, number>;
  summary: Record<string, unknown>;
  files: string[];
}

/**
 * The CLI bound to a workspace (read when called: tests make it in beforeAll): `cli` runs it,
 * `json` adds --json and parses the one object (throwing with stderr on failure), `refusal`
 * expects exit code 1 and returns stderr.
 */
export function cliFor<Default = CliRunJson>(workspace: () => string) {
  const cli = (...argv: string[]): Promise<CliRun> => runCli([...argv, '--workspace', workspace()]);
  async function json<T = Default>(...argv: string[]): Promise<T> {
    const r = await cli(...argv, '--json');
    if (r.code !== 0) throw new Error(`scorescope ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }
  async function refusal(...argv: string[]): Promise<string> {
    const r = await cli(...argv);
    expect(r.code, argv.join(' ')).toBe(1);
    return r.stderr;
  }
  return { cli, json, refusal };
}
