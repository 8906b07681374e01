/** A CLI command: a thin shell over service calls; the science lives in the engine. */
import type { Flags } from '../cli-args';
import type { Service } from '../service';

export interface CommandContext {
  args: string[];
  flags: Flags;
  json: boolean;
  workspace: string;
  /** The shared service, started on first use (the engine thread spins up then). */
  service(host?: 'cli' | 'web'): Service;
  /** One result: JSON with --json, else the human text. */
  print(value: unknown, human?: string): void;
  log(line: string): void;
}

export interface Command {
  usage: string;
  summary: string;
  /** Option lines for `<command> --help` (from the contract's request schema); `args`: the positionals given. */
  options?: (args: string[]) => string;
  run(ctx: CommandContext): Promise<number>;
}
