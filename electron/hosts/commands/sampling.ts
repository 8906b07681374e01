/** CLI commands of the sampling feature. Subcommands read ctx.args[0]. */
import type { Command } from './types';

export const samplingCommands: Record<string, Command> = {};
