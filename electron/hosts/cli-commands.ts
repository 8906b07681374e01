/** The CLI's commands. Each is a thin shell over service calls; the science lives in the engine. */
import { startWebHost } from './web';
import { builtRendererDir } from './built-paths';
import type { Command } from './commands/types';
import { datasetCommands } from './commands/datasets';
import { samplingCommands } from './commands/sampling';
import { auditCommands } from './commands/audit';
import { runCommands } from './commands/runs';

export type { Command, CommandContext } from './commands/types';

function kernelText(k: { available: boolean; kernel: string; threads: number; why?: string }): string {
  return k.available ? `${k.kernel}, ${k.threads} threads${k.why ? ` (${k.why})` : ''}` : `tfjs (${k.why ?? 'native kernels not built'})`;
}

export const commands: Record<string, Command> = {
  status: {
    usage: 'status [--json]',
    summary: 'app version, backend in use (and why better ones were skipped), device, workspace',
    async run(ctx) {
      const s = await ctx.service().call('status');
      const skipped = s.backend.skipped.map((k) => `    ${k.name}: ${k.why}`).join('\n');
      ctx.print(
        { version: s.app.version, backend: s.backend.name, reason: s.backend.reason, skipped: s.backend.skipped,
          device: s.backend.device, adapter: s.backend.adapter ?? null, kernels: s.backend.kernels, workspace: s.workspace, runtime: s.runtime },
        `ScoreScope ${s.app.version}\nbackend:   ${s.backend.name} (${s.backend.device})\nreason:    ${s.backend.reason}${skipped ? `\nskipped:\n${skipped}` : ''}\nkernels:   ${kernelText(s.backend.kernels)}\nworkspace: ${s.workspace}`,
      );
      return 0;
    },
  },
  serve: {
    usage: 'serve [--port N] [--host 127.0.0.1]',
    summary: 'serve the app to a browser (loopback by default, token-protected URL)',
    async run(ctx) {
      const port = ctx.flags.number('port');
      const host = ctx.flags.string('host');
      const service = ctx.service('web');
      const web = await startWebHost({ service, rendererDir: builtRendererDir(), port, host });
      const backend = await service.call('status');
      ctx.log(`backend: ${backend.backend.name} (${backend.backend.reason})`);
      ctx.log(`workspace: ${ctx.workspace}`);
      if (ctx.json) ctx.print({ url: web.url, port: web.port });
      else process.stdout.write(`ScoreScope is at ${web.url}\n(Ctrl-C stops it)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await web.close();
      return 0;
    },
  },
  ...datasetCommands,
  ...samplingCommands,
  ...auditCommands,
  ...runCommands,
};

