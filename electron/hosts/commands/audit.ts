/** CLI commands of the audit feature. Subcommands read ctx.args[0]. */
import type { Command } from './types';

export const auditCommands: Record<string, Command> = {};
