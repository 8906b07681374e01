/**
 * `scorescope` command line: the same contract and engine as the app, headless.
 * With --json, stdout carries exactly one JSON object; progress and logs go to stderr.
 */
import { parseArgs, Flags } from './cli-args';
import { switchFlags } from './cli-options';
import { createService, type Service } from './service';
import { resolveWorkspace } from '../workspace/paths';
import { parseBackendName } from '../science/backend';
import { commands, type CommandContext } from './cli-commands';

const BOOLEANS = new Set(['json', 'help', 'version', 'open', 'force', 'yes', ...switchFlags()]);

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, BOOLEANS);
  } catch (e) {
    process.stderr.write(`scorescope: ${(e as Error).message}\n`);
    return 2;
  }
  const flags = new Flags(parsed.flags);
  const [name, ...rest] = parsed.positionals;
  const json = flags.has('json');
  if (!name || name === 'help' || (flags.has('help') && !name)) {
    process.stdout.write(helpText());
    return 0;
  }
  if (flags.has('version')) {
    const { default: pkg } = await import('../../package.json');
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`scorescope: unknown command "${name}" (try \`scorescope --help\`)\n`);
    return 2;
  }
  if (flags.has('help')) {
    const options = command.options?.(rest);
    process.stdout.write(`${command.usage}\n\n${wrap(command.summary, 92, '')}\n${options ? `\nOptions:\n${options}\n` : ''}`);
    return 0;
  }
  let service: Service | undefined;
  const ctx: CommandContext = {
    args: rest,
    flags,
    json,
    workspace: resolveWorkspace(flags.string('workspace')),
    service: (host = 'cli') => {
      service ??= createService({
        workspace: ctx.workspace,
        backend: parseBackendName(flags.string('backend') ?? process.env['SCORESCOPE_BACKEND']),
        host,
      });
      return service;
    },
    print(value, human) {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else process.stdout.write(`${human ?? JSON.stringify(value, null, 2)}\n`);
    },
    log: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    const code = await command.run(ctx);
    const unknown = flags.unknown().filter((f) => !['workspace', 'backend', 'json'].includes(f));
    if (unknown.length) process.stderr.write(`scorescope: ignored unknown option(s): ${unknown.map((u) => `--${u}`).join(' ')}\n`);
    return code;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.stderr.write(`scorescope: ${message}\n`);
    return 1;
  } finally {
    await service?.close();
  }
}

/** Greedy word wrap for help text. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function helpText(): string {
  const lines = Object.values(commands).map((c) => `  ${c.usage}\n${wrap(c.summary, 92, '      ')}`);
  return `ScoreScope: memorisation in score-based generative models, headless.

Usage: scorescope <command> [options]      (scorescope <command> --help for one command)

Commands:
${lines.join('\n')}

Global options:
  --workspace DIR   workspace folder (default: the desktop app's, or $SCORESCOPE_WORKSPACE)
  --backend NAME    auto | tensorflow-gpu | webgpu | tensorflow | wasm | cpu (or $SCORESCOPE_BACKEND)
  --json            print exactly one JSON object on stdout; progress goes to stderr
  --help            this text, or a command's usage
`;
}

// The bundle entry: run when executed, not when imported by tests.
if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
