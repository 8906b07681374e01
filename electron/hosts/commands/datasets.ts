/** CLI commands of the datasets feature. Subcommands read ctx.args[0]. */
import type { Command } from './types';

export const datasetCommands: Record<string, Command> = {};
